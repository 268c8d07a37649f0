use dd_instrument::dd_span;

#[derive(Debug)]
struct PayError;

#[dd_span]
async fn parse(cents: &str) -> Result<u32, PayError> {
    let cents = u32::from_str_radix(cents, 10)?;
    Ok(cents)
}

fn main() {}
