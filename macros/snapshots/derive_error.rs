//! `#[derive(DdError)]`: `error.type` is the module path and the type (and variant) name.

#[derive(Debug, DdError)]
enum PayError<E> {
    Declined,
    Gateway { status: u16 },
    Io(E),
}

#[derive(DdError)]
struct Timeout;

#[derive(DdError)]
enum Never {}

#[derive(DdError)]
union Bits {
    value: u32,
}
