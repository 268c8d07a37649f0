use dd_instrument::{DdError, dd_span};

// A generic type implements `DdError` where it implements `std::error::Error`: `Wrapped<u16>`
// does not, so it has no `error_type()`, and spans record its `Debug` text with its type name.
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
