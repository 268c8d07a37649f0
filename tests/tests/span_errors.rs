//! How errors and panics look on spans: status, `error.type`, `error.message`, `error.stack`.

use std::error::Error;
use std::fmt;

use dd_instrument::{DdError, dd_span};
use dd_instrument_tests::spans::{attributes, capture, error_status};

#[derive(Debug)]
struct Timeout;

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("gateway timed out")
    }
}

impl Error for Timeout {}

#[derive(Debug, DdError)]
enum PayError {
    Declined,
    Gateway(Timeout),
}

impl fmt::Display for PayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Declined => f.write_str("card declined"),
            Self::Gateway(_) => f.write_str("payment gateway failed"),
        }
    }
}

impl Error for PayError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Declined => None,
            Self::Gateway(inner) => Some(inner),
        }
    }
}

#[dd_span]
fn charge(gateway_up: bool) -> Result<u32, PayError> {
    if gateway_up { Err(PayError::Declined) } else { Err(PayError::Gateway(Timeout)) }
}

#[test]
fn enum_errors_give_their_variant_and_source_chain() {
    let (_, spans) = capture(|| (charge(true), charge(false)));
    let declined = attributes(&spans[0]);
    assert_eq!(error_status(&spans[0]), Some("card declined"));
    assert_eq!(declined["error.type"], "span_errors::PayError::Declined");
    assert_eq!(declined["error.message"], "card declined");
    assert_eq!(declined["error.stack"], "span_errors::PayError::Declined: card declined");

    let gateway = attributes(&spans[1]);
    assert_eq!(gateway["error.type"], "span_errors::PayError::Gateway");
    assert_eq!(
        gateway["error.stack"],
        "span_errors::PayError::Gateway: payment gateway failed\ncaused by: gateway timed out"
    );
}

#[dd_span]
fn boxed() -> Result<(), Box<dyn Error + Send + Sync>> {
    Err(Box::new(PayError::Gateway(Timeout)))
}

#[dd_span]
fn with_anyhow() -> anyhow::Result<()> {
    Err(anyhow::Error::new(Timeout).context("loading the cart"))
}

#[dd_span]
fn text_error() -> Result<(), String> {
    Err("plain text".to_owned())
}

#[test]
fn boxed_anyhow_and_text_errors() {
    let (_, spans) = capture(|| (boxed(), with_anyhow(), text_error()));
    let boxed = attributes(&spans[0]);
    assert_eq!(
        boxed["error.type"],
        "alloc::boxed::Box<dyn core::error::Error + core::marker::Send + core::marker::Sync>"
    );
    assert_eq!(boxed["error.message"], "payment gateway failed");
    assert!(boxed["error.stack"].ends_with("caused by: gateway timed out"));

    let anyhow = attributes(&spans[1]);
    assert_eq!(anyhow["error.type"], "anyhow::Error");
    assert_eq!(anyhow["error.message"], "loading the cart");
    assert!(
        anyhow["error.stack"].ends_with(": loading the cart\ncaused by: gateway timed out"),
        "{}",
        anyhow["error.stack"]
    );

    let text = attributes(&spans[2]);
    assert_eq!((text["error.type"].as_str(), text["error.message"].as_str()), ("alloc::string::String", "plain text"));
    assert!(!text.contains_key("error.stack"));
}

#[dd_span]
fn explode() -> u8 {
    panic!("boom at {}", std::hint::black_box(42))
}

#[test]
fn panics_are_recorded_and_keep_unwinding() {
    let (caught, spans) = capture(|| std::panic::catch_unwind(explode));
    let payload = caught.expect_err("the panic continues");
    assert_eq!(payload.downcast_ref::<String>().map(String::as_str), Some("boom at 42"));
    let attrs = attributes(&spans[0]);
    assert_eq!(error_status(&spans[0]), Some("boom at 42"));
    assert_eq!((attrs["error.type"].as_str(), attrs["error.message"].as_str()), ("panic", "boom at 42"));
}

#[dd_span]
fn not_a_result() -> Option<u8> {
    None
}

#[test]
fn non_result_values_leave_the_status_unset() {
    let (_, spans) = capture(not_a_result);
    assert_eq!(spans[0].status, opentelemetry::trace::Status::Unset);
    assert!(!attributes(&spans[0]).contains_key("error.type"));
}
