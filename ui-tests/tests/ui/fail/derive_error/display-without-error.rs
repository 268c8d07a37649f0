use std::fmt;

use dd_instrument::DdError;

#[derive(Debug, DdError)]
enum PayError {
    Declined,
}

impl fmt::Display for PayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("declined")
    }
}

fn main() {}
