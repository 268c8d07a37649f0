//! `#[derive(DdError)]` on enums (unit, tuple and struct variants, generic, empty) and structs
//! that implement `std::error::Error`, and the `error.type` a span gets from it.
#![deny(warnings)]

use std::error::Error;
use std::fmt;

use dd_instrument::{DdError, dd_span};

#[derive(Debug, DdError)]
enum PayError {
    Declined,
    Gateway(u16),
    Fraud { score: f32 },
}

impl fmt::Display for PayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Declined => f.write_str("declined"),
            Self::Gateway(status) => write!(f, "gateway answered {status}"),
            Self::Fraud { score } => write!(f, "fraud score {score}"),
        }
    }
}

impl Error for PayError {}

#[derive(Debug, DdError)]
struct Timeout {
    after_ms: u64,
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out after {} ms", self.after_ms)
    }
}

impl Error for Timeout {}

/// Generic: `DdError` where the type is an `Error`, here when `E` is one.
#[derive(Debug, DdError)]
enum Wrapped<E> {
    Inner(E),
    Other,
}

impl<E: fmt::Display> fmt::Display for Wrapped<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Inner(inner) => write!(f, "wrapped: {inner}"),
            Self::Other => f.write_str("other"),
        }
    }
}

impl<E: Error + 'static> Error for Wrapped<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Inner(inner) => Some(inner),
            Self::Other => None,
        }
    }
}

/// With a lifetime parameter only: checked like a type without parameters.
#[derive(Debug, DdError)]
struct Rejected<'a> {
    reason: &'a str,
}

impl fmt::Display for Rejected<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason)
    }
}

impl Error for Rejected<'_> {}

#[derive(Debug, DdError)]
enum Never {}

impl fmt::Display for Never {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl Error for Never {}

#[derive(Debug, DdError)]
#[allow(non_camel_case_types)]
enum r#enum {
    r#match,
}

impl fmt::Display for r#enum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("match")
    }
}

impl Error for r#enum {}

#[dd_span]
fn charge(cents: u32) -> Result<u32, PayError> {
    match cents {
        0 => Err(PayError::Declined),
        1 => Err(PayError::Gateway(502)),
        2 => Err(PayError::Fraud { score: 0.9 }),
        _ => Ok(cents),
    }
}

/// The `error.type` a span records for `Err($error)`, classified as the expansions do (a macro:
/// a generic function would not see the error's concrete type).
macro_rules! error_type {
    ($error:expr) => {{
        let result: Result<(), _> = Err($error);
        match dd_instrument::__private::outcome_of!(&result) {
            dd_instrument::__private::Outcome::Error(record) => record.kind.into_owned(),
            dd_instrument::__private::Outcome::Ok => String::new(),
        }
    }};
}

fn main() {
    assert!(charge(0).is_err());
    assert!(charge(1).is_err());
    assert!(charge(2).is_err());
    assert_eq!(charge(3).ok(), Some(3));
    let module = module_path!();
    assert_eq!(PayError::Declined.error_type(), format!("{module}::PayError::Declined"));
    assert!(PayError::Gateway(1).error_type().ends_with("::PayError::Gateway"));
    assert!(PayError::Fraud { score: 0.0 }.error_type().ends_with("::PayError::Fraud"));
    assert!(Timeout { after_ms: 1 }.error_type().ends_with("::Timeout"));
    assert!(r#enum::r#match.error_type().ends_with("::enum::match"));
    let _ = |never: Never| never.error_type().to_owned();

    // What a span records: the variant (or struct) path, for structs and generic enums too.
    assert_eq!(error_type!(PayError::Gateway(502)), format!("{module}::PayError::Gateway"));
    assert_eq!(error_type!(Timeout { after_ms: 5 }), format!("{module}::Timeout"));
    assert_eq!(error_type!(Wrapped::Inner(Timeout { after_ms: 5 })), format!("{module}::Wrapped::Inner"));
    assert_eq!(error_type!(Wrapped::<Timeout>::Other), format!("{module}::Wrapped::Other"));
    assert_eq!(error_type!(Rejected { reason: "no" }), format!("{module}::Rejected"));
    // Without `DdError`, the type name: what a derive on a type that is no `Error` fell back to.
    assert_eq!(error_type!(std::fmt::Error), "core::fmt::Error");
}
