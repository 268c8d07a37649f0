//! A span exporter that prints each finished local trace as an indented tree.
//!
//! Spans wait until their local root (a span without a parent in this process) finishes, then the
//! whole tree prints at once with duration, kind, resource, type, peer, the span's own tags
//! (`key=value`) and error of each span. Meant for
//! development and for the examples on a machine without a Datadog Agent.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use opentelemetry::Value;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

/// Spans kept while waiting for their root; beyond this the oldest trace prints unfinished.
const MAX_PENDING_SPANS: usize = 10_000;

/// Prints finished traces as trees.
pub(crate) struct ConsoleSpanExporter {
    state: Mutex<State>,
}

struct State {
    out: Box<dyn Write + Send>,
    pending: HashMap<TraceId, Vec<SpanData>>,
    order: Vec<TraceId>,
    pending_spans: usize,
}

impl std::fmt::Debug for ConsoleSpanExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsoleSpanExporter")
    }
}

impl ConsoleSpanExporter {
    pub(crate) fn stderr() -> Self {
        Self::new(Box::new(std::io::stderr()))
    }

    pub(crate) fn new(out: Box<dyn Write + Send>) -> Self {
        Self { state: Mutex::new(State { out, pending: HashMap::new(), order: Vec::new(), pending_spans: 0 }) }
    }
}

impl SpanExporter for ConsoleSpanExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for span in batch {
            let trace_id = span.span_context.trace_id();
            let is_root = span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;
            if !state.pending.contains_key(&trace_id) {
                state.order.push(trace_id);
            }
            state.pending.entry(trace_id).or_default().push(span);
            state.pending_spans += 1;
            if is_root {
                state.print(trace_id);
            }
        }
        while state.pending_spans > MAX_PENDING_SPANS && !state.order.is_empty() {
            let oldest = state.order[0];
            state.print(oldest);
        }
        std::future::ready(Ok(()))
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while let Some(&trace_id) = state.order.first() {
            state.print(trace_id);
        }
        Ok(())
    }
}

impl State {
    fn print(&mut self, trace_id: TraceId) {
        self.order.retain(|id| *id != trace_id);
        let Some(spans) = self.pending.remove(&trace_id) else { return };
        self.pending_spans -= spans.len();
        let text = render_trace(trace_id, &spans);
        // Console output is best effort: a closed stderr must not fail the application.
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}

/// Renders spans of one trace as a tree; spans whose parent is missing are printed as roots.
pub(crate) fn render_trace(trace_id: TraceId, spans: &[SpanData]) -> String {
    let ids: Vec<SpanId> = spans.iter().map(|s| s.span_context.span_id()).collect();
    let mut children: HashMap<SpanId, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (index, span) in spans.iter().enumerate() {
        if span.parent_span_id != SpanId::INVALID && ids.contains(&span.parent_span_id) {
            children.entry(span.parent_span_id).or_default().push(index);
        } else {
            roots.push(index);
        }
    }
    let by_start = |list: &mut Vec<usize>| list.sort_by_key(|&i| spans[i].start_time);
    by_start(&mut roots);
    children.values_mut().for_each(by_start);

    let mut out = format!("trace {trace_id}\n");
    let mut stack: Vec<(usize, String, bool)> =
        roots.iter().rev().enumerate().map(|(n, &i)| (i, String::new(), n == 0)).collect();
    while let Some((index, prefix, last)) = stack.pop() {
        let span = &spans[index];
        let _ = writeln!(out, "{prefix}{} {}", if last { "└─" } else { "├─" }, describe(span));
        let child_prefix = format!("{prefix}{}", if last { "   " } else { "│  " });
        if let Some(kids) = children.get(&span.span_context.span_id()) {
            for (n, &kid) in kids.iter().enumerate().rev() {
                stack.push((kid, child_prefix.clone(), n == kids.len() - 1));
            }
        }
    }
    out
}

fn describe(span: &SpanData) -> String {
    let attr = |key: &str| span.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value);
    let name = attr("operation.name").map_or_else(|| span.name.to_string(), Value::to_string);
    let duration = span.end_time.duration_since(span.start_time).unwrap_or_default();
    let kind = match span.span_kind {
        SpanKind::Server => "server",
        SpanKind::Client => "client",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
        SpanKind::Internal => "internal",
    };
    let mut text = format!("{name} [{kind}] {:.3} ms", duration.as_secs_f64() * 1e3);
    if let Some(resource) = attr("resource.name") {
        let _ = write!(text, "  resource={resource}");
    }
    if let Some(span_type) = attr("span.type") {
        let _ = write!(text, "  type={span_type}");
    }
    if let Some(peer) = attr("peer.service") {
        let _ = write!(text, "  peer={peer}");
    }
    for attribute in span.attributes.iter().filter(|kv| is_own_tag(kv.key.as_str())) {
        let _ = write!(text, "  {}={}", attribute.key, attribute.value);
    }
    if let Status::Error { description } = &span.status {
        let kind = attr("error.type").map_or_else(|| "error".to_owned(), Value::to_string);
        let _ = write!(text, "  ERROR {kind}: {description}");
    }
    text
}

/// Whether an attribute is one of the span's own tags (the macro's `tags(..)`, HTTP attributes,
/// anything the code set), as opposed to what every span has or the line already shows: the
/// names, the error, the code location, the thread, timings.
fn is_own_tag(key: &str) -> bool {
    const SHOWN: [&str; 7] =
        ["operation.name", "resource.name", "span.type", "peer.service", "error.type", "error.message", "error.stack"];
    const EVERY_SPAN: [&str; 6] = ["code.", "thread.", "otel.", "busy_ns", "idle_ns", "_dd."];
    !SHOWN.contains(&key) && !EVERY_SPAN.iter().any(|prefix| key.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::time::{Duration, SystemTime};

    use opentelemetry::trace::{SpanContext, TraceFlags, TraceState};
    use opentelemetry::{InstrumentationScope, KeyValue};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};

    use super::*;

    fn span(id: u64, parent: u64, name: &'static str, attributes: Vec<KeyValue>, status: Status) -> SpanData {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_millis(id);
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(7_u128),
                SpanId::from(id),
                TraceFlags::SAMPLED,
                false,
                TraceState::NONE,
            ),
            parent_span_id: SpanId::from(parent),
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: Cow::Borrowed(name),
            start_time: start,
            end_time: start + Duration::from_micros(1500),
            attributes,
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status,
            instrumentation_scope: InstrumentationScope::default(),
        }
    }

    #[test]
    fn the_tree_shows_each_spans_own_tags_and_no_escape_codes() {
        let root = span(
            1,
            0,
            "checkout",
            vec![
                KeyValue::new("operation.name", "shop.checkout"),
                KeyValue::new("resource.name", "POST /cart"),
                KeyValue::new("code.file.path", "src/main.rs"),
                KeyValue::new("code.line.number", 12),
                KeyValue::new("thread.id", 1),
                KeyValue::new("tenant", "acme"),
                KeyValue::new("items", 3),
            ],
            Status::Unset,
        );
        let child = span(
            2,
            1,
            "charge",
            vec![
                KeyValue::new("operation.name", "shop.charge"),
                KeyValue::new("span.type", "http"),
                KeyValue::new("peer.service", "payments"),
                KeyValue::new("error.type", "Declined"),
                KeyValue::new("error.message", "card declined"),
                KeyValue::new("otel.status_description", "card declined"),
                KeyValue::new("card.brand", "visa"),
            ],
            Status::error("card declined"),
        );
        let text = render_trace(TraceId::from(7_u128), &[child, root]);
        assert_eq!(
            text,
            "trace 00000000000000000000000000000007\n\
             └─ shop.checkout [internal] 1.500 ms  resource=POST /cart  tenant=acme  items=3\n   \
             └─ shop.charge [internal] 1.500 ms  type=http  peer=payments  card.brand=visa  \
             ERROR Declined: card declined\n"
        );
        assert!(!text.contains('\u{1b}'));
    }
}
