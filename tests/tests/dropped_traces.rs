//! Spans of traces the head decision dropped: internal `#[dd_span]` spans under a dropped local
//! parent are not built as OpenTelemetry spans (they could only be dropped), and nothing a
//! program sees changes: what is exported, the headers sent to the next service, the ids in logs.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dd_instrument::{MetricsExporter, TracesExporter, dd_span};
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use tracing_subscriber::prelude::*;

/// The global propagator is installed per guard: the tests of this file take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The headers `inject_span` writes for the current span.
fn injected() -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    dd_instrument::propagation::inject_span(&tracing::Span::current(), &mut headers);
    headers
}

/// What each span of a request saw.
struct Seen {
    root: http::HeaderMap,
    step: http::HeaderMap,
    client: http::HeaderMap,
}

#[dd_span(kind = "client", peer = "payments")]
fn call_payments() -> http::HeaderMap {
    injected()
}

#[tracing::instrument]
fn user_work() {
    tracing::info!("user work");
}

/// An internal span: no kind.
#[dd_span]
fn step() -> (http::HeaderMap, http::HeaderMap) {
    let step = injected();
    tracing::info!("in step");
    user_work();
    (step, call_payments())
}

#[dd_span(kind = "server", resource = "GET /orders")]
fn handle(pause: Duration) -> Seen {
    let root = injected();
    std::thread::sleep(pause);
    let (step, client) = step();
    Seen { root, step, client }
}

/// JSON log lines, as written.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    /// The trace id (low 64 bits, as Datadog headers carry it) and span id of the last line
    /// with `message`.
    fn ids(&self, message: &str) -> (String, String) {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        let line = text
            .lines()
            .rev()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
            .find(|line| line["message"] == message)
            .unwrap_or_else(|| panic!("no line {message:?} in {text}"));
        // 128-bit trace ids are logged as 32 hex digits, 64-bit ones in decimal.
        let trace = line["dd.trace_id"].as_str().unwrap();
        let low =
            if trace.len() == 32 { u64::from_str_radix(&trace[16..], 16).unwrap().to_string() } else { trace.into() };
        (low, line["dd.span_id"].as_str().unwrap().to_owned())
    }
}

/// Runs one request with `vars` and, when `logs`, a JSON log layer next to the guard's layer
/// (the `tracing` spans then exist even when the OpenTelemetry layer skips them).
fn request(vars: &[(&str, &str)], logs: Option<&Lines>, pause: Duration) -> (Seen, Vec<SpanData>) {
    let env: HashMap<String, String> =
        vars.iter().chain(&[("DD_SERVICE", "shop")]).map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let exporter = InMemorySpanExporter::default();
    let guard = dd_instrument::builder()
        .env_source(env)
        .traces_exporter(TracesExporter::None)
        .span_exporter(exporter.clone())
        .metrics_exporter(MetricsExporter::None)
        .build()
        .expect("telemetry builds");
    let seen = match logs {
        Some(lines) => {
            let lines = lines.clone();
            let json = dd_instrument::logs::json_layer(guard.service_info()).with_writer(move || lines.clone());
            let subscriber = tracing_subscriber::registry().with(guard.layer()).with(json);
            tracing::subscriber::with_default(subscriber, || handle(pause))
        }
        None => tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), || handle(pause)),
    };
    assert!(guard.flush());
    // Before the guard shuts the exporter down, which empties it.
    let spans = exporter.get_finished_spans().unwrap();
    drop(guard);
    (seen, spans)
}

fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> &'a str {
    headers.get(name).unwrap_or_else(|| panic!("no {name} in {headers:?}")).to_str().unwrap()
}

fn decimal(id: SpanId) -> String {
    u64::from_be_bytes(id.to_bytes()).to_string()
}

fn low_decimal(id: TraceId) -> String {
    u64::from_be_bytes(id.to_bytes()[8..].try_into().unwrap()).to_string()
}

fn span<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no span {name}"))
}

/// The exported tree of a kept request: every span, with its parent.
fn assert_whole_tree(spans: &[SpanData], seen: &Seen) {
    let mut names: Vec<&str> = spans.iter().map(|s| &*s.name).collect();
    names.sort_unstable();
    assert_eq!(names, ["dropped_traces.call_payments", "dropped_traces.handle", "dropped_traces.step", "user_work"]);
    let (root, step) = (span(spans, "dropped_traces.handle"), span(spans, "dropped_traces.step"));
    assert_eq!(root.parent_span_id, SpanId::INVALID);
    assert_eq!(step.parent_span_id, root.span_context.span_id());
    assert_eq!(span(spans, "user_work").parent_span_id, step.span_context.span_id());
    assert_eq!(span(spans, "dropped_traces.call_payments").parent_span_id, step.span_context.span_id());
    let trace = root.span_context.trace_id();
    assert!(spans.iter().all(|s| s.span_context.trace_id() == trace));
    // Each span sends itself as the parent of the next service's spans.
    assert_eq!(header(&seen.root, "x-datadog-parent-id"), decimal(root.span_context.span_id()));
    assert_eq!(header(&seen.step, "x-datadog-parent-id"), decimal(step.span_context.span_id()));
    let client = span(spans, "dropped_traces.call_payments").span_context.span_id();
    assert_eq!(header(&seen.client, "x-datadog-parent-id"), decimal(client));
    for headers in [&seen.root, &seen.step, &seen.client] {
        assert_eq!(header(headers, "x-datadog-trace-id"), low_decimal(trace));
    }
}

#[test]
fn a_kept_trace_exports_every_span_with_its_parent() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (seen, spans) = request(&[("DD_TRACE_SAMPLE_RATE", "1")], None, Duration::ZERO);
    assert_whole_tree(&spans, &seen);
    for headers in [&seen.root, &seen.step, &seen.client] {
        assert_eq!(header(headers, "x-datadog-sampling-priority"), "2");
    }
}

#[test]
fn a_dropped_trace_exports_nothing_and_propagates_the_drop_from_every_span() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let lines = Lines::default();
    // Without another layer the internal span is not created at all; with the JSON layer it is,
    // for the logs. The same leaves the process either way.
    for logs in [None, Some(&lines)] {
        let (seen, spans) = request(&[("DD_TRACE_SAMPLE_RATE", "0")], logs, Duration::ZERO);
        assert!(spans.is_empty(), "{spans:?}");
        let trace = header(&seen.root, "x-datadog-trace-id");
        let root = header(&seen.root, "x-datadog-parent-id");
        for headers in [&seen.root, &seen.step, &seen.client] {
            assert_eq!(header(headers, "x-datadog-trace-id"), trace);
            assert_eq!(header(headers, "x-datadog-sampling-priority"), "-1");
            assert_eq!(header(headers, "x-datadog-tags"), seen.root["x-datadog-tags"]);
        }
        // The internal span has no span of its own: the next service's parent is the root.
        assert_eq!(header(&seen.step, "x-datadog-parent-id"), root);
        // A client span is always built: it sends its own id.
        let client = header(&seen.client, "x-datadog-parent-id");
        assert!(client != root && client != "0", "{client}");
    }
}

#[test]
fn logs_in_a_dropped_trace_carry_its_ids() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let lines = Lines::default();
    let (seen, _) = request(&[("DD_TRACE_SAMPLE_RATE", "0")], Some(&lines), Duration::ZERO);
    let root =
        (header(&seen.root, "x-datadog-trace-id").to_owned(), header(&seen.root, "x-datadog-parent-id").to_owned());
    // Inside the internal span, which has no OpenTelemetry span: the root's ids.
    assert_eq!(lines.ids("in step"), root);
    // Inside the user's `#[instrument]` span under it, which is built (and dropped by the
    // sampler): the same trace, its own span id.
    let user = lines.ids("user work");
    assert_eq!(user.0, root.0);
    assert_ne!(user.1, root.1);
}

#[test]
fn keep_rules_record_internal_spans_so_a_kept_trace_is_whole() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let vars = [("DD_TRACE_SAMPLE_RATE", "0"), ("DD_INSTRUMENT_KEEP_SLOW_MS", "20")];
    let (seen, spans) = request(&vars, None, Duration::from_millis(30));
    assert_whole_tree(&spans, &seen);
}

/// The receiving side as the README shows it: spans started while the extracted context is
/// current continue the sender's trace with its decision; `set_parent` on a span already entered
/// is refused.
#[test]
fn an_attached_incoming_context_is_the_parent_of_the_next_span() {
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    #[dd_span(kind = "consumer")]
    fn consume(headers: &http::HeaderMap) -> Result<(), tracing_opentelemetry::SetParentError> {
        tracing::Span::current().set_parent(dd_instrument::propagation::extract(headers))
    }

    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let exporter = InMemorySpanExporter::default();
    let guard = dd_instrument::builder()
        .env_source(HashMap::from([("DD_SERVICE".to_owned(), "shop".to_owned())]))
        .traces_exporter(TracesExporter::None)
        .span_exporter(exporter.clone())
        .metrics_exporter(MetricsExporter::None)
        .build()
        .expect("telemetry builds");
    let mut incoming = http::HeaderMap::new();
    incoming.insert("x-datadog-trace-id", "1234".parse().unwrap());
    incoming.insert("x-datadog-parent-id", "5678".parse().unwrap());
    incoming.insert("x-datadog-sampling-priority", "1".parse().unwrap());
    let refused = tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), || {
        let _incoming = dd_instrument::propagation::extract(&incoming).attach();
        consume(&incoming)
    });
    assert!(matches!(refused, Err(tracing_opentelemetry::SetParentError::AlreadyStarted)), "{refused:?}");
    assert!(guard.flush());
    let spans = exporter.get_finished_spans().unwrap();
    drop(guard);
    let consumer = span(&spans, "dropped_traces.consume");
    assert_eq!(low_decimal(consumer.span_context.trace_id()), "1234");
    assert_eq!(consumer.parent_span_id, SpanId::from(5678_u64));
    assert!(consumer.span_context.is_sampled());
}
