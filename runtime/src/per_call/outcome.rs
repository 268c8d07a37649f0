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
use crate::user_code::{PANICKED, contained, display};

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
    /// The record of `error`: its `Display` and its `source()` chain, redacted. A panic in any
    /// of them (user code) is contained: the text so far, then the placeholder.
    fn of_error(error: &(dyn Error + 'static), kind: Cow<'static, str>) -> Self {
        let message = display(error);
        let mut stack = format!("{kind}: {message}");
        let walked = contained("an error's `source()`", || {
            let mut source = error.source();
            // A chain that loops back on itself must not hang the caller.
            for _ in 0..MAX_SOURCES {
                let Some(cause) = source else { break };
                stack.push_str("\ncaused by: ");
                if contained("an error's `Display`", || write!(stack, "{cause}")).is_none() {
                    stack.push_str(PANICKED);
                }
                source = cause.source();
            }
        });
        if walked.is_none() {
            stack.push_str("\ncaused by: ");
            stack.push_str(PANICKED);
        }
        Self::Error(ErrorRecord { kind, message: redacted(message), stack: Some(redacted(stack)) })
    }

    fn of_text(message: String, kind: Cow<'static, str>) -> Self {
        Self::Error(ErrorRecord { kind, message: redacted(message), stack: None })
    }
}

/// Most `source()` links followed into `error.stack`.
const MAX_SOURCES: usize = 64;

/// `text` through the process's redaction.
fn redacted(text: String) -> String {
    match crate::redact::current().redact(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(redacted) => redacted,
    }
}

/// The error type a `DdError` names, or the Rust type's when `error_type` panicked.
fn named<E: DdError + ?Sized>(error: &E) -> Cow<'static, str> {
    contained("a `DdError::error_type`", || error.error_type().to_owned())
        .map_or(Cow::Borrowed(type_name::<E>()), Cow::Owned)
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
            Err(e) => Outcome::of_error(e, named(e)),
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
            Err(e) => Outcome::of_text(display(e), Cow::Borrowed(type_name::<E>())),
        }
    }
}

impl<T, E: Debug> ProbeDebug for &&OutcomeProbe<'_, Result<T, E>> {
    fn __dd_outcome(self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Ok,
            Err(e) => Outcome::of_text(display(&format_args!("{e:?}")), Cow::Borrowed(type_name::<E>())),
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

/// The text of a panic payload, redacted: the message of `panic!("..")`, or a placeholder.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        redacted((*s).to_owned())
    } else if let Some(s) = payload.downcast_ref::<String>() {
        redacted(s.clone())
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
    fn error_text_is_redacted_in_message_and_stack() {
        #[derive(Debug)]
        struct Db;
        impl Display for Db {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("connect postgres://shop:hunter2@db:5432/shop: refused")
            }
        }
        impl Error for Db {}
        #[derive(Debug)]
        struct Charge(Db);
        impl Display for Charge {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("card 4111 1111 1111 1111 of bob@example.com declined")
            }
        }
        impl Error for Charge {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                Some(&self.0)
            }
        }
        let value: Result<(), Charge> = Err(Charge(Db));
        let charge = record(crate::__dd_outcome!(&value));
        assert_eq!(charge.message, "card [REDACTED:card] of [REDACTED:email] declined");
        assert_eq!(
            charge.stack.as_deref(),
            Some(&*format!(
                "{}: card [REDACTED:card] of [REDACTED:email] declined\ncaused by: connect \
                 postgres://[REDACTED:credentials]@db:5432/shop: refused",
                type_name::<Charge>()
            ))
        );
        let text: Result<(), String> = Err("refund to alice@example.com".into());
        assert_eq!(record(crate::__dd_outcome!(&text)).message, "refund to [REDACTED:email]");
        assert_eq!(panic_message(&String::from("no card 5555555555554444")), "no card [REDACTED:card]");
    }

    /// Issue 6, item 3: an error whose `Display` panics does not turn an `Err` into a panic.
    #[test]
    fn a_panicking_display_gives_a_placeholder() {
        #[derive(Debug)]
        struct Bad;
        impl Display for Bad {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                panic!("Display of Bad")
            }
        }
        impl Error for Bad {}
        #[derive(Debug)]
        struct Wraps(Bad);
        impl Display for Wraps {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("outer")
            }
        }
        impl Error for Wraps {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                Some(&self.0)
            }
        }
        impl DdError for Wraps {
            fn error_type(&self) -> &str {
                panic!("error_type of Wraps")
            }
        }
        let value: Result<(), Bad> = Err(Bad);
        let bad = record(crate::__dd_outcome!(&value));
        assert_eq!(bad.message, "<Display panicked>");
        let value: Result<(), Wraps> = Err(Wraps(Bad));
        let wraps = record(crate::__dd_outcome!(&value));
        assert_eq!(wraps.kind, type_name::<Wraps>());
        assert_eq!(wraps.message, "outer");
        assert_eq!(
            wraps.stack.as_deref(),
            Some(&*format!("{}: outer\ncaused by: <Display panicked>", type_name::<Wraps>()))
        );
        #[derive(Debug)]
        struct OnlyDisplay;
        impl Display for OnlyDisplay {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                panic!("Display of OnlyDisplay")
            }
        }
        let value: Result<(), OnlyDisplay> = Err(OnlyDisplay);
        assert_eq!(record(crate::__dd_outcome!(&value)).message, "<Display panicked>");
    }

    #[test]
    fn panic_payloads_become_messages() {
        assert_eq!(panic_message(&"static"), "static");
        assert_eq!(panic_message(&String::from("owned")), "owned");
        assert_eq!(panic_message(&42_u8), "panic with a non-string payload");
    }
}
