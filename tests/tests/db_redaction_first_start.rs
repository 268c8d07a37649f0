//! A database span's statement is redacted with the redaction in effect when it is sent, even when
//! its function first ran before the first start installed the process's redaction (under a
//! subscriber of the application's own, which already records `INFO` spans). Its own binary: the
//! order of the calls and of the start is the point.

use std::collections::BTreeMap;

use dd_instrument::{Detector, MetricsExporter, Redaction, TracesExporter, dd_span};

/// A statement whose identifier holds a `key=value` secret: obfuscation keeps identifiers, and
/// only the redaction installed below (not the default one) scrubs such secrets.
const STATEMENT: &str = "SELECT \"password=hunter2\" FROM settings WHERE id = 7";

#[dd_span(db(system = "postgresql", name = "shop", statement = STATEMENT))]
fn read_setting() -> u32 {
    7
}

#[test]
fn a_statement_shaped_before_the_first_start_is_redacted_as_the_start_says() {
    // Before any start: the application's own subscriber records the span, and the site shapes
    // its statement under the default redaction.
    let subscriber = tracing_subscriber::registry();
    tracing::subscriber::with_default(subscriber, || {
        let ((), before) = dd_instrument::testing::capture(|| {
            read_setting();
        });
        let span = before.span("db_redaction_first_start.read_setting");
        let resource = span.attribute("resource.name").map(ToString::to_string).unwrap_or_default();
        assert!(resource.contains("hunter2"), "the default redaction keeps key=value text: {resource}");
        read_setting();
    });

    let _telemetry = dd_instrument::builder()
        .env_source(BTreeMap::new())
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::None)
        .redaction(Redaction::default().enable(Detector::KvSecrets))
        .build()
        .expect("telemetry builds");

    let ((), captured) = dd_instrument::testing::capture(|| {
        read_setting();
    });
    let span = captured.span("db_redaction_first_start.read_setting");
    for key in ["resource.name", "db.statement"] {
        let value = span.attribute(key).map(ToString::to_string).unwrap_or_default();
        assert!(value.starts_with("SELECT \"password=") && !value.contains("hunter2"), "{key}: {value}");
    }
}
