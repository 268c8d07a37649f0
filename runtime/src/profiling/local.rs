//! Local profiles, without Datadog: a CPU profile of a time window, written as an SVG flame graph
//! and as a pprof file.

use std::io::Write;
use std::time::Duration;

use super::encode::Window;
use super::sampler::{BLOCKLIST, sampler_error};

/// Why a local profile could not be taken or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfilingError {
    /// The CPU sampler could not start: another profiler runs in the process (continuous
    /// profiling, another capture, or the `pprof` crate used directly), or the system refused
    /// the timer or the signal handler.
    #[error("{0}")]
    Sampler(String),
    /// The samples could not be read back.
    #[error("the samples could not be read: {0}")]
    Report(String),
    /// Writing the output failed.
    #[error("could not write the profile: {0}")]
    Io(#[from] std::io::Error),
}

/// A CPU profile of a time window, taken by [`capture`].
#[derive(Debug)]
pub struct LocalProfile {
    window: Window,
}

/// Samples every thread's CPU stacks for `window` at `hz` samples per second of CPU time (99 is
/// a good default), blocking the calling thread meanwhile, and returns the profile.
///
/// Only one CPU profiler can run in a process: while continuous profiling
/// (`DD_PROFILING_ENABLED`) runs, this returns [`ProfilingError::Sampler`]. Feature `profiling`.
///
/// ```no_run
/// use std::time::Duration;
///
/// // While the application works on other threads:
/// let profile = dd_instrument::profiling::capture(Duration::from_secs(30), 99)?;
/// profile.write_flamegraph(std::fs::File::create("cpu.svg")?)?;
/// // `go tool pprof -http=: cpu.pprof`, or any pprof viewer.
/// profile.write_pprof(std::fs::File::create("cpu.pprof")?)?;
/// # Ok::<(), dd_instrument::profiling::ProfilingError>(())
/// ```
pub fn capture(window: Duration, hz: u32) -> Result<LocalProfile, ProfilingError> {
    let hz = hz.clamp(1, 1000);
    let guard = pprof::ProfilerGuardBuilder::default()
        .frequency(i32::try_from(hz).unwrap_or(1000))
        .blocklist(&BLOCKLIST)
        .build()
        .map_err(|error| ProfilingError::Sampler(sampler_error(&error)))?;
    std::thread::sleep(window);
    let report = guard.report().build_unresolved().map_err(|error| ProfilingError::Report(error.to_string()))?;
    drop(guard);
    Ok(LocalProfile { window: Window::resolve(report, hz) })
}

impl LocalProfile {
    /// Samples taken in the window (each stands for `1 / hz` seconds of CPU time).
    pub fn samples(&self) -> u64 {
        self.window.samples()
    }

    /// Writes an SVG flame graph: one tower per thread name, functions demangled, width the
    /// share of samples.
    pub fn write_flamegraph(&self, mut out: impl Write) -> Result<(), ProfilingError> {
        let lines = self.window.folded();
        let mut options = pprof::flamegraph::Options::default();
        "CPU".clone_into(&mut options.title);
        let mut svg = Vec::new();
        pprof::flamegraph::from_lines(&mut options, lines.iter().map(String::as_str), &mut svg)
            .map_err(|error| ProfilingError::Report(error.to_string()))?;
        out.write_all(&svg)?;
        Ok(())
    }

    /// Writes the profile in the pprof format, gzip-compressed, as `go tool pprof` reads it
    /// (the same encoding continuous profiling uploads).
    pub fn write_pprof(&self, mut out: impl Write) -> Result<(), ProfilingError> {
        out.write_all(&self.window.gzipped_pprof())?;
        Ok(())
    }
}
