//! Spans captured with `dd_instrument::testing`, as OpenTelemetry's `SpanData`, and helpers to
//! compare them exactly.
//!
//! Each capture installs its own subscriber for the current thread only, so tests run in
//! parallel without seeing each other's spans.

use std::collections::BTreeMap;
use std::future::Future;

use opentelemetry::Value;
use opentelemetry::trace::{SpanId, SpanKind, Status};
use opentelemetry_sdk::trace::SpanData;

/// Runs `f` with spans captured; returns its result and the finished spans, in end order.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<SpanData>) {
    capture_with(|builder| builder, f)
}

/// Like [`capture`], with more configuration (a sample rate, sampling rules...).
pub fn capture_with<R>(
    configure: impl FnOnce(dd_instrument::Builder) -> dd_instrument::Builder,
    f: impl FnOnce() -> R,
) -> (R, Vec<SpanData>) {
    let builder = dd_instrument::builder().env_source(BTreeMap::new()).service("shop").env("test").version("1.2.3");
    let (value, captured) = dd_instrument::testing::capture_with(configure(builder), f);
    (value, captured.spans().iter().map(|span| span.data().clone()).collect())
}

/// Like [`capture`], for a future run to completion on a current-thread Tokio runtime, which
/// runs inside the capture: tasks it spawns are captured too.
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
