use dd_instrument::DdError;

#[derive(Debug, DdError)]
#[dd_error(krate = dd_instrument)]
enum PayError {
    Declined,
}

fn main() {}
