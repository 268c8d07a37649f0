//! Configuration: the settings a user gives (in code or in the environment), and what they
//! resolve to.
//!
//! - [`env`](mod@env): the environment variables, as documented constants, and [`EnvSource`], where they
//!   are read from.
//! - [`exporters`], [`sampling_rule`], [`propagation_style`], [`service`]: the public setting
//!   types, each with the syntax its variable is read in.
//! - [`error`]: [`InitError`], naming the variable or setting and the bad value.
//! - [`resolve`](mod@resolve) (private): code > specific variable > generic variable > default, one small
//!   `resolve_*` function per setting, into [`Resolved`], which `init` hands to every part.
//!
//! Nothing here starts anything or imports the parts that do: `trace`, `metrics`, `otlp` and
//! `logs` read the resolved values.

pub mod env;
mod error;
mod exporters;
mod keep;
mod parse;
mod propagation_style;
mod resolve;
mod sampling_rule;
mod service;
#[cfg(test)]
mod tests;

pub use error::InitError;
#[cfg(feature = "otlp")]
pub(crate) use error::shorten;
pub use exporters::{DogStatsdAddr, MetricsExporter, OtlpProtocol, ParseDogStatsdAddrError, TracesExporter};
pub use keep::SpanSamplingRule;
pub use propagation_style::{DEFAULT_STYLES, PropagationStyle};
pub use sampling_rule::SamplingRule;
pub use service::ServiceInfo;

pub(crate) use env::EnvSource;
#[cfg(any(feature = "otlp", test))]
pub(crate) use exporters::OtlpCompression;
pub(crate) use keep::KeepSettings;
pub(crate) use resolve::OtlpTarget;
pub(crate) use resolve::ProfilingSettings;
pub(crate) use resolve::{CodeSettings, Resolved, resolve};
#[cfg(test)]
pub(crate) use sampling_rule::DEFAULT_RATE_LIMIT;
pub(crate) use sampling_rule::clamp_rate;
