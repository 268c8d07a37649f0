use dd_instrument::DdError;

#[derive(Debug, DdError)]
#[dd_error(crate = "dd instrument")]
enum PayError {
    Declined,
}

impl std::fmt::Display for PayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("declined")
    }
}

impl std::error::Error for PayError {}

fn main() {}
