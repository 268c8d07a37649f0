//! Logs correlated with traces: a JSON layer with Datadog's reserved attributes.
//!
//! [`json_layer`] turns every `tracing` event into one line of JSON that the Datadog Agent parses
//! without a pipeline, and that Datadog links to the trace the event happened in:
//!
//! ```text
//! {"timestamp":"2026-11-25T17:42:44.123Z","status":"info","message":"charged","logger.name":"shop::pay","logger.thread_name":"main","dd.service":"checkout","dd.env":"prod","dd.version":"1.4.2","dd.trace_id":"69a5c3f8e21b4d0c9f3e2a1b0c4d5e6f","dd.span_id":"1234567890123456789","cents":1250}
//! ```
//!
//! | key | value |
//! |---|---|
//! | `timestamp` | RFC 3339, UTC, milliseconds |
//! | `status` | the level: `error`, `warn`, `info`, `debug` or `trace` |
//! | `message` | the event's message (`""` when it has none) |
//! | `logger.name` | the event's target (the module path unless set with `target:`) |
//! | `logger.thread_name` | the name of the emitting thread, when it has one |
//! | `dd.service`, `dd.env`, `dd.version` | the unified service tags (env and version only when set) |
//! | `dd.trace_id`, `dd.span_id` | the exported span the event happened in, if any (see below) |
//! | `error.message` | the `Display` of the first field recorded as a `&dyn Error` |
//! | anything else | the event's other fields, at the top level |
//!
//! # Field values
//!
//! Integers and floats become JSON numbers, booleans JSON booleans, and everything else
//! (strings, `%display` and `?debug` values) JSON strings. 128-bit integers outside the 64-bit
//! range become strings (Datadog would lose their precision), and non-finite floats become
//! `null`. A field whose name is one of the keys this layer writes ([`RESERVED_KEYS`]) is renamed
//! `fields.<name>` (`status = "paid"` becomes `"fields.status":"paid"`), so it can never hide
//! the level, the message or the trace ids. Fields of the enclosing spans are not repeated on
//! each line: the trace ids lead to them.
//!
//! # Trace ids
//!
//! The ids are those of the innermost span of the event that `tracing-opentelemetry` turned into
//! an OpenTelemetry span, in Datadog's formats: `dd.span_id` is the decimal span id;
//! `dd.trace_id` is the decimal of the trace id when it fits in 64 bits, otherwise its 32
//! lowercase hex digits (OpenTelemetry trace ids are 128-bit, so usually the latter). Both are
//! JSON strings, since Datadog would round 64-bit numbers. Events outside any exported span get
//! no ids; so do spans of a remote parent that is merely attached to the thread. Unsampled spans
//! still have ids, as with Datadog's own tracers: the trace id keeps grouping the logs of one
//! request.
//!
//! # Writing
//!
//! Each line is written with one `write_all` on a writer made for the event, so lines from
//! different threads do not interleave on standard output. A failed write is dropped. Writes are
//! synchronous, like `tracing_subscriber::fmt`: to move them off the calling thread, pass a
//! non-blocking writer (such as `tracing_appender::non_blocking`) to [`JsonLayer::with_writer`].

use std::cell::{OnceCell, RefCell};
use std::fmt::{self, Write as _};
use std::io::{self, Write as _};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{SpanContext, TraceContextExt as _};
use tracing::dispatcher::WeakDispatch;
use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::ServiceInfo;

/// The keys [`JsonLayer`] writes itself. An event field with one of these names is written as
/// `fields.<name>` instead.
pub const RESERVED_KEYS: &[&str] = &[
    "timestamp",
    "status",
    "message",
    "logger.name",
    "logger.thread_name",
    "dd.service",
    "dd.env",
    "dd.version",
    "dd.trace_id",
    "dd.span_id",
    "error.message",
];

/// A `tracing` layer writing each event as one line of JSON with Datadog's log attributes and
/// the ids of the span it happened in. Made by [`json_layer`]; see the [module docs](self) for
/// the format.
pub struct JsonLayer<W> {
    make_writer: W,
    /// `,"dd.service":"…","dd.env":"…","dd.version":"…"`, escaped once.
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

/// A [`JsonLayer`] writing to standard output, tagged with `service`'s `dd.service`, `dd.env`
/// and `dd.version`.
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
    fn with_clock(mut self, clock: fn() -> SystemTime) -> Self {
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
        let Buffers { line, message, fields } = buffers;
        line.clear();
        message.clear();
        fields.clear();
        event.record(&mut FieldVisitor { message, fields, has_error: false });

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
    static BUFFERS: RefCell<Buffers> = const { RefCell::new(Buffers::new()) };
    /// Names never change once a thread runs: read once per thread.
    static THREAD_NAME: OnceCell<Option<Box<str>>> = const { OnceCell::new() };
}

struct Buffers {
    line: Vec<u8>,
    /// The escaped message, without quotes.
    message: Vec<u8>,
    /// `,"key":value` for each other field.
    fields: Vec<u8>,
}

impl Buffers {
    const fn new() -> Self {
        Self { line: Vec::new(), message: Vec::new(), fields: Vec::new() }
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
    }
}

/// Datadog's status for a level.
fn status(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
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

/// Writes the event's fields: the message (escaped, unquoted) into `message`, every other field
/// as `,"key":value` into `fields`.
struct FieldVisitor<'a> {
    message: &'a mut Vec<u8>,
    fields: &'a mut Vec<u8>,
    has_error: bool,
}

impl FieldVisitor<'_> {
    fn key(&mut self, name: &str) {
        self.fields.extend_from_slice(b",\"");
        if RESERVED_KEYS.contains(&name) {
            self.fields.extend_from_slice(b"fields.");
        }
        push_escaped(self.fields, name);
        self.fields.extend_from_slice(b"\":");
    }

    /// A value written as a JSON string (or into the message).
    fn text(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        if field.name() == "message" {
            let _ = JsonEscape(self.message).write_fmt(value);
        } else {
            self.key(field.name());
            self.fields.push(b'"');
            let _ = JsonEscape(self.fields).write_fmt(value);
            self.fields.push(b'"');
        }
    }

    /// A value written as a JSON number or boolean (or into the message).
    fn plain(&mut self, field: &Field, value: impl fmt::Display) {
        if field.name() == "message" {
            let _ = write!(JsonEscape(self.message), "{value}");
        } else {
            self.key(field.name());
            let _ = write!(self.fields, "{value}");
        }
    }
}

impl Visit for FieldVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "message" {
            self.text(field, format_args!("{value}"));
        } else if value.is_finite() {
            // serde_json (ryu) writes the shortest form that reads back, as valid JSON.
            self.key(field.name());
            let _ = serde_json::to_writer(&mut *self.fields, &value);
        } else {
            self.key(field.name());
            self.fields.extend_from_slice(b"null");
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.plain(field, value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.plain(field, value);
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        if i64::try_from(value).is_ok() {
            self.plain(field, value);
        } else {
            self.text(field, format_args!("{value}"));
        }
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        if u64::try_from(value).is_ok() {
            self.plain(field, value);
        } else {
            self.text(field, format_args!("{value}"));
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.plain(field, value);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.text(field, format_args!("{value}"));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if self.has_error || field.name() == "message" {
            self.text(field, format_args!("{value}"));
        } else {
            // `error.kind` would need the concrete type's name, which `dyn Error` does not give.
            self.has_error = true;
            self.fields.extend_from_slice(b",\"error.message\":\"");
            let _ = write!(JsonEscape(self.fields), "{value}");
            self.fields.push(b'"');
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.text(field, format_args!("{value:?}"));
    }
}

/// `value` as a JSON string, quotes included.
fn push_json_str(out: &mut Vec<u8>, value: &str) {
    out.push(b'"');
    push_escaped(out, value);
    out.push(b'"');
}

/// `value` escaped for the inside of a JSON string, exactly as serde_json does: `"`, `\` and
/// control characters; everything else, non-ASCII included, is copied as UTF-8.
fn push_escaped(out: &mut Vec<u8>, value: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = value.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let short: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..0x20 => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if short.is_empty() {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
        } else {
            out.extend_from_slice(short);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Formats straight into a buffer, escaped for a JSON string, with no intermediate `String`.
struct JsonEscape<'a>(&'a mut Vec<u8>);

impl fmt::Write for JsonEscape<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        push_escaped(self.0, s);
        Ok(())
    }
}

/// `time` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds truncated).
fn push_timestamp(out: &mut Vec<u8>, time: SystemTime) {
    // Whole seconds and milliseconds since the epoch, rounded down (also before 1970).
    let (secs, millis) = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => (i64::try_from(after.as_secs()).unwrap_or(i64::MAX), after.subsec_millis()),
        Err(before) => {
            let before = before.duration();
            let secs = i64::try_from(before.as_secs()).unwrap_or(i64::MAX).saturating_neg();
            match before.subsec_nanos() {
                0 => (secs, 0),
                nanos => (secs - 1, (1_000_000_000 - nanos) / 1_000_000),
            }
        }
    };
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let second_of_day = secs.rem_euclid(86_400);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
}

/// The proleptic Gregorian date of a day counted from 1970-01-01, as (year, month, day).
///
/// Howard Hinnant's `civil_from_days`: shift the year to start on March 1st, so the leap day
/// ends it, then split into 400-year eras of 146 097 days, years of the era, and days of the year.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468; // 0000-03-01 is day 0.
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097); // [0, 146096]
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let month_from_march = (5 * day_of_year + 2) / 153; // [0, 11]
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1; // [1, 31]
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 }; // [1, 12]
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Both fit: day is in [1, 31] and month in [1, 12].
    (year, u32::try_from(month).unwrap_or(0), u32::try_from(day).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex, PoisonError};
    use std::time::Duration;

    use opentelemetry::trace::{SpanId, TraceFlags, TraceId, TraceState, TracerProvider as _};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
    use serde_json::{Value, json};
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    use tracing_subscriber::prelude::*;

    use super::*;

    // ---- Formatting helpers ----

    fn timestamp(time: SystemTime) -> String {
        let mut out = Vec::new();
        push_timestamp(&mut out, time);
        String::from_utf8(out).unwrap()
    }

    fn at(secs: i64, millis: u64) -> SystemTime {
        let base = if secs >= 0 {
            UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
        };
        base + Duration::from_millis(millis)
    }

    #[test]
    fn timestamps_of_known_dates() {
        let cases = [
            (0, 0, "1970-01-01T00:00:00.000Z"),
            (1_795_628_564, 123, "2026-11-25T17:42:44.123Z"),
            (951_868_799, 999, "2000-02-29T23:59:59.999Z"), // leap day of a year divisible by 400
            (951_868_800, 0, "2000-03-01T00:00:00.000Z"),
            (1_709_208_000, 7, "2024-02-29T12:00:00.007Z"),
            (1_677_628_799, 0, "2023-02-28T23:59:59.000Z"), // no leap day: next is March 1st
            (1_677_628_800, 0, "2023-03-01T00:00:00.000Z"),
            (4_107_542_399, 0, "2100-02-28T23:59:59.000Z"), // centuries are not leap years
            (4_107_542_400, 0, "2100-03-01T00:00:00.000Z"),
            (1_682_899_199, 0, "2023-04-30T23:59:59.000Z"), // 30-day month
            (1_682_899_200, 0, "2023-05-01T00:00:00.000Z"),
            (1_735_689_599, 500, "2024-12-31T23:59:59.500Z"), // day 366 of a leap year
            (1_735_689_600, 0, "2025-01-01T00:00:00.000Z"),
            (253_402_300_799, 999, "9999-12-31T23:59:59.999Z"),
            (-1, 0, "1969-12-31T23:59:59.000Z"),
            (-1, 999, "1969-12-31T23:59:59.999Z"),
            (-2_203_891_200, 0, "1900-03-01T00:00:00.000Z"),
            (-11_670_998_400, 0, "1600-02-29T00:00:00.000Z"),
        ];
        for (secs, millis, expected) in cases {
            assert_eq!(timestamp(at(secs, millis)), expected, "{secs}s + {millis}ms");
        }
        // Sub-millisecond parts are truncated, also before the epoch (rounded down in time).
        assert_eq!(timestamp(UNIX_EPOCH + Duration::from_nanos(1_999_999)), "1970-01-01T00:00:00.001Z");
        assert_eq!(timestamp(UNIX_EPOCH - Duration::from_nanos(1)), "1969-12-31T23:59:59.999Z");
        assert_eq!(timestamp(UNIX_EPOCH - Duration::from_nanos(1_000_001)), "1969-12-31T23:59:59.998Z");
    }

    #[test]
    fn civil_dates_match_a_day_by_day_calendar() {
        fn days_in_month(year: i64, month: u32) -> u32 {
            match month {
                2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            }
        }
        // Walk forward from 1600-01-01 (day -135140) across more than 800 years, one day at a time.
        let mut date = (1600, 1, 1);
        for days in -135_140..=170_000 {
            assert_eq!(civil_from_days(days), date, "day {days}");
            let (year, month, day) = date;
            date = if day < days_in_month(year, month) {
                (year, month, day + 1)
            } else if month < 12 {
                (year, month + 1, 1)
            } else {
                (year + 1, 1, 1)
            };
        }
    }

    fn escaped(value: &str) -> String {
        let mut out = Vec::new();
        push_json_str(&mut out, value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escaping_matches_serde_json() {
        let ascii: String = (0u8..0x80).map(char::from).collect();
        for value in [
            ascii.as_str(),
            "",
            "plain",
            "say \"hi\"\nand\tleave\\",
            "\u{0}\u{1f}\u{7f}",
            "héllo wörld — 日本語 🦀",
            "\u{2028}\u{2029}",
            "\r\n",
        ] {
            let ours = escaped(value);
            assert_eq!(ours, serde_json::to_string(value).unwrap(), "{value:?}");
            assert_eq!(serde_json::from_str::<String>(&ours).unwrap(), value);
        }
        assert_eq!(escaped("a\"b\n\u{1}é"), r#""a\"b\n\u0001é""#);
    }

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

    // ---- Whole lines through a subscriber ----

    /// Collects written bytes and counts `write` calls.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<(Vec<u8>, usize)>>);

    impl io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut inner = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            inner.0.extend_from_slice(buf);
            inner.1 += 1;
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Capture {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().0.clone()).unwrap()
        }

        fn lines(&self) -> Vec<Value> {
            let text = self.text();
            assert!(text.is_empty() || text.ends_with('\n'), "{text}");
            text.lines().map(|line| serde_json::from_str(line).expect(line)).collect()
        }

        fn writes(&self) -> usize {
            self.0.lock().unwrap().1
        }
    }

    fn fixed_clock() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_795_628_564_123)
    }

    fn service(env: Option<&str>, version: Option<&str>) -> ServiceInfo {
        ServiceInfo {
            service: "checkout".to_owned(),
            env: env.map(str::to_owned),
            version: version.map(str::to_owned),
            tags: Vec::new(),
            resource_attributes: Vec::new(),
            entity_id: None,
        }
    }

    fn layer(capture: &Capture) -> JsonLayer<impl for<'w> MakeWriter<'w> + 'static> {
        let capture = capture.clone();
        json_layer(&service(Some("prod"), Some("1.4.2"))).with_writer(move || capture.clone()).with_clock(fixed_clock)
    }

    /// Runs `f` on a thread with a known name (test threads are named after the test).
    fn on_named_thread(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new().name("worker-1".to_owned()).spawn(f).unwrap().join().unwrap();
    }

    #[test]
    fn exact_line_for_a_fixed_event() {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::registry().with(layer(&capture));
        on_named_thread(move || {
            tracing::subscriber::with_default(subscriber, || {
                tracing::warn!(target: "shop::pay", cents = 1250, card = "visa", "card \"declined\"\nretrying");
            });
        });
        assert_eq!(
            capture.text(),
            concat!(
                r#"{"timestamp":"2026-11-25T17:42:44.123Z","status":"warn","message":"card \"declined\"\nretrying","#,
                r#""logger.name":"shop::pay","logger.thread_name":"worker-1","dd.service":"checkout","dd.env":"prod","#,
                r#""dd.version":"1.4.2","cents":1250,"card":"visa"}"#,
                "\n"
            )
        );
        assert_eq!(capture.writes(), 1);
    }

    #[test]
    fn unset_tags_unnamed_threads_and_missing_messages_are_left_out() {
        let capture = Capture::default();
        let writer = capture.clone();
        let layer = json_layer(&service(None, Some(""))).with_writer(move || writer.clone()).with_clock(fixed_clock);
        let subscriber = tracing_subscriber::registry().with(layer);
        std::thread::spawn(move || {
            tracing::subscriber::with_default(subscriber, || {
                tracing::event!(target: "t", Level::TRACE, done = true);
                tracing::error!(target: "t", "");
            });
        })
        .join()
        .unwrap();
        assert_eq!(
            capture.text(),
            concat!(
                r#"{"timestamp":"2026-11-25T17:42:44.123Z","status":"trace","message":"","logger.name":"t","#,
                r#""dd.service":"checkout","done":true}"#,
                "\n",
                r#"{"timestamp":"2026-11-25T17:42:44.123Z","status":"error","message":"","logger.name":"t","#,
                r#""dd.service":"checkout"}"#,
                "\n",
            )
        );
    }

    fn one_line(f: impl FnOnce()) -> Value {
        let capture = Capture::default();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer(&capture)), f);
        let mut lines = capture.lines();
        assert_eq!(lines.len(), 1);
        lines.remove(0)
    }

    #[derive(Debug)]
    struct Declined {
        code: u16,
    }

    impl fmt::Display for Declined {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "card declined ({}) \"insufficient funds\"", self.code)
        }
    }

    impl std::error::Error for Declined {}

    #[test]
    fn field_values_keep_their_json_types() {
        let err: &(dyn std::error::Error + 'static) = &Declined { code: 51 };
        let line = one_line(|| {
            tracing::info!(
                negative = -3_i64,
                big = u64::MAX,
                ratio = 0.25,
                whole = 2.0,
                nan = f64::NAN,
                infinite = f64::INFINITY,
                small128 = -5_i128,
                huge128 = u128::MAX,
                yes = true,
                text = "multi\nline \u{1F980}",
                shown = %"display \"q\"",
                debugged = ?Some("x"),
                first_error = err,
                second_error = err,
                "paid {} cents",
                1250
            );
        });
        let fields = line.as_object().unwrap();
        assert_eq!(line["message"], "paid 1250 cents");
        assert_eq!(line["negative"], json!(-3));
        assert_eq!(line["big"], json!(u64::MAX));
        assert_eq!(line["ratio"], json!(0.25));
        assert_eq!(line["whole"], json!(2.0));
        assert_eq!(line["nan"], Value::Null);
        assert_eq!(line["infinite"], Value::Null);
        assert_eq!(line["small128"], json!(-5));
        assert_eq!(line["huge128"], json!(u128::MAX.to_string()));
        assert_eq!(line["yes"], json!(true));
        assert_eq!(line["text"], "multi\nline \u{1F980}");
        assert_eq!(line["shown"], "display \"q\"");
        assert_eq!(line["debugged"], "Some(\"x\")");
        assert_eq!(line["error.message"], "card declined (51) \"insufficient funds\"");
        assert_eq!(line["second_error"], "card declined (51) \"insufficient funds\"");
        assert!(!fields.contains_key("first_error"));
    }

    #[test]
    fn reserved_names_are_prefixed() {
        let line = one_line(|| {
            tracing::info!(
                status = "paid",
                timestamp = 7,
                logger.name = "mine",
                dd.trace_id = "fake",
                dd.service = "other",
                error.message = "not an error",
                order.id = 3,
                "done"
            );
        });
        assert_eq!(line["status"], "info");
        assert_eq!(line["timestamp"], "2026-11-25T17:42:44.123Z");
        assert_eq!(line["logger.name"], module_path!());
        assert_eq!(line["dd.service"], "checkout");
        assert!(line.get("dd.trace_id").is_none());
        assert!(line.get("error.message").is_none());
        assert_eq!(line["fields.status"], "paid");
        assert_eq!(line["fields.timestamp"], 7);
        assert_eq!(line["fields.logger.name"], "mine");
        assert_eq!(line["fields.dd.trace_id"], "fake");
        assert_eq!(line["fields.dd.service"], "other");
        assert_eq!(line["fields.error.message"], "not an error");
        assert_eq!(line["order.id"], 3);
    }

    #[test]
    fn failed_writes_are_ignored() {
        struct Failing(bool);
        impl io::Write for Failing {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                if self.0 { Err(io::Error::other("disk full")) } else { Ok(0) }
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        for error in [true, false] {
            let layer = json_layer(&service(None, None)).with_writer(move || Failing(error));
            tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
                tracing::info!("lost");
            });
        }
    }

    #[test]
    fn busy_buffers_fall_back_to_fresh_ones() {
        // What a writer that logs, with a global subscriber, runs into: this thread's buffers are
        // in use. (Under a scoped subscriber, tracing drops such nested events itself.)
        let capture = Capture::default();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer(&capture)), || {
            tracing::info!("first");
            BUFFERS.with(|buffers| {
                let _busy = buffers.borrow_mut();
                tracing::info!(n = 2, "while busy");
            });
            tracing::info!("third");
        });
        let lines = capture.lines();
        let messages: Vec<_> = lines.iter().map(|line| line["message"].clone()).collect();
        assert_eq!(messages, [json!("first"), json!("while busy"), json!("third")]);
        assert_eq!(lines[1]["n"], 2);
    }

    // ---- Trace correlation ----

    struct Traced {
        provider: SdkTracerProvider,
        exporter: InMemorySpanExporter,
        capture: Capture,
    }

    impl Traced {
        fn new() -> Self {
            let exporter = InMemorySpanExporter::default();
            let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
            Self { provider, exporter, capture: Capture::default() }
        }

        /// Runs `f` under registry + tracing-opentelemetry (configured as `Guard::layer`: only
        /// spans at INFO or above are exported) + the JSON layer.
        fn run(&self, context_activation: bool, f: impl FnOnce()) {
            let otel = tracing_opentelemetry::layer()
                .with_tracer(self.provider.tracer("test"))
                .with_context_activation(context_activation)
                .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
                    meta.is_span() && *meta.level() <= Level::INFO
                }));
            let subscriber = tracing_subscriber::registry().with(otel).with(layer(&self.capture));
            tracing::subscriber::with_default(subscriber, f);
        }

        fn span(&self, name: &str) -> SpanData {
            let spans = self.exporter.get_finished_spans().unwrap();
            spans.into_iter().find(|span| span.name == name).unwrap_or_else(|| panic!("span {name} not exported"))
        }

        /// Lines by message.
        fn line(&self, message: &str) -> Value {
            let lines = self.capture.lines();
            lines.into_iter().find(|line| line["message"] == message).unwrap_or_else(|| panic!("no line {message}"))
        }
    }

    /// The ids of an exported span in Datadog's log formats, computed independently.
    fn dd_ids(span: &SpanData) -> (String, String) {
        let trace_hex = format!("{:032x}", span.span_context.trace_id());
        let trace = if let Some(low) = trace_hex.strip_prefix("0000000000000000") {
            u64::from_str_radix(low, 16).unwrap().to_string()
        } else {
            trace_hex
        };
        let span_id = u64::from_str_radix(&span.span_context.span_id().to_string(), 16).unwrap().to_string();
        (trace, span_id)
    }

    fn ids_of(line: &Value) -> Option<(String, String)> {
        let get = |key: &str| line.get(key).map(|value| value.as_str().expect("ids are strings").to_owned());
        match (get("dd.trace_id"), get("dd.span_id")) {
            (Some(trace), Some(span)) => Some((trace, span)),
            (None, None) => None,
            other => panic!("one id without the other: {other:?}"),
        }
    }

    fn assert_correlation(context_activation: bool) {
        let traced = Traced::new();
        traced.run(context_activation, || {
            tracing::info!("before");
            let outer = tracing::info_span!("outer");
            outer.in_scope(|| {
                tracing::info!("in outer");
                tracing::info_span!("inner").in_scope(|| {
                    tracing::warn!("in inner");
                    // Not exported (DEBUG): its events belong to the nearest exported ancestor.
                    tracing::debug_span!("hidden").in_scope(|| tracing::error!("in hidden"));
                });
                tracing::info!(parent: None, "explicit root");
            });
            tracing::info!(parent: &outer, "explicit parent");
            tracing::debug_span!("lonely").in_scope(|| tracing::info!("in lonely"));
            tracing::info!("after");
        });
        let outer = dd_ids(&traced.span("outer"));
        let inner = dd_ids(&traced.span("inner"));
        for (message, expected) in [
            ("before", None),
            ("in outer", Some(&outer)),
            ("in inner", Some(&inner)),
            ("in hidden", Some(&inner)),
            ("explicit root", None),
            ("explicit parent", Some(&outer)),
            ("in lonely", None),
            ("after", None),
        ] {
            assert_eq!(ids_of(&traced.line(message)).as_ref(), expected, "{message}");
        }
        // The SDK generates random 128-bit trace ids: 32 lowercase hex digits.
        assert_eq!(outer.0, inner.0);
        assert_eq!(outer.0.len(), 32);
        assert!(outer.0.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{}", outer.0);
        assert!(outer.1.parse::<u64>().is_ok());
    }

    #[test]
    fn lines_carry_the_ids_of_their_exported_span() {
        assert_correlation(true);
    }

    #[test]
    fn ids_are_found_without_context_activation() {
        assert_correlation(false);
    }

    #[test]
    fn works_next_to_the_guard_layer() {
        let exporter = InMemorySpanExporter::default();
        let guard = crate::builder()
            .env_source(vec![("DD_SERVICE", "checkout"), ("DD_ENV", "test"), ("DD_VERSION", "1.4.2")])
            .traces_exporter(crate::TracesExporter::None)
            .metrics_exporter(crate::MetricsExporter::None)
            .span_processor(opentelemetry_sdk::trace::SimpleSpanProcessor::new(exporter.clone()))
            .build()
            .unwrap();
        let capture = Capture::default();
        let writer = capture.clone();
        let json = json_layer(guard.service_info()).with_writer(move || writer.clone());
        let subscriber = tracing_subscriber::registry().with(guard.layer()).with(json);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info_span!("request").in_scope(|| tracing::info!("handled"));
        });
        assert!(guard.flush());
        let spans = exporter.get_finished_spans().unwrap();
        let line = &capture.lines()[0];
        assert_eq!(
            (&line["dd.service"], &line["dd.env"], &line["dd.version"]),
            (&json!("checkout"), &json!("test"), &json!("1.4.2"))
        );
        assert_eq!(ids_of(line), Some(dd_ids(&spans[0])));
    }

    #[test]
    fn a_level_filter_on_the_layer_hides_no_ids() {
        // As `init` would with RUST_LOG=warn: the JSON layer sees no INFO span at all, yet finds
        // the ids of the exported INFO spans, on both paths.
        let traced = Traced::new();
        let otel = tracing_opentelemetry::layer().with_tracer(traced.provider.tracer("test"));
        let json = layer(&traced.capture).with_filter(tracing_subscriber::EnvFilter::new("warn"));
        tracing::subscriber::with_default(tracing_subscriber::registry().with(otel).with(json), || {
            let span = tracing::info_span!("request");
            span.in_scope(|| tracing::warn!("inside"));
            tracing::warn!(parent: &span, "explicit parent");
        });
        let ids = Some(dd_ids(&traced.span("request")));
        assert_eq!(ids_of(&traced.line("inside")), ids);
        assert_eq!(ids_of(&traced.line("explicit parent")), ids);
    }

    #[test]
    fn exported_ancestor_entered_elsewhere() {
        // The parent is never entered on the logging thread, so its context is not attached:
        // the ids come from the registry walk.
        let traced = Traced::new();
        traced.run(true, || {
            let parent = tracing::info_span!("parent");
            tracing::debug_span!(parent: &parent, "child").in_scope(|| tracing::info!("in child"));
        });
        assert_eq!(ids_of(&traced.line("in child")), Some(dd_ids(&traced.span("parent"))));
    }

    #[test]
    fn trace_ids_of_64_bits_are_decimal() {
        let traced = Traced::new();
        let remote = SpanContext::new(
            TraceId::from(0x0000_0000_0000_0000_1234_5678_9abc_def0_u128),
            SpanId::from(7_u64),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        );
        traced.run(true, || {
            let span = tracing::info_span!("continued");
            let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(remote.clone()));
            span.in_scope(|| tracing::info!("continued"));
            // A remote context merely attached names no span of this process.
            let _attached = opentelemetry::Context::new().with_remote_span_context(remote).attach();
            tracing::info!("attached");
        });
        let (trace, span) = ids_of(&traced.line("continued")).unwrap();
        assert_eq!(trace, 0x1234_5678_9abc_def0_u64.to_string());
        assert_eq!((trace, span), dd_ids(&traced.span("continued")));
        assert_eq!(ids_of(&traced.line("attached")), None);
    }

    #[test]
    fn async_tasks_keep_their_span_across_threads() {
        use tracing::Instrument as _;
        use tracing::instrument::WithSubscriber as _;
        let traced = Traced::new();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        traced.run(true, || {
            let dispatch = tracing::dispatcher::get_default(Clone::clone);
            runtime.block_on(async move {
                let tasks: Vec<_> = (0_i64..4)
                    .map(|i| {
                        let span = tracing::info_span!("task", i);
                        let name = format!("task {i}");
                        tokio::spawn(
                            async move {
                                tokio::task::yield_now().await;
                                tracing::info!(task = i, "{name}");
                            }
                            .instrument(span)
                            .with_subscriber(dispatch.clone()),
                        )
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            });
        });
        let spans = traced.exporter.get_finished_spans().unwrap();
        assert_eq!(spans.len(), 4);
        for line in traced.capture.lines() {
            let i = line["task"].as_i64().unwrap();
            let span = spans
                .iter()
                .find(|span| span.attributes.iter().any(|kv| kv.key.as_str() == "i" && kv.value == i.into()))
                .unwrap();
            assert_eq!(ids_of(&line), Some(dd_ids(span)), "task {i}");
        }
    }
}
