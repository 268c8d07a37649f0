//! Make a Rust service observable in Datadog by annotating functions.
//!
//! PLACEHOLDER: crate docs are written in `docs/` and included at the end.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod call;
mod config;
pub mod env;
mod init;
mod metrics;
mod name;
mod outcome;
pub mod slo;
mod span;
mod tags;
mod trace;

pub use config::{DogStatsdAddr, InitError, MetricsExporter, OtlpProtocol, OtlpTarget, ServiceInfo, TracesExporter};
pub use env::{EnvSource, ProcessEnv};
pub use init::{Builder, DEFAULT_FLUSH_INTERVAL, DEFAULT_SHUTDOWN_TIMEOUT, Guard, builder, flush, init};
pub use outcome::{DdError, ErrorRecord, OutcomeKind};
pub use tags::{DdTags, TagValue, TagVisitor, is_valid_tag_key, normalize_tag};

// pub use dd_instrument_macros::{DdError, DdTags, dd_slo, dd_span, dd_timed};

/// Items the macro expansions use. Not public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::call::{Call, CallTags, Instrumented, span_tags};
    pub use crate::metrics::site::{CallSite, TimerMeta};
    pub use crate::name::{buf_as_str, concat_bytes, normalize_operation};
    pub use crate::outcome::Outcome;
    pub use crate::slo::{Slo, SloEntry};
    pub use crate::span::{ResourceCache, method_resource};
    pub use inventory;
    pub use tracing;

    pub use crate::__dd_concat as concat;
    pub use crate::__dd_field as field;
    pub use crate::__dd_operation_name as operation_name;
    pub use crate::__dd_outcome as outcome_of;
    pub use crate::__dd_tag_value as tag_value;

    /// Autoref probes behind [`tag_value!`].
    pub mod tags {
        pub use crate::tags::{TagProbe, TagValueDisplay, TagValueTyped};
    }

    /// Autoref probes behind [`outcome_of!`].
    pub mod outcome {
        pub use crate::outcome::{
            OutcomeProbe, ProbeAnyErr, ProbeDebug, ProbeDisplay, ProbeDynError, ProbeDynErrorSend, ProbeError,
            ProbeErrorNamed, ProbeNotResult,
        };
    }

    /// Autoref probes behind [`field!`].
    pub mod span {
        pub use crate::span::{FieldProbe, FieldValue, ProbeDebug, ProbeDisplay, ProbeTyped};
    }
}
