use dd_instrument::dd_timed;

#[derive(Debug)]
struct PayError;

// `?` converts errors as in the function without the attribute: no `From<ParseIntError>` here.
#[dd_timed]
fn parse(cents: &str) -> Result<u32, PayError> {
    let cents = u32::from_str_radix(cents, 10)?;
    Ok(cents)
}

fn main() {}
