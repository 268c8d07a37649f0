//! `init()` and the process's global state: a failed `init()` changes nothing global. One test
//! per binary: it installs the global subscriber.

use std::collections::HashMap;

use dd_instrument::{InitError, MetricsExporter, TracesExporter, dd_span};
use opentelemetry_sdk::trace::InMemorySpanExporter;
use tracing_subscriber::prelude::*;

fn builder(vars: &[(&str, &str)]) -> dd_instrument::Builder {
    let env: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    dd_instrument::builder()
        .env_source(env)
        .service("shop")
        .traces_exporter(TracesExporter::None)
        .span_exporter(InMemorySpanExporter::default())
        .metrics_exporter(MetricsExporter::None)
}

#[dd_span]
fn outgoing() -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    dd_instrument::propagation::inject_span(&tracing::Span::current(), &mut headers);
    headers
}

#[test]
fn a_failed_init_changes_nothing_global() {
    let first = builder(&[]).build().expect("the first telemetry builds");
    tracing_subscriber::registry().with(first.layer()).init();
    let before = outgoing();
    assert!(before.contains_key("x-datadog-trace-id") && before.contains_key("traceparent"), "{before:?}");

    // A second init, configured to inject nothing, fails: the first guard's propagator stays.
    let second = builder(&[("DD_TRACE_PROPAGATION_STYLE", "none")]).logs(false).init();
    assert!(matches!(second, Err(InitError::SubscriberAlreadySet)), "{second:?}");
    let after = outgoing();
    let names = |headers: &http::HeaderMap| {
        let mut names: Vec<String> = headers.keys().map(ToString::to_string).collect();
        names.sort();
        names
    };
    assert_eq!(names(&after), names(&before));
    assert!(after.contains_key("x-datadog-trace-id") && after.contains_key("traceparent"), "{after:?}");
    drop(first);
}
