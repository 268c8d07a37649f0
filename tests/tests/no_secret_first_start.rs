//! The process has one redaction, set by the first builder that starts: a later builder with
//! redaction turned off changes nothing. A hashed tag without a key is sent as
//! `[REDACTED:hash]`, with one `WARN` under the target `dd_instrument`. One test: the order of
//! starts is the point (its own binary, so no other test starts first).

use std::collections::BTreeMap;

use dd_instrument::{Detector, MetricsExporter, Redaction, TracesExporter, dd_span};
use dd_instrument_tests::writer::SharedWriter;
use tracing_subscriber::layer::SubscriberExt as _;

#[dd_span(tags(card = card, user = hash(user), note = note))]
fn pay(card: &str, user: &str, note: &str) {
    let _ = (card, user, note);
}

fn start(redaction: Redaction) -> dd_instrument::Guard {
    dd_instrument::builder()
        .env_source(BTreeMap::new())
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::None)
        .redaction(redaction)
        .build()
        .expect("telemetry builds")
}

#[test]
fn the_first_start_sets_the_redaction_and_a_missing_hash_key_warns_once() {
    // Not the default: `key=value` secrets too, which only an installed redaction scrubs.
    drop(start(Redaction::default().enable(Detector::KvSecrets)));
    let _later = start(Redaction::none());

    let output = SharedWriter::default();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_ansi(false).without_time().with_writer(output.clone()));
    tracing::subscriber::with_default(subscriber, || {
        pay("4111 1111 1111 1111", "alice@example.com", "");
        pay("4111 1111 1111 1111", "bob@example.com", "");
    });
    let output = output.text();
    let warnings: Vec<&str> = output.lines().filter(|line| line.contains("no key is set")).collect();
    assert_eq!(warnings.len(), 1, "{output}");
    assert!(warnings[0].contains("WARN dd_instrument: dd-instrument: a tag is hashed but no key is set"), "{output}");

    let ((), captured) =
        dd_instrument::testing::capture(|| pay("4111 1111 1111 1111", "alice@example.com", "password=hunter2"));
    let span = captured.span("no_secret_first_start.pay");
    assert_eq!(span.attribute("card").map(ToString::to_string).as_deref(), Some("[REDACTED:card]"));
    assert_eq!(span.attribute("user").map(ToString::to_string).as_deref(), Some("[REDACTED:hash]"));
    let note = span.attribute("note").map(ToString::to_string).unwrap_or_default();
    assert!(note.starts_with("password=") && !note.contains("hunter2"), "the first start's detectors: {note}");
}
