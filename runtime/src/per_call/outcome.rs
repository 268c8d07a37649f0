//! How a call ended, and what an error looks like in Datadog.
//!
//! The macros classify a return value without knowing its type: the expansion calls
//! `__dd_outcome()` on a stack of references to an [`OutcomeProbe`], and the compiler picks the
//! most specific of the traits below whose bounds the value meets ("autoref specialization").
//! A `Result` whose error implements `std::error::Error` gives its source chain; one whose error
//! only implements `Display` or `Debug` gives that text; anything else is a success.

use std::any::type_name;
use std::borrow::Cow;
use std::error::Error;
use std::fmt::{self, Debug, Display, Write as _};

use crate::DdError;

/// How one call ended. Metrics carry it as the `outcome` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OutcomeKind {
    /// Returned normally: `Ok`, or a value that is not a `Result`.
    Ok = 0,
    /// Returned `Err`.
    Error = 1,
    /// Panicked. The panic keeps unwinding after it is recorded.
    Panic = 2,
    /// An `async fn` whose future was dropped before it completed.
    Cancelled = 3,
}

impl OutcomeKind {
    /// All outcomes, in tag order.
    pub(crate) const ALL: [Self; 4] = [Self::Ok, Self::Error, Self::Panic, Self::Cancelled];

    /// The value of the `outcome` tag.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Panic => "panic",
            Self::Cancelled => "cancelled",
        }
    }
}

impl Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a span records about an error: `error.type`, `error.message`, `error.stack`.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRecord {
    /// `error.type`.
    pub kind: Cow<'static, str>,
    /// `error.message`, also the span status description.
    pub message: String,
    /// `error.stack`: the error and its `source()` chain, one per line.
    pub stack: Option<String>,
}

/// The outcome of a call as the macros compute it from the returned value.
#[doc(hidden)]
#[derive(Debug)]
pub enum Outcome {
    /// A success.
    Ok,
    /// An `Err`.
    Error(ErrorRecord),
}

impl Outcome {
    fn of_error(error: &(dyn Error + 'static), kind: Cow<'static, str>) -> Self {
        let message = error.to_string();
        let mut stack = format!("{kind}: {message}");
        let mut source = error.source();
        while let Some(cause) = source {
            let _ = write!(stack, "\ncaused by: {cause}");
            source = cause.source();
        }
        Self::Error(ErrorRecord { kind, message, stack: Some(stack) })
    }

    fn of_text(message: String, kind: Cow<'static, str>) -> Self {
        Self::Error(ErrorRecord { kind, message, stack: None })
    }
}

/// Wraps a returned value for classification. See the module docs.
#[doc(hidden)]
#[derive(Debug)]
pub struct OutcomeProbe<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> Clone for OutcomeProbe<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for OutcomeProbe<'_, T> {}

macro_rules! probe_levels {
    ($($(#[$doc:meta])* $trait:ident;)*) => {$(
        $(#[$doc])*
        #[doc(hidden)]
        pub trait $trait {
            fn __dd_outcome(self) -> Outcome;
        }
    )*};
}

probe_levels! {
    /// `Result<_, E>` with `E: Error + DdError`.
    ProbeErrorNamed;
    /// `Result<_, E>` with `E: Error`.
    ProbeError;
    /// `Result<_, E>` with `E: AsRef<dyn Error + Send + Sync>` (`Box<dyn Error + Send + Sync>`, `anyhow::Error`).
    ProbeDynErrorSend;
    /// `Result<_, E>` with `E: AsRef<dyn Error>` (`Box<dyn Error>`).
    ProbeDynError;
    /// `Result<_, E>` with `E: Display`.
    ProbeDisplay;
    /// `Result<_, E>` with `E: Debug`.
    ProbeDebug;
    /// `Result<_, E>` for any other `E`.
    ProbeAnyErr;
    /// Anything that is not a `Result`.
    ProbeNotResult;
}

impl<T, E: Error + DdError + 'static> ProbeErrorNamed for &&&&&&&OutcomeProbe<'_, Result<T, E>> {
    fn __dd_outcome(self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Ok,
            Err(e) => Outcome::of_error(e, Cow::Owned(e.error_type().to_owned())),
        }
    }
}

impl<T, E: Error + 'static> ProbeError for &&&&&&OutcomeProbe<'_, Result<T, E>> {
    fn __dd_outcome(self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Ok,
            Err(e) => Outcome::of_error(e, Cow::Borrowed(type_name::<E>())),
        }
    }
}

impl<T, E: AsRef<dyn Error + Send + Sync + 'static>> ProbeDynErrorSend for &&&&&OutcomeProbe<'_, Result<T, E>> {
    fn __dd_outcome(self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Ok,
            Err(e) => Outcome::of_error(e.as_ref(), Cow::Borrowed(type_name::<E>())),
        }
    }
}

impl<T, E: AsRef<dyn Error + 'static>> ProbeDynError for &&&&OutcomeProbe<'_, Result<T, E>> {
    fn __dd_outcome(self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Ok,
            Err(e) => Outcome::of_error(e.as_ref(), Cow::Borrowed(type_name::<E>())),
        }
    }
}

impl<T, E: Display> ProbeDisplay for &&&OutcomeProbe<'_, Result<T, E>> {
    fn __dd_outcome(self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Ok,
            Err(e) => Outcome::of_text(e.to_string(), Cow::Borrowed(type_name::<E>())),
        }
    }
}

impl<T, E: Debug> ProbeDebug for &&OutcomeProbe<'_, Result<T, E>> {
    fn __dd_outcome(self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Ok,
            Err(e) => Outcome::of_text(format!("{e:?}"), Cow::Borrowed(type_name::<E>())),
        }
    }
}

impl<T, E> ProbeAnyErr for &OutcomeProbe<'_, Result<T, E>> {
    fn __dd_outcome(self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Ok,
            Err(_) => Outcome::of_text(type_name::<E>().to_owned(), Cow::Borrowed(type_name::<E>())),
        }
    }
}

impl<T: ?Sized> ProbeNotResult for OutcomeProbe<'_, T> {
    fn __dd_outcome(self) -> Outcome {
        Outcome::Ok
    }
}

/// Classifies a returned value: `outcome!(value_ref)` is an [`Outcome`].
#[doc(hidden)]
#[macro_export]
macro_rules! __dd_outcome {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::outcome::{
            ProbeAnyErr as _, ProbeDebug as _, ProbeDisplay as _, ProbeDynError as _, ProbeDynErrorSend as _,
            ProbeError as _, ProbeErrorNamed as _, ProbeNotResult as _,
        };
        (&&&&&&&$crate::__private::outcome::OutcomeProbe($value)).__dd_outcome()
    }};
}

/// The text of a panic payload: the message of `panic!("..")`, or a placeholder.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

#[cfg(test)]
#[allow(clippy::items_after_statements)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Inner;
    impl Display for Inner {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("connection reset")
        }
    }
    impl Error for Inner {}

    #[derive(Debug)]
    struct Outer(Inner);
    impl Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("gateway failed")
        }
    }
    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[derive(Debug)]
    enum Named {
        Declined,
    }
    impl Display for Named {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("declined")
        }
    }
    impl Error for Named {}
    impl DdError for Named {
        fn error_type(&self) -> &str {
            match self {
                Self::Declined => "Named::Declined",
            }
        }
    }

    fn record(outcome: Outcome) -> ErrorRecord {
        match outcome {
            Outcome::Error(record) => record,
            Outcome::Ok => panic!("expected an error"),
        }
    }

    #[test]
    fn std_errors_give_their_source_chain() {
        let value: Result<(), Outer> = Err(Outer(Inner));
        let record = record(crate::__dd_outcome!(&value));
        assert_eq!(record.kind, type_name::<Outer>());
        assert_eq!(record.message, "gateway failed");
        assert_eq!(
            record.stack.as_deref(),
            Some(&*format!("{}: gateway failed\ncaused by: connection reset", type_name::<Outer>()))
        );
    }

    #[test]
    fn named_errors_give_their_variant() {
        let value: Result<u8, Named> = Err(Named::Declined);
        assert_eq!(record(crate::__dd_outcome!(&value)).kind, "Named::Declined");
    }

    #[test]
    fn boxed_errors_keep_their_chain() {
        let value: Result<(), Box<dyn Error + Send + Sync>> = Err(Box::new(Outer(Inner)));
        let record = record(crate::__dd_outcome!(&value));
        assert_eq!(record.message, "gateway failed");
        assert!(record.stack.unwrap().ends_with("caused by: connection reset"));
        let value: Result<(), Box<dyn Error>> = Err(Box::new(Inner));
        assert_eq!(record_of(&value).message, "connection reset");
    }

    fn record_of(value: &Result<(), Box<dyn Error>>) -> ErrorRecord {
        record(crate::__dd_outcome!(value))
    }

    #[test]
    fn display_debug_and_opaque_errors() {
        let value: Result<(), String> = Err("bad input".into());
        let display = record(crate::__dd_outcome!(&value));
        assert_eq!(
            (display.kind.as_ref(), display.message.as_str(), display.stack),
            ("alloc::string::String", "bad input", None)
        );

        #[derive(Debug)]
        struct OnlyDebug(#[allow(dead_code)] u8);
        let value: Result<(), OnlyDebug> = Err(OnlyDebug(7));
        assert_eq!(record(crate::__dd_outcome!(&value)).message, "OnlyDebug(7)");

        struct Opaque;
        let value: Result<(), Opaque> = Err(Opaque);
        assert!(record(crate::__dd_outcome!(&value)).message.ends_with("Opaque"));
    }

    #[test]
    fn successes_and_plain_values_are_ok() {
        let ok: Result<u8, Outer> = Ok(1);
        assert!(matches!(crate::__dd_outcome!(&ok), Outcome::Ok));
        assert!(matches!(crate::__dd_outcome!(&42_u32), Outcome::Ok));
        assert!(matches!(crate::__dd_outcome!("text"), Outcome::Ok));
    }

    #[test]
    fn panic_payloads_become_messages() {
        assert_eq!(panic_message(&"static"), "static");
        assert_eq!(panic_message(&String::from("owned")), "owned");
        assert_eq!(panic_message(&42_u8), "panic with a non-string payload");
    }
}
