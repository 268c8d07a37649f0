//! The [`JsonLayer`]: one JSON line per event, with the ids of the span it happened in.

use std::cell::{OnceCell, RefCell};
use std::fmt;
use std::io::{self, Write as _};
use std::sync::OnceLock;
use std::time::SystemTime;

use opentelemetry::trace::{SpanContext, TraceContextExt as _};
use tracing::dispatcher::WeakDispatch;
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::json::{FieldVisitor, push_json_str, status};
use super::timestamp::push_timestamp;
use crate::ServiceInfo;

/// A `tracing` layer writing each event as one line of JSON with Datadog's log attributes and
/// the ids of the span it happened in. Made by [`json_layer`]; see the [module docs](crate::logs) for
/// the format.
pub struct JsonLayer<W> {
    make_writer: W,
    /// `,"ddsource":"rust","ddtags":"…","host":"…","dd.service":"…","dd.env":"…","dd.version":"…"`,
    /// escaped once.
    service: Box<[u8]>,
    clock: fn() -> SystemTime,
    /// The dispatcher this layer is part of, to look spans up when the thread's OpenTelemetry
    /// context does not name the event's span (see [`JsonLayer::trace_ids`]).
    dispatch: OnceLock<WeakDispatch>,
}

impl<W> fmt::Debug for JsonLayer<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonLayer").field("service", &String::from_utf8_lossy(&self.service)).finish_non_exhaustive()
    }
}

/// A [`JsonLayer`] writing to standard output, tagged with `ddsource` (`rust`), `service`'s
/// tags (`ddtags`), host name (`host`), `dd.service`, `dd.env` and `dd.version`.
///
/// Add it next to [`Guard::layer`](crate::Guard::layer) in your own subscriber, with the
/// filter you want for logs (the layer itself keeps every event it is given):
///
/// ```no_run
/// use tracing_subscriber::prelude::*;
/// use tracing_subscriber::EnvFilter;
///
/// let telemetry = dd_instrument::builder().build()?;
/// tracing_subscriber::registry()
///     .with(telemetry.layer())
///     .with(dd_instrument::logs::json_layer(telemetry.service_info()).with_filter(EnvFilter::new("info")))
///     .init();
///
/// let span = tracing::info_span!("checkout", cart = 42);
/// let _entered = span.enter();
/// // {"timestamp":"…","status":"info","message":"charged","logger.name":"…","dd.service":"…",
/// //  "dd.trace_id":"…","dd.span_id":"…","cents":1250}
/// tracing::info!(cents = 1250, "charged");
/// # Ok::<(), dd_instrument::InitError>(())
/// ```
pub fn json_layer(service: &ServiceInfo) -> JsonLayer<fn() -> io::Stdout> {
    let mut tags = Vec::new();
    let mut push = |key: &str, value: &str| {
        tags.extend_from_slice(b",\"");
        tags.extend_from_slice(key.as_bytes());
        tags.extend_from_slice(b"\":");
        push_json_str(&mut tags, value);
    };
    push("ddsource", "rust");
    if !service.tags.is_empty() {
        push("ddtags", &service.tags.join(","));
    }
    if let Some(host) = service.hostname.as_deref().filter(|h| !h.is_empty()) {
        push("host", host);
    }
    push("dd.service", &service.service);
    for (key, value) in [("dd.env", &service.env), ("dd.version", &service.version)] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            push(key, value);
        }
    }
    JsonLayer { make_writer: io::stdout, service: tags.into(), clock: SystemTime::now, dispatch: OnceLock::new() }
}

impl<W> JsonLayer<W> {
    /// Writes lines to writers made by `make_writer` instead of standard output: a file, standard
    /// error (`std::io::stderr`), a non-blocking writer, or anything implementing
    /// [`MakeWriter`]. Writers are made per event with [`MakeWriter::make_writer_for`].
    pub fn with_writer<W2>(self, make_writer: W2) -> JsonLayer<W2>
    where
        W2: for<'w> MakeWriter<'w> + 'static,
    {
        JsonLayer { make_writer, service: self.service, clock: self.clock, dispatch: self.dispatch }
    }

    #[cfg(test)]
    pub(super) fn with_clock(mut self, clock: fn() -> SystemTime) -> Self {
        self.clock = clock;
        self
    }

    /// The ids of the innermost exported span of `event`.
    ///
    /// The fast path reads the thread's current OpenTelemetry context: with context activation
    /// (tracing-opentelemetry's default, kept by `Guard::layer`), entering an exported span
    /// attaches its context, so for an event in the current span this is one thread-local borrow,
    /// with no lock, lookup or allocation, and it already skips spans that are not exported.
    ///
    /// It cannot serve events with an explicit parent, nor spans whose context is not attached
    /// (context activation off, or an exported ancestor never entered on this thread). Those walk
    /// the span's scope from the registry and ask tracing-opentelemetry for each span's context
    /// with [`get_otel_context`](tracing_opentelemetry::get_otel_context). That needs the
    /// `Dispatch` (kept weakly from [`Layer::on_register_dispatch`]: inside an event,
    /// `dispatcher::get_default` yields no dispatcher), and uses the unfiltered registry, so a
    /// per-layer filter on this layer hiding the spans does not hide their ids. Events outside
    /// any span stop before that, after one more thread-local read.
    ///
    /// `get_otel_context` locks the span's OpenTelemetry data, and may start the span. An event
    /// emitted while that same span is being started (from a sampler or span processor, on the
    /// thread that starts it) and that reaches the walk would wait on that lock; the SDK's own
    /// samplers and processors log nothing there.
    fn trace_ids<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>) -> Option<TraceIds>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        if event.is_root() {
            return None;
        }
        if event.is_contextual()
            && let Some(ids) = opentelemetry::Context::map_current(|cx| TraceIds::local(cx.span().span_context()))
        {
            return Some(ids);
        }
        let leaf = match event.parent() {
            Some(parent) => parent.clone(),
            None => ctx.current_span().id()?.clone(),
        };
        let dispatch = self.dispatch.get()?.upgrade()?;
        let subscriber = dispatch.downcast_ref::<S>()?;
        subscriber.span(&leaf)?.scope().find_map(|span| {
            let cx = tracing_opentelemetry::get_otel_context(&span.id(), &dispatch)?;
            TraceIds::local(cx.span().span_context())
        })
    }

    fn format<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>, buffers: &mut Buffers)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let Buffers { line, message, fields, scratch } = buffers;
        line.clear();
        message.clear();
        fields.clear();
        event.record(&mut FieldVisitor { message, fields, scratch, has_error: false });

        let meta = event.metadata();
        line.extend_from_slice(b"{\"timestamp\":\"");
        push_timestamp(line, (self.clock)());
        line.extend_from_slice(b"\",\"status\":\"");
        line.extend_from_slice(status(*meta.level()).as_bytes());
        line.extend_from_slice(b"\",\"message\":\"");
        line.extend_from_slice(message);
        line.extend_from_slice(b"\",\"logger.name\":");
        push_json_str(line, meta.target());
        let _ = THREAD_NAME.try_with(|name| {
            let name = name.get_or_init(|| std::thread::current().name().map(Box::from));
            if let Some(name) = name {
                line.extend_from_slice(b",\"logger.thread_name\":");
                push_json_str(line, name);
            }
        });
        line.extend_from_slice(&self.service);
        if let Some(ids) = self.trace_ids(event, ctx) {
            ids.push_json(line);
        }
        line.extend_from_slice(fields);
        line.extend_from_slice(b"}\n");
    }
}

impl<S, W> Layer<S> for JsonLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_register_dispatch(&self, dispatch: &Dispatch) {
        let _ = self.dispatch.set(dispatch.downgrade());
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let write = |buffers: &mut Buffers| {
            self.format(event, &ctx, buffers);
            let mut writer = self.make_writer.make_writer_for(event.metadata());
            // Losing a log line beats failing the caller; `write_all` stops at the first error,
            // including a writer that accepts nothing.
            let _ = writer.write_all(&buffers.line);
            buffers.shrink();
        };
        // Reused buffers, unless this thread is already formatting (a writer that logs) or is
        // tearing its thread-locals down.
        let reused =
            BUFFERS.try_with(|buffers| buffers.try_borrow_mut().map(|mut buffers| write(&mut buffers)).is_ok());
        if !matches!(reused, Ok(true)) {
            write(&mut Buffers::new());
        }
    }
}

thread_local! {
    pub(super) static BUFFERS: RefCell<Buffers> = const { RefCell::new(Buffers::new()) };
    /// Names never change once a thread runs: read once per thread.
    static THREAD_NAME: OnceCell<Option<Box<str>>> = const { OnceCell::new() };
}

pub(super) struct Buffers {
    line: Vec<u8>,
    /// The escaped message, without quotes.
    message: Vec<u8>,
    /// `,"key":value` for each other field.
    fields: Vec<u8>,
    /// One value, formatted, before redaction.
    scratch: String,
}

impl Buffers {
    const fn new() -> Self {
        Self { line: Vec::new(), message: Vec::new(), fields: Vec::new(), scratch: String::new() }
    }

    /// Keeps one huge event from holding memory for the life of the thread.
    fn shrink(&mut self) {
        const KEEP: usize = 16 * 1024;
        for buffer in [&mut self.line, &mut self.message, &mut self.fields] {
            if buffer.capacity() > KEEP {
                buffer.clear();
                buffer.shrink_to(KEEP);
            }
        }
        if self.scratch.capacity() > KEEP {
            self.scratch.clear();
            self.scratch.shrink_to(KEEP);
        }
    }
}

/// A span's ids, as Datadog wants them in logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TraceIds {
    trace: u128,
    span: u64,
}

impl TraceIds {
    /// The ids of a span of this process: none for an invalid (no span, no-op tracer) or remote
    /// context.
    fn local(context: &SpanContext) -> Option<Self> {
        (context.is_valid() && !context.is_remote()).then(|| Self {
            trace: u128::from_be_bytes(context.trace_id().to_bytes()),
            span: u64::from_be_bytes(context.span_id().to_bytes()),
        })
    }

    fn push_json(self, out: &mut Vec<u8>) {
        let _ = match u64::try_from(self.trace) {
            Ok(low) => write!(out, ",\"dd.trace_id\":\"{low}\""),
            Err(_) => write!(out, ",\"dd.trace_id\":\"{:032x}\"", self.trace),
        };
        let _ = write!(out, ",\"dd.span_id\":\"{}\"", self.span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_use_datadog_formats() {
        let json = |trace: u128, span: u64| {
            let mut out = Vec::new();
            TraceIds { trace, span }.push_json(&mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(json(42, 7), r#","dd.trace_id":"42","dd.span_id":"7""#);
        assert_eq!(
            json(u128::from(u64::MAX), u64::MAX),
            r#","dd.trace_id":"18446744073709551615","dd.span_id":"18446744073709551615""#
        );
        assert_eq!(json(1 << 64, 1), r#","dd.trace_id":"00000000000000010000000000000000","dd.span_id":"1""#);
        assert_eq!(
            json(0x69a5_c3f8_e21b_4d0c_9f3e_2a1b_0c4d_5e6f, 1),
            r#","dd.trace_id":"69a5c3f8e21b4d0c9f3e2a1b0c4d5e6f","dd.span_id":"1""#
        );
    }
}
