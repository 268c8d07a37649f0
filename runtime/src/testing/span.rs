//! [`CapturedSpan`]: a finished span, read the way Datadog reads it.

use opentelemetry::Value;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use opentelemetry_sdk::trace::SpanData;

/// A finished span, with accessors for what Datadog shows: operation name, resource, kind,
/// type, peer service, error. Everything else is in [`data`](Self::data).
#[derive(Debug, Clone)]
pub struct CapturedSpan {
    data: SpanData,
}

impl CapturedSpan {
    pub(super) fn new(data: SpanData) -> Self {
        Self { data }
    }

    /// The operation name: the `operation.name` attribute, else the span's name.
    pub fn operation(&self) -> &str {
        self.text("operation.name").unwrap_or(&self.data.name)
    }

    /// The resource: the `resource.name` attribute, else the span's name (as the Datadog Agent
    /// names the resource of a span without one).
    pub fn resource(&self) -> &str {
        self.text("resource.name").unwrap_or(&self.data.name)
    }

    /// The span kind as Datadog names it: `server`, `client`, `producer`, `consumer` or
    /// `internal`.
    pub fn kind(&self) -> &'static str {
        match self.data.span_kind {
            SpanKind::Server => "server",
            SpanKind::Client => "client",
            SpanKind::Producer => "producer",
            SpanKind::Consumer => "consumer",
            SpanKind::Internal => "internal",
        }
    }

    /// The span type (`span.type`: `web`, `http`, `sql`, ...), if set.
    pub fn span_type(&self) -> Option<&str> {
        self.text("span.type")
    }

    /// The service called (`peer.service`), if set.
    pub fn peer_service(&self) -> Option<&str> {
        self.text("peer.service")
    }

    /// Whether the span is an error (its status is Error).
    pub fn is_error(&self) -> bool {
        matches!(self.data.status, Status::Error { .. })
    }

    /// `error.type`: the error's type name, its variant with `DdError`, or `panic`.
    pub fn error_type(&self) -> Option<&str> {
        self.text("error.type")
    }

    /// `error.message`, else the description of an Error status.
    pub fn error_message(&self) -> Option<&str> {
        self.text("error.message").or(match &self.data.status {
            Status::Error { description } => Some(description),
            _ => None,
        })
    }

    /// `error.stack`: the error and its `source()` chain, one per line.
    pub fn error_stack(&self) -> Option<&str> {
        self.text("error.stack")
    }

    /// The attribute `key`, with its type.
    pub fn attribute(&self, key: &str) -> Option<&Value> {
        self.data.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
    }

    /// The span's trace.
    pub fn trace_id(&self) -> TraceId {
        self.data.span_context.trace_id()
    }

    /// The span's id.
    pub fn span_id(&self) -> SpanId {
        self.data.span_context.span_id()
    }

    /// The parent's id; `None` for the root of a trace. The parent may be in another process:
    /// see [`has_remote_parent`](Self::has_remote_parent).
    pub fn parent_span_id(&self) -> Option<SpanId> {
        (self.data.parent_span_id != SpanId::INVALID).then_some(self.data.parent_span_id)
    }

    /// Whether the parent came from another process (extracted from request headers).
    pub fn has_remote_parent(&self) -> bool {
        self.data.parent_span_is_remote
    }

    /// Everything OpenTelemetry knows about the span.
    pub fn data(&self) -> &SpanData {
        &self.data
    }

    /// The span as OpenTelemetry's [`SpanData`].
    pub fn into_data(self) -> SpanData {
        self.data
    }

    /// A string attribute.
    fn text(&self, key: &str) -> Option<&str> {
        match self.attribute(key)? {
            Value::String(text) => Some(text.as_str()),
            _ => None,
        }
    }
}
