use dd_instrument::DdError;

// `error.type` comes from `DdError` only for types that implement `std::error::Error`: without
// it the derive would be ignored.
#[derive(Debug, DdError)]
enum PayError {
    Declined,
    Timeout,
}

fn main() {}
