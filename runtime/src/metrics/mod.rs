//! The application's own metrics, events and service checks, sent with everything else.
//!
//! | type | for | DogStatsD | OTLP |
//! |---|---|---|---|
//! | [`Counter`] | how many times something happened (requests, bytes, retries) | count `c` | monotonic delta sum |
//! | [`UpDownCounter`] | a level the code changes by steps (open connections, jobs in flight) | gauge `g` | gauge |
//! | [`Gauge`] | a level read as a whole (queue depth, cache size), last value per interval | gauge `g` | gauge |
//! | [`Distribution`] | every value, for global percentiles (sizes, hand-measured latencies) | distribution `d` | delta histogram |
//! | [`Set`] | how many distinct values (users, tenants) | set `s` | gauge of distinct members |
//!
//! Handles are `static`s. A call is a few relaxed atomic operations in the calling thread's
//! shard: no lock, no allocation, no syscall (the first use of a handle, and the first use of
//! each run-time tag set, allocate once). While no metrics exporter runs, calls do nothing.
//!
//! ```
//! use dd_instrument::metrics::{Counter, Distribution};
//!
//! static REQUESTS: Counter = Counter::new("shop.requests").with_tags(&["team:checkout"]);
//! static PAYLOAD: Distribution = Distribution::new("shop.payload.bytes");
//!
//! fn handle(route: &'static str, body: &[u8]) {
//!     REQUESTS.add_with(1, &[("route", route)]);
//!     PAYLOAD.record(body.len() as f64);
//! }
//! # handle("/cart", b"{}");
//! ```
//!
//! [`Event`]s and [`ServiceCheck`]s (deploy markers, health checks) go out with the next flush,
//! on DogStatsD only.
//!
//! [`testing`](crate::testing) captures see what these handles record on the capturing thread
//! (as points), and the events and service checks it sends, without an exporter: see
//! [`testing`](crate::testing). OpenTelemetry instruments and the
//! `metrics` facade are not captured: test them on the wire.
//!
//! # OpenTelemetry instruments
//!
//! With the `otel-metrics` feature (on by default), [`init`](crate::init()) and
//! [`Builder::build`](crate::Builder::build) install a global OpenTelemetry `MeterProvider`
//! when a metrics exporter runs, so the instruments of `opentelemetry::global::meter(..)`, in
//! the application and in its libraries, are sent by the same exporter, with the unified
//! service tags. It is read at every flush (delta temporality) and shut down with the
//! [`Guard`](crate::Guard), after its last flush. Make instruments after `init`: instruments
//! made before come from the provider installed then.
//!
//! ```no_run
//! use opentelemetry::KeyValue;
//!
//! let _telemetry = dd_instrument::init()?;
//! let meter = opentelemetry::global::meter("shop");
//! let orders = meter.u64_counter("shop.orders").build();
//! let latency = meter.f64_histogram("shop.checkout.latency").with_unit("ms").build();
//!
//! orders.add(1, &[KeyValue::new("country", "fr")]);
//! latency.record(12.5, &[KeyValue::new("route", "/cart")]);
//! # Ok::<(), dd_instrument::InitError>(())
//! ```
//!
//! | OpenTelemetry | DogStatsD | OTLP |
//! |---|---|---|
//! | `Counter`, `ObservableCounter` | count `c` (per flush) | monotonic delta sum |
//! | `UpDownCounter`, `ObservableUpDownCounter` | gauge `g` (the level, every flush) | gauge |
//! | `Gauge`, `ObservableGauge` | gauge `g` (when recorded or observed) | gauge |
//! | `Histogram` | distribution `d` | delta histogram |
//!
//! Attributes become tags (normalized and redacted like every tag), sorted by key. Histograms
//! are aggregated as exponential histograms whatever boundaries the instrument advises: the
//! interval's minimum and maximum are sent as recorded, other values within about 1 %. Each
//! instrument keeps 1000 attribute sets apart per flush interval (further ones share one series
//! tagged `dd_instrument.tags_overflow:true`, with a warning); past 1000 metric names or 10 000
//! points per flush, points are dropped and counted in [`Guard::stats`](crate::Guard::stats).
//! Instrument scopes, descriptions and units are not sent.
//!
//! An application that installs its own `MeterProvider` turns this off with
//! `DD_INSTRUMENT_OTEL_METRICS=false` or [`Builder::otel_metrics(false)`](crate::Builder::otel_metrics).

// How it works (crate-internal):
//
// The background thread that drains the call sites into points and hands them to a
// sink.
//
// Calls only touch atomics in their site ([`per_call::site`](crate::per_call::site)). A
// flusher thread ([`flusher`]) wakes every flush interval, drains every site into a [`Batch`]
// of points ([`collect`]) and hands it to the sink: DogStatsD ([`dogstatsd`]), OTLP ([`otlp`],
// sent by [`crate::otlp`]) or the console ([`console`]). [`Pipeline`] is the one running
// exporter of the process; [`Pipeline::flush`] and its shutdown drain synchronously, so a
// short-lived job's counts are exact.
//
// New kinds of points (gauges, runtime metrics) are new [`Value`]s, produced next to the site
// drains in [`collect`] and encoded by each sink.

// Counts and nanoseconds become `f64` milliseconds on the wire; they stay far below 2^52.
#![allow(clippy::cast_precision_loss)]

pub(crate) mod capture;
pub(crate) mod collect;
pub(crate) mod console;
pub(crate) mod dogstatsd;
mod events;
#[cfg(feature = "metrics-facade")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics-facade")))]
pub mod facade;
mod flusher;
mod instruments;
#[cfg(feature = "otel-metrics")]
pub(crate) mod otel_bridge;
#[cfg(feature = "otlp")]
pub(crate) mod otlp;
mod pipeline;
#[cfg(feature = "runtime-metrics")]
pub(crate) mod runtime_metrics;
mod values;

use std::time::SystemTime;

pub use events::{
    AlertType, Event, MAX_DATAGRAM, MAX_EVENT_TEXT, MAX_EVENT_TITLE, Priority, QUEUE_CAPACITY, SendError, ServiceCheck,
    Status,
};
pub use instruments::{
    Counter, DEFAULT_MAX_SERIES, Distribution, Gauge, MAX_SERIES_LIMIT, SET_CAPACITY, Set, UpDownCounter,
};
pub(crate) use pipeline::{Pipeline, SelfMetrics};
#[cfg(feature = "runtime-metrics")]
#[doc(hidden)]
pub use runtime_metrics::BenchSampler;

use crate::per_call::histogram::Bucket;

/// One metric value of a flush.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// Calls counted since the last flush.
    Count(u64),
    /// What a floating-point counter (OpenTelemetry's `Counter<f64>`) added since the last flush.
    #[cfg_attr(not(feature = "otel-metrics"), allow(dead_code))]
    FloatCount(f64),
    /// Latencies since the last flush: buckets and how many calls fell in each.
    Distribution(Vec<(Bucket, u64)>),
    /// A level: a gauge's last value, an up-down counter's total.
    Gauge(f64),
    /// The application's distribution: buckets of values and their counts, by value.
    Values(Vec<(values::ValueBucket, u64)>),
    /// The distinct members of a set in the interval, as hashes, sorted.
    Set(Vec<u64>),
    /// An event (the point has no name or tags of its own).
    Event(Box<Event>),
    /// A service check (the point has no name or tags of its own).
    ServiceCheck(Box<ServiceCheck>),
}

/// One metric point: a name, its own tags (normalized `key:value`, without the global tags),
/// and a value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Point {
    pub(crate) name: &'static str,
    pub(crate) tags: Vec<String>,
    pub(crate) value: Value,
}

/// Everything drained in one flush.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    pub(crate) points: Vec<Point>,
    /// Start of the interval the points cover.
    #[cfg_attr(not(feature = "otlp"), allow(dead_code, reason = "OTLP points carry their interval"))]
    pub(crate) start: SystemTime,
    /// End of that interval.
    #[cfg_attr(not(feature = "otlp"), allow(dead_code, reason = "OTLP points carry their interval"))]
    pub(crate) end: SystemTime,
}

/// Where flushed metrics go. Runs on the flusher thread only.
pub(crate) trait Sink: Send {
    /// Sends one batch. Must not block for long: the flusher waits for it.
    fn export(&mut self, batch: &Batch);
}
