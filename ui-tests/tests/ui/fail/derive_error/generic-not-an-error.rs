use dd_instrument::{DdError, dd_span};

// A generic type implements `DdError` where it implements `std::error::Error`: `Wrapped<u16>`
// never does.
#[derive(Debug, DdError)]
enum Wrapped<E> {
    Inner(E),
}

#[dd_span]
fn charge() -> Result<(), Wrapped<u16>> {
    Err(Wrapped::Inner(502))
}

fn main() {
    let _ = Wrapped::Inner(502_u16).error_type();
    let _ = charge();
}
