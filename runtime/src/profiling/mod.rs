//! Continuous profiling and local flame graphs (feature `profiling`).
//!
//! With `DD_PROFILING_ENABLED=true` (or [`Builder::profiling`](crate::Builder::profiling)),
//! `init` starts a CPU profiler: every thread's stack is sampled 99 times per second of CPU
//! time (`DD_INSTRUMENT_PROFILING_HZ`), and every 60 s (`DD_PROFILING_UPLOAD_PERIOD`) the
//! samples are sent as a pprof profile to the Datadog Agent's profiling intake
//! (`/profiling/v1/input` on the trace Agent: `DD_TRACE_AGENT_URL`, else
//! `http://<DD_AGENT_HOST>:8126`, else the Agent's socket when it exists). Dropping the
//! [`Guard`](crate::Guard) sends the last, partial profile within the shutdown timeout.
//!
//! ```no_run
//! let _telemetry = dd_instrument::builder().profiling(true).init()?;
//! # Ok::<(), dd_instrument::InitError>(())
//! ```
//!
//! - Sampling: the `pprof` crate: a `SIGPROF` timer (`setitimer(ITIMER_PROF)`, process CPU
//!   time) whose handler unwinds the interrupted thread's stack into a fixed-size table.
//!   Symbols are resolved on the profiler's own thread, once per profile.
//! - Each sample carries the labels `thread id` and `thread name`.
//! - Bounds: one profile is sent at a time and at most one waits; a newer profile replaces a
//!   waiting one, which is counted as dropped. Sending never blocks the application; delivered,
//!   dropped and failed profiles are counted in [`Guard::stats`](crate::Guard::stats)
//!   (`profiles`) and failures are logged as rate-limited `WARN`s under `dd_instrument`.
//! - Code hotspots (the `local root span id` / `span id` labels that link samples to spans)
//!   are not recorded: the sampler's signal handler runs no code of ours, and it aggregates
//!   samples per stack and thread, keeping no time per sample, so a sample cannot be matched
//!   to the span its thread was in afterwards either. The README says more.
//!
//! Local profiles, without Datadog: [`capture`] samples for a time window and writes an SVG
//! flame graph and a pprof file.

mod encode;
mod local;
mod sampler;
mod upload;

pub use local::{LocalProfile, ProfilingError, capture};
pub(crate) use sampler::{begin_stop, finish_stop, start};
pub(crate) use upload::Target;
