use dd_instrument::DdError;

#[derive(Debug, DdError)]
#[dd_error(crate = dd_instrument, crate = dd_instrument)]
enum PayError {
    Declined,
}

fn main() {}
