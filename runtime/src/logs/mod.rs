//! Logs correlated with traces: a JSON layer with Datadog's reserved attributes.
//!
//! [`json_layer`] turns every `tracing` event into one line of JSON that the Datadog Agent parses
//! without a pipeline, and that Datadog links to the trace the event happened in:
//!
//! ```text
//! {"timestamp":"2026-11-25T17:42:44.123Z","status":"info","message":"charged","logger.name":"shop::pay","logger.thread_name":"main","ddsource":"rust","ddtags":"team:payments","host":"node-7","dd.service":"checkout","dd.env":"prod","dd.version":"1.4.2","dd.trace_id":"69a5c3f8e21b4d0c9f3e2a1b0c4d5e6f","dd.span_id":"1234567890123456789","cents":1250}
//! ```
//!
//! | key | value |
//! |---|---|
//! | `timestamp` | RFC 3339, UTC, milliseconds |
//! | `status` | the level: `error`, `warn`, `info`, `debug` or `trace` |
//! | `message` | the event's message (`""` when it has none) |
//! | `logger.name` | the event's target (the module path unless set with `target:`) |
//! | `logger.thread_name` | the name of the emitting thread, when it has one |
//! | `ddsource` | `rust`: Datadog picks the log integration (and its pipeline) by source |
//! | `ddtags` | the tags of `DD_TAGS` and [`Builder::tag`](crate::Builder::tag), `key:value` separated by commas (when there are any) |
//! | `host` | `DD_HOSTNAME`, else the system's host name, read once by `init` (when known) |
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

//!
//! Files: `layer` (the [`JsonLayer`]: what a line holds and where the trace ids come from),
//! `json` (the encoding of fields and strings), `timestamp` (RFC 3339 without a date library).

mod json;
mod layer;
#[cfg(test)]
mod tests;
mod timestamp;

#[cfg(feature = "profiling")]
pub(crate) use timestamp::push_timestamp;

pub use layer::{JsonLayer, json_layer};

/// The keys [`JsonLayer`] writes itself. An event field with one of these names is written as
/// `fields.<name>` instead.
pub const RESERVED_KEYS: &[&str] = &[
    "timestamp",
    "status",
    "message",
    "logger.name",
    "logger.thread_name",
    "ddsource",
    "ddtags",
    "host",
    "dd.service",
    "dd.env",
    "dd.version",
    "dd.trace_id",
    "dd.span_id",
    "error.message",
];
