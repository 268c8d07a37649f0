//! Spans exported through dd-instrument's layer into an in-memory exporter.
//!
//! Each capture installs its own subscriber for the current thread only, so tests run in
//! parallel without seeing each other's spans.

use std::collections::BTreeMap;
use std::future::Future;

use dd_instrument::{MetricsExporter, TracesExporter};
use opentelemetry::Value;
use opentelemetry::trace::{SpanId, SpanKind, Status};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor, SpanData};
use tracing_subscriber::prelude::*;

/// Runs `f` with spans captured; returns its result and the finished spans, in end order.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<SpanData>) {
    capture_with(|builder| builder, f)
}

/// Like [`capture`], with more configuration (a sample rate, sampling rules...).
pub fn capture_with<R>(
    configure: impl FnOnce(dd_instrument::Builder) -> dd_instrument::Builder,
    f: impl FnOnce() -> R,
) -> (R, Vec<SpanData>) {
    let exporter = InMemorySpanExporter::default();
    let builder = dd_instrument::builder()
        .env_source(Vec::new())
        .service("shop")
        .env("test")
        .version("1.2.3")
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::None)
        .span_processor(SimpleSpanProcessor::new(exporter.clone()));
    let guard = configure(builder).build().expect("telemetry builds");
    let subscriber = tracing_subscriber::registry().with(guard.layer());
    let result = tracing::subscriber::with_default(subscriber, f);
    let spans = exporter.get_finished_spans().expect("in-memory exporter");
    (result, spans)
}

/// Like [`capture`], for a future run to completion on a current-thread Tokio runtime.
pub fn capture_async<F: Future>(future: F) -> (F::Output, Vec<SpanData>) {
    capture(|| tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(future))
}

/// Attributes of a span as text (`Value::to_string`), by key.
pub fn attributes(span: &SpanData) -> BTreeMap<String, String> {
    span.attributes.iter().map(|kv| (kv.key.to_string(), kv.value.to_string())).collect()
}

/// The attribute `key` of `span`.
pub fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
}

/// The only span named `name`.
pub fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    let matching: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
    assert_eq!(
        matching.len(),
        1,
        "expected one span named {name}, got {:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    matching[0]
}

/// Asserts `child`'s parent is `parent`, in the same trace.
pub fn assert_parent(child: &SpanData, parent: &SpanData) {
    assert_eq!(child.span_context.trace_id(), parent.span_context.trace_id(), "same trace");
    assert_eq!(child.parent_span_id, parent.span_context.span_id(), "{} is a child of {}", child.name, parent.name);
}

/// Asserts `span` has no parent.
pub fn assert_root(span: &SpanData) {
    assert_eq!(span.parent_span_id, SpanId::INVALID, "{} is a root", span.name);
}

/// Kind of the span as Datadog names it.
pub fn kind(span: &SpanData) -> &'static str {
    match span.span_kind {
        SpanKind::Server => "server",
        SpanKind::Client => "client",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
        SpanKind::Internal => "internal",
    }
}

/// The status description when the status is Error.
pub fn error_status(span: &SpanData) -> Option<&str> {
    match &span.status {
        Status::Error { description } => Some(description),
        _ => None,
    }
}

/// Builds the expected attribute map from pairs, for exact comparisons.
pub fn expected<const N: usize>(pairs: [(&str, &str); N]) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}
