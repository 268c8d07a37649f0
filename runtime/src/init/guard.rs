//! [`Guard`]: what runs, and its orderly stop.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

use std::sync::Arc;

use crate::config::{MetricsExporter, Resolved, ServiceInfo, TracesExporter};
use crate::health::{Destination, ExportStats};
use crate::metrics;
use crate::trace::export_filter::ExportFilter;

/// Keeps the exporters running; dropping it flushes spans and metrics and shuts everything down
/// within the shutdown timeout, even when the Agent is unreachable.
///
/// Keep it in `main` for the life of the program (`let _ = dd_instrument::init()?` drops it at
/// once, and with it the exporters):
///
/// ```
/// use std::collections::BTreeMap;
/// use dd_instrument::{MetricsExporter, TracesExporter};
/// use tracing_subscriber::prelude::*;
///
/// #[dd_instrument::dd_span]
/// fn handle() {}
///
/// # fn main() -> Result<(), dd_instrument::InitError> {
/// // In a program: `let guard = dd_instrument::init()?;`, which also installs the subscriber.
/// let guard = dd_instrument::builder()
///     .env_source(BTreeMap::new())
///     .traces_exporter(TracesExporter::Console)
///     .metrics_exporter(MetricsExporter::None)
///     .build()?;
/// tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), handle);
/// // Sends what was recorded so far (before a process exits without dropping the guard).
/// assert!(guard.flush());
/// // Flushes again and shuts down, within the shutdown timeout.
/// drop(guard);
/// # Ok(())
/// # }
/// ```
#[must_use = "dropping the guard shuts telemetry down"]
pub struct Guard {
    inner: Option<Inner>,
    config: Resolved,
    health: Health,
}

/// The counters of the exporters a guard started.
#[derive(Debug, Default)]
pub(super) struct Health {
    pub(super) spans: Option<Arc<Destination>>,
    pub(super) metrics: Option<Arc<Destination>>,
    /// Continuous profiling, when it runs.
    pub(super) profiles: Option<Arc<Destination>>,
}

impl Health {
    /// The self-metrics (`datadog.dd_instrument.*`) of these counters.
    pub(super) fn self_metrics(&self) -> metrics::SelfMetrics {
        metrics::SelfMetrics::new(self.spans.clone(), self.metrics.clone())
    }

    fn stats(&self) -> ExportStats {
        let of = |destination: &Option<Arc<Destination>>| destination.as_ref().map(|d| d.stats()).unwrap_or_default();
        ExportStats { spans: of(&self.spans), metrics: of(&self.metrics), profiles: of(&self.profiles) }
    }

    /// Items lost so far, over every destination.
    fn lost(&self) -> u64 {
        [&self.spans, &self.metrics, &self.profiles].into_iter().flatten().map(|d| d.lost()).sum()
    }
}

struct Inner {
    tracer_provider: Option<SdkTracerProvider>,
    metrics: Option<metrics::Pipeline>,
    #[cfg(feature = "otlp")]
    otlp: crate::otlp::Transport,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("service", &self.config.service)
            .field("traces", &self.config.traces)
            .field("metrics", &self.config.metrics)
            .finish_non_exhaustive()
    }
}

impl Guard {
    /// A guard for what `start` started.
    pub(super) fn new(
        config: Resolved,
        tracer_provider: Option<SdkTracerProvider>,
        metrics: Option<metrics::Pipeline>,
        health: Health,
        #[cfg(feature = "otlp")] otlp: crate::otlp::Transport,
    ) -> Self {
        let inner = Inner {
            tracer_provider,
            metrics,
            #[cfg(feature = "otlp")]
            otlp,
        };
        Self { inner: Some(inner), config, health }
    }

    /// Logs where telemetry goes (one `INFO` line) and what `init` could not follow as
    /// configured (a `WARN` each), under the target `dd_instrument`.
    pub(super) fn announce(&self) {
        for notice in &self.config.notices {
            tracing::warn!(target: "dd_instrument", "{notice}");
        }
        tracing::info!(target: "dd_instrument", "{}", self.destinations());
    }

    /// The line saying where telemetry goes.
    pub(super) fn destinations(&self) -> String {
        let config = &self.config;
        let traces = super::start::traces_destination(config);
        let metrics = super::start::metrics_destination(config);
        let service = &config.service;
        let mut line = format!("dd-instrument: service `{}`", service.service);
        if let Some(env) = &service.env {
            let _ = write!(line, ", env `{env}`");
        }
        if let Some(version) = &service.version {
            let _ = write!(line, ", version `{version}`");
        }
        let _ = write!(line, "; traces to {traces}; metrics to {metrics}");
        if let Some(profiles) = &self.health.profiles {
            let _ = write!(line, "; profiles to {}", profiles.name());
        }
        let local = matches!(config.traces, TracesExporter::Otlp | TracesExporter::Datadog)
            || config.metrics == MetricsExporter::DogStatsd
            || config.metrics == MetricsExporter::Otlp;
        if local && !config.destination_configured {
            line.push_str(
                " (no Agent is configured, so these are the local defaults; without an Agent, \
                 OTEL_TRACES_EXPORTER=console and OTEL_METRICS_EXPORTER=console print telemetry instead)",
            );
        }
        line
    }

    /// Installs what the guard runs that belongs in OpenTelemetry's globals (the meter
    /// provider), once `init` or `build` succeeded.
    pub(super) fn install_globals(&self) {
        if let Some(metrics) = self.inner.as_ref().and_then(|inner| inner.metrics.as_ref()) {
            metrics.install_otel_global();
        }
    }

    /// Whether `init` logs JSON lines with trace ids (`DD_LOGS_INJECTION`).
    pub(super) fn logs_injection(&self) -> bool {
        self.config.logs_injection
    }

    /// The `tracing` layer that turns spans into OpenTelemetry spans for the configured
    /// exporter. Without trace export it does nothing.
    pub fn layer<S>(&self) -> impl Layer<S> + 'static
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
    {
        let provider = self.inner.as_ref().and_then(|inner| inner.tracer_provider.clone());
        // Our sampler drops the spans of dropped traces unless keep rules or span sampling rules
        // need them recorded; Datadog's SDK records them for its client-side stats.
        let skip_dropped = !self.config.keep.any() && self.config.traces != TracesExporter::Datadog;
        provider.map(|provider| {
            tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("dd-instrument"))
                // Location comes from static metadata: `code.file.path`, `code.line.number` and
                // `code.module.name` without allocating.
                .with_location(true)
                .with_threads(false)
                .with_target(false)
                .with_tracked_inactivity(false)
                .with_error_events_to_status(false)
                .with_error_events_to_exceptions(false)
                .with_filter(ExportFilter::new(skip_dropped))
        })
    }

    /// The unified service tags in effect.
    pub fn service_info(&self) -> &ServiceInfo {
        &self.config.service
    }

    /// Where traces go.
    pub fn traces_exporter(&self) -> &TracesExporter {
        &self.config.traces
    }

    /// Where metrics go.
    pub fn metrics_exporter(&self) -> &MetricsExporter {
        &self.config.metrics
    }

    /// Exports finished spans and pending metrics now, waiting at most the shutdown timeout.
    /// Returns `false` if something could not be exported in time, or if something was not
    /// delivered since the flush began (see [`stats`](Self::stats)).
    ///
    /// Code far from `main` that must flush (the end of a serverless invocation, say) reaches
    /// the guard through a `static`: it is `Send + Sync`.
    ///
    /// ```no_run
    /// use std::sync::OnceLock;
    ///
    /// static TELEMETRY: OnceLock<dd_instrument::Guard> = OnceLock::new();
    ///
    /// fn end_of_invocation() {
    ///     if let Some(telemetry) = TELEMETRY.get() {
    ///         telemetry.flush();
    ///     }
    /// }
    /// # let _ = TELEMETRY.set(dd_instrument::init()?);
    /// # end_of_invocation();
    /// # Ok::<(), dd_instrument::InitError>(())
    /// ```
    pub fn flush(&self) -> bool {
        let Some(inner) = &self.inner else { return true };
        let lost = self.health.lost();
        let spans = inner.tracer_provider.as_ref().is_none_or(|p| p.force_flush().is_ok());
        let metrics = inner.metrics.as_ref().is_none_or(metrics::Pipeline::flush);
        spans && metrics && self.health.lost() == lost
    }

    /// What the exporters delivered, dropped and failed so far, per destination (see
    /// [`ExportStats`]). Failures are also logged: a `WARN` under the target `dd_instrument` for
    /// each new kind of failure, then at most one per minute per destination.
    ///
    /// ```no_run
    /// let telemetry = dd_instrument::init()?;
    /// if !telemetry.flush() {
    ///     let stats = telemetry.stats();
    ///     eprintln!("spans lost: {}, metric points lost: {}",
    ///         stats.spans.failed + stats.spans.dropped, stats.metrics.failed + stats.metrics.dropped);
    /// }
    /// # Ok::<(), dd_instrument::InitError>(())
    /// ```
    pub fn stats(&self) -> ExportStats {
        self.health.stats()
    }
}

/// The part of the shutdown budget kept for metrics (at most a quarter of it).
const METRICS_RESERVE: Duration = Duration::from_millis(500);

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else { return };
        // One deadline for everything: spans, then metrics with what is left. A part of the
        // budget is kept for metrics (counts are what short-lived jobs are judged by), so
        // black-holed spans cannot take it all; nothing waits past the deadline.
        let timeout = self.config.shutdown_timeout;
        let deadline = Instant::now() + timeout;
        // The profiler cuts and sends its last profile meanwhile, on its own threads.
        #[cfg(feature = "profiling")]
        if self.health.profiles.is_some() {
            crate::profiling::begin_stop(deadline);
        }
        let reserve = if inner.metrics.is_some() { (timeout / 4).min(METRICS_RESERVE) } else { Duration::ZERO };
        if let Some(provider) = inner.tracer_provider {
            let _ = provider.shutdown_with_timeout(timeout.saturating_sub(reserve));
        }
        if let Some(metrics) = inner.metrics {
            metrics.shutdown(deadline.saturating_duration_since(Instant::now()));
            #[cfg(feature = "runtime-metrics")]
            crate::metrics::runtime_metrics::uninstall();
        }
        #[cfg(feature = "profiling")]
        if self.health.profiles.is_some() {
            crate::profiling::finish_stop(deadline);
        }
        // Then the OTLP transport, last: its runtime carried the exports above.
        #[cfg(feature = "otlp")]
        drop(inner.otlp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guard_can_be_shared_across_threads() {
        // So an application can keep it in a `static` and flush from anywhere.
        fn shared<T: Send + Sync + 'static>() {}
        shared::<Guard>();
    }
}
