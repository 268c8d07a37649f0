//! Test support: capture exactly what leaves the process.
//!
//! - [`spans`]: spans captured with `dd_instrument::testing`, as `SpanData`, with helpers for
//!   exact comparisons (metric points are read from `dd_instrument::testing` directly).
//! - [`statsd`]: a UDP socket on 127.0.0.1 that receives this test binary's DogStatsD datagrams.
//! - [`events`]: the `tracing` events the library logs, recorded.
//! - [`agent`]: Datadog's APM test agent, when `scripts/test-agent` runs it.
//! - [`writer`]: a log layer's output, kept in memory.
//! - [`otlp`]: OTLP receivers (gRPC and HTTP/protobuf) on 127.0.0.1 that decode requests with the
//!   official protobuf definitions.

pub mod agent;
pub mod events;
pub mod otlp;
pub mod spans;
pub mod statsd;
pub mod writer;

/// The README's Rust snippets, compiled (and run where they need no network or Agent) as doctests
/// of this crate by `cargo test --workspace`: the crate's dependencies and dev-dependencies are the
/// ones a user of every feature has.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
