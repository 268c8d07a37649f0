//! Metrics: the background thread that drains the call sites into points and hands them to a
//! sink.
//!
//! Calls only touch atomics in their site ([`per_call::site`](crate::per_call::site)). A
//! flusher thread ([`flusher`]) wakes every flush interval, drains every site into a [`Batch`]
//! of points ([`collect`]) and hands it to the sink: DogStatsD ([`dogstatsd`]), OTLP ([`otlp`],
//! sent by [`crate::otlp`]) or the console ([`console`]). [`Pipeline`] is the one running
//! exporter of the process; [`Pipeline::flush`] and its shutdown drain synchronously, so a
//! short-lived job's counts are exact.
//!
//! New kinds of points (gauges, runtime metrics) are new [`Value`]s, produced next to the site
//! drains in [`collect`] and encoded by each sink.

// Counts and nanoseconds become `f64` milliseconds on the wire; they stay far below 2^52.
#![allow(clippy::cast_precision_loss)]

pub(crate) mod collect;
pub(crate) mod console;
pub(crate) mod dogstatsd;
mod flusher;
#[cfg(feature = "otlp")]
pub(crate) mod otlp;
mod pipeline;

use std::time::SystemTime;

pub(crate) use pipeline::Pipeline;

use crate::per_call::histogram::Bucket;

/// One metric value of a flush.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// Calls counted since the last flush.
    Count(u64),
    /// Latencies since the last flush: buckets and how many calls fell in each.
    Distribution(Vec<(Bucket, u64)>),
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
