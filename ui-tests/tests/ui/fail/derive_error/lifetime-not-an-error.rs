use dd_instrument::DdError;

#[derive(Debug, DdError)]
struct Rejected<'a> {
    reason: &'a str,
}

fn main() {}
