//! Make a Rust service observable in Datadog by annotating functions.
//!
//! ```no_run
//! use dd_instrument::{dd_slo, dd_span, dd_timed};
//!
//! #[derive(Debug)]
//! struct PayError;
//! # impl std::fmt::Display for PayError {
//! #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("declined") }
//! # }
//! # impl std::error::Error for PayError {}
//!
//! #[dd_span(kind = "client", peer = "payment-service", resource = "POST /charge")]
//! #[dd_timed]
//! #[dd_slo(name = "checkout-payment", target = 99.9, latency_ms = 500)]
//! async fn charge(cents: u32) -> Result<u64, PayError> {
//!     if cents == 0 { Err(PayError) } else { Ok(42) }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // Reads DD_* and OTEL_* variables; flushes and shuts down when dropped.
//!     let _telemetry = dd_instrument::init()?;
//!     charge(1250).await?;
//!     Ok(())
//! }
//! ```
//!
//! - [`dd_span`] creates a span with Datadog's standard attributes (operation, resource, type, kind,
//!   `peer.service`, errors) through `tracing`, exported with `tracing-opentelemetry`.
//! - [`dd_timed`] records the call's latency as a distribution in milliseconds.
//! - [`dd_slo`] counts SLO events: every call, successful calls, fast successful calls.
//! - [`DdTags`] turns a struct into tags; [`DdError`] names error variants for `error.type`.
//! - [`init`](init()) and [`builder`] configure the exporters once: natively to the Datadog Agent, OTLP
//!   (gRPC or HTTP) to the Datadog Agent or any OpenTelemetry collector, DogStatsD, or the console.
//!
//! Configuration variables and their defaults are listed in [`env`](mod@env). Nothing about arguments is
//! recorded unless a macro lists it in `tags(..)`. The per-call path of the metrics takes no lock,
//! makes no syscall and allocates nothing: calls add to atomics in a per-function `static`, and a
//! background thread sends the aggregates.
//!
//! # Features
//!
//! - `otlp` (default): OTLP export of traces and metrics. Without it, traces go natively to the
//!   Agent (with `datadog`), to the console or nowhere, and metrics to DogStatsD or the console.
//! - `datadog`: native trace export to the Datadog Agent through Datadog's own SDK,
//!   `datadog-opentelemetry` (client-side stats, Agent sampling rates, remote configuration).
//! - `metrics-facade`: `metrics::facade`, a recorder for the `metrics` crate's macros.
//! - `axum`: route templates of axum routers (`MatchedPath`) in [`http::server_layer`] resources.
//!
//! Beyond the macros: [`metrics`] (the application's own counters, gauges, distributions and
//! sets, events and service checks, and with `metrics-facade` a recorder for the `metrics`
//! crate), [`propagation`] (Datadog and W3C trace headers), [`http`] (tower layers for
//! servers and clients), [`logs`] (JSON logs correlated with traces), [`SamplingRule`], and
//! [`testing`] (the spans and metric points a piece of code produces, for your own tests), and
//! [`definitions()`] (the service's SLOs, monitors, dashboard and log configuration in Datadog,
//! generated from the annotations).
#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
#[doc(hidden)]
pub mod db;
mod dd_error;
pub mod definitions;
mod health;
pub mod http;
mod init;
pub mod logs;
pub mod metrics;
#[cfg(feature = "otlp")]
mod otlp;
mod per_call;
#[cfg(feature = "profiling")]
pub mod profiling;
mod redact;
mod registry;
#[cfg(any(feature = "runtime-metrics", feature = "profiling"))]
mod runtime_id;
pub mod slo;
mod tags;
pub mod testing;
mod trace;
mod user_code;

pub use config::env;
pub use trace::propagation;

pub use config::env::{EnvSource, ProcessEnv};
pub use config::{
    DogStatsdAddr, InitError, MetricsExporter, OtlpProtocol, ParseDogStatsdAddrError, SamplingRule, ServiceInfo,
    SpanSamplingRule, TracesExporter,
};
pub use dd_error::DdError;
pub use definitions::definitions;
pub use health::{DestinationStats, ExportStats};
pub use init::{Builder, DEFAULT_FLUSH_INTERVAL, DEFAULT_SHUTDOWN_TIMEOUT, Guard, builder, init};
pub use redact::{Detector, Redaction, RedactionError};
pub use tags::{DdTags, TagValue, TagVisitor, is_valid_tag_key, normalize_tag};

pub use dd_instrument_macros::{DdError, DdTags, dd_slo, dd_span, dd_timed};

/// Items the macro expansions use. Not public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::db::site::{DbSite, DbStatement};
    pub use crate::definitions::{FunctionDef, FunctionEntry, SpanDef, TimerDef};
    pub use crate::per_call::call::{Call, Instrumented, active, new_span, run_sync, span_tags};
    pub use crate::per_call::name::{buf_as_str, concat_bytes, normalize_operation};
    pub use crate::per_call::outcome::{ErrorRecord, Outcome};
    pub use crate::per_call::run_tags::CallTags;
    pub use crate::per_call::site::{CallSite, TimerMeta};
    pub use crate::per_call::span_field::{ResourceCache, method_resource};
    pub use crate::per_call::tag_probe::{CheckTag, hashed_tag, redacted_tag};
    pub use crate::registry::SloEntry;
    pub use crate::slo::{Slo, Timeframe};
    pub use inventory;
    pub use tracing;

    pub use crate::__dd_concat as concat;
    pub use crate::__dd_field as field;
    pub use crate::__dd_operation_name as operation_name;
    pub use crate::__dd_outcome as outcome_of;
    pub use crate::__dd_tag_value as tag_value;

    /// Autoref probes behind [`tag_value!`].
    pub mod tags {
        pub use crate::per_call::tag_probe::{Checked, TagDisplay, TagProbe, TagValueDisplay, TagValueTyped};
    }

    /// Autoref probes behind [`outcome_of!`].
    pub mod outcome {
        pub use crate::per_call::outcome::{
            OutcomeProbe, ProbeAnyErr, ProbeDebug, ProbeDisplay, ProbeDynError, ProbeDynErrorSend, ProbeError,
            ProbeErrorNamed, ProbeNotResult,
        };
    }

    /// Autoref probes behind [`field!`].
    pub mod span {
        pub use crate::per_call::span_field::{FieldProbe, FieldValue, ProbeDisplay, ProbeNone, ProbeTyped, Scrubbed};
    }
}
