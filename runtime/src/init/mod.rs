//! Setting up once in `main`: [`init`], [`Builder`] and the [`Guard`] that flushes on drop.
//!
//! This module assembles the others and none of them imports it: [`config`](crate::config)
//! resolves the settings; `start` builds the OTLP transport ([`otlp`](crate::otlp)), the
//! tracer provider ([`trace`](crate::trace)) and the metrics pipeline
//! ([`metrics`](crate::metrics)) from them; [`Builder::init`] adds the global subscriber with
//! the log layers ([`logs`](crate::logs)); the [`Guard`] owns what runs and stops it.

mod builder;
mod guard;
mod start;

use std::time::Duration;

pub use builder::Builder;
pub use guard::Guard;

use crate::config::InitError;

/// Default time between two metric flushes.
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(2);
/// Default bound on how long dropping the [`Guard`] may take.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Sets everything up from the environment and installs the global `tracing` subscriber.
///
/// Equivalent to `dd_instrument::builder().init()`. Keep the returned guard alive for the life of
/// the program: dropping it flushes spans and metrics and shuts the exporters down.
///
/// ```no_run
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let _telemetry = dd_instrument::init()?;
///     // ... the application ...
///     Ok(())
/// }
/// ```
pub fn init() -> Result<Guard, InitError> {
    builder().init()
}

/// A [`Builder`] with nothing set in code: everything comes from the environment.
pub fn builder() -> Builder {
    Builder::default()
}
