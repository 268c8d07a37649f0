//! Test support: capture exactly what leaves the process.
//!
//! - [`spans`]: run code under a subscriber whose spans go to an in-memory exporter.
//! - [`statsd`]: a UDP socket on 127.0.0.1 that receives this test binary's DogStatsD datagrams.
//! - [`otlp`]: OTLP receivers (gRPC and HTTP/protobuf) on 127.0.0.1 that decode requests with the
//!   official protobuf definitions.

pub mod otlp;
pub mod spans;
pub mod statsd;
