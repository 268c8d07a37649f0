use dd_instrument::DdError;

#[derive(Debug, DdError)]
#[dd_error(crate = "dd instrument")]
enum PayError {
    Declined,
}

fn main() {}
