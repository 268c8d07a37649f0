//! Redaction of what annotated functions send (the default `Redaction`: card numbers, email
//! addresses, credentials in URLs), and user code run for telemetry that panics (issue 6, item 3).

use std::error::Error;
use std::fmt;

use dd_instrument::testing::capture;
use dd_instrument::{DdTags, dd_slo, dd_span, dd_timed};

const CARD: &str = "4111 1111 1111 1111";
const EMAIL: &str = "alice@example.com";

#[derive(Debug)]
struct DbDown;

impl fmt::Display for DbDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connect postgres://shop:hunter2@db:5432/shop: refused")
    }
}

impl Error for DbDown {}

#[derive(Debug)]
struct Declined(DbDown);

impl fmt::Display for Declined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "card {CARD} of {EMAIL} declined")
    }
}

impl Error for Declined {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

#[derive(DdTags)]
struct Customer<'a> {
    email: &'a str,
    plan: &'a str,
}

#[dd_span(tags(card = card, ..customer))]
#[dd_timed(tags(card = card, ..customer))]
fn charge(card: &str, customer: &Customer<'_>) -> Result<(), Declined> {
    let _ = (card, customer);
    Err(Declined(DbDown))
}

#[dd_span(resource = format!("refund {email}"))]
fn refund(email: &str) {
    panic!("refund of {email} failed with card {CARD}");
}

#[test]
fn tags_errors_resources_and_panics_are_redacted() {
    let customer = Customer { email: EMAIL, plan: "pro" };
    let (result, captured) = capture(|| {
        let refunded = std::panic::catch_unwind(|| refund(EMAIL));
        (charge(CARD, &customer), refunded)
    });
    assert!(result.0.is_err() && result.1.is_err());

    let charge = captured.span("redaction.charge");
    assert_eq!(charge.attribute("card").map(ToString::to_string).as_deref(), Some("[REDACTED:card]"));
    assert_eq!(charge.attribute("email").map(ToString::to_string).as_deref(), Some("[REDACTED:email]"));
    assert_eq!(charge.attribute("plan").map(ToString::to_string).as_deref(), Some("pro"));
    assert_eq!(charge.error_message(), Some("card [REDACTED:card] of [REDACTED:email] declined"));
    assert_eq!(
        charge.error_stack(),
        Some(
            "redaction::Declined: card [REDACTED:card] of [REDACTED:email] declined\ncaused by: connect \
             postgres://[REDACTED:credentials]@db:5432/shop: refused"
        )
    );

    let refund = captured.span("redaction.refund");
    assert_eq!(refund.resource(), "refund [REDACTED:email]");
    assert_eq!(refund.error_message(), Some("refund of [REDACTED:email] failed with card [REDACTED:card]"));

    // Metric tags: redacted before Datadog's tag normalization.
    assert!(
        captured
            .metric(
                "redaction.charge.duration",
                &["outcome:error", "card:_redacted:card", "email:_redacted:email", "plan:pro"]
            )
            .is_some(),
        "{:?}",
        captured.metrics()
    );
}

/// A user type whose `Display` panics.
#[derive(Debug)]
struct Boom;

impl fmt::Display for Boom {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("Display of Boom")
    }
}

impl Error for Boom {}

struct BoomTags;

impl DdTags for BoomTags {
    fn visit_tags(&self, visitor: &mut dyn dd_instrument::TagVisitor) {
        visitor.visit_tag("before", dd_instrument::TagValue::Str("kept"));
        panic!("visit_tags of BoomTags")
    }
}

#[dd_span]
fn failing() -> Result<u8, Boom> {
    Err(Boom)
}

#[dd_span(tags(value = Boom, ..BoomTags), resource = Boom)]
#[dd_slo(name = "boom", target = 99.0, tags(value = Boom, ..BoomTags))]
fn tagged() -> u8 {
    7
}

#[test]
fn user_code_run_for_telemetry_never_changes_the_outcome() {
    let (results, captured) = capture(|| (failing(), tagged()));
    assert!(matches!(results.0, Err(Boom)), "an Err stays an Err");
    assert_eq!(results.1, 7);

    let failing = captured.span("redaction.failing");
    assert!(failing.is_error());
    assert_eq!(failing.error_message(), Some("<Display panicked>"));

    let tagged = captured.span("redaction.tagged");
    assert!(!tagged.is_error());
    assert_eq!(tagged.resource(), "<Display panicked>");
    assert_eq!(tagged.attribute("value").map(ToString::to_string).as_deref(), Some("<Display panicked>"));
    assert_eq!(tagged.attribute("before").map(ToString::to_string).as_deref(), Some("kept"));
    assert_eq!(
        captured.count("slo.requests.success", &["slo:boom", "value:_display_panicked", "before:kept"]),
        1,
        "{:?}",
        captured.metrics()
    );
}

#[derive(DdTags)]
struct Account<'a> {
    #[dd_tag(redact)]
    password: &'a str,
    #[dd_tag(redact)]
    pin: Option<u16>,
    #[dd_tag(hash, rename = "user.hash")]
    user: &'a str,
    plan: &'a str,
}

#[test]
fn redact_and_hash_fields_never_send_the_value() {
    let account = Account { password: "hunter2", pin: None, user: EMAIL, plan: "pro" };
    // No hashing key in this process: hashed values become a marker, never an unkeyed hash.
    assert_eq!(account.dd_tags(), ["password:_redacted", "user.hash:_redacted:hash", "plan:pro"]);
    let with_pin = Account { pin: Some(1234), ..account };
    assert_eq!(with_pin.dd_tags()[1], "pin:_redacted");
}

/// Not `Display`: a redacted field's type needs no formatting.
struct Secret(#[allow(dead_code, reason = "never read: only held")] Vec<u8>);

#[derive(DdTags)]
struct Vault<T> {
    #[dd_tag(redact)]
    key: T,
    region: &'static str,
}

#[test]
fn a_redacted_generic_field_needs_no_display() {
    let vault = Vault { key: Secret(vec![1, 2, 3]), region: "eu" };
    assert_eq!(vault.dd_tags(), ["key:_redacted", "region:eu"]);
}
