//! `#[derive(DdError)]` on enums (unit, tuple and struct variants, generic, empty) and structs.
#![deny(warnings)]

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

impl std::error::Error for PayError {}

#[derive(Debug, DdError)]
struct Timeout {
    after_ms: u64,
}

#[derive(Debug, DdError)]
enum Wrapped<E: fmt::Debug> {
    Inner(E),
}

#[derive(Debug, DdError)]
enum Never {}

#[derive(Debug, DdError)]
#[allow(non_camel_case_types)]
enum r#enum {
    r#match,
}

#[dd_span]
fn charge(cents: u32) -> Result<u32, PayError> {
    match cents {
        0 => Err(PayError::Declined),
        1 => Err(PayError::Gateway(502)),
        2 => Err(PayError::Fraud { score: 0.9 }),
        _ => Ok(cents),
    }
}

fn main() {
    assert!(charge(0).is_err());
    assert!(charge(1).is_err());
    assert!(charge(2).is_err());
    assert_eq!(charge(3).ok(), Some(3));
    assert_eq!(PayError::Declined.error_type(), format!("{}::PayError::Declined", module_path!()));
    assert!(PayError::Gateway(1).error_type().ends_with("::PayError::Gateway"));
    assert!(PayError::Fraud { score: 0.0 }.error_type().ends_with("::PayError::Fraud"));
    assert!(Timeout { after_ms: 1 }.error_type().ends_with("::Timeout"));
    assert!(Wrapped::Inner(1).error_type().ends_with("::Wrapped::Inner"));
    assert!(r#enum::r#match.error_type().ends_with("::enum::match"));
    let _ = |never: Never| never.error_type().to_owned();
    let _ = Timeout { after_ms: 1 }.after_ms;
}
