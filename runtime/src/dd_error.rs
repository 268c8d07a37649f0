//! Naming errors for Datadog: the [`DdError`] trait that `#[derive(DdError)]` implements.

/// Gives an error type a name for Datadog's `error.type`, such as the variant of an enum.
///
/// Without it, `error.type` is the error's type name (`core::any::type_name`). Derive it on an
/// enum to get `path::Enum::Variant`. A span records an `Err` through the error's
/// `std::error::Error` impl, so the type must be an error (`Debug + Display + Error`, written by
/// hand or with `thiserror`); the derive refuses a type that is not:
///
/// ```
/// #[derive(Debug, dd_instrument::DdError)]
/// enum PayError {
///     Declined,
///     Gateway { status: u16 },
/// }
///
/// impl std::fmt::Display for PayError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("payment failed")
///     }
/// }
///
/// impl std::error::Error for PayError {}
///
/// use dd_instrument::DdError as _;
/// assert!(PayError::Gateway { status: 502 }.error_type().ends_with("::PayError::Gateway"));
/// ```
pub trait DdError {
    /// The `error.type` of this error.
    fn error_type(&self) -> &str;
}
