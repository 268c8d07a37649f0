//! [`Builder`]: the settings given in code, and the two ways to start: [`Builder::build`] and
//! [`Builder::init`].

use std::time::Duration;

use opentelemetry_sdk::trace::{SpanExporter, SpanProcessor};

use super::guard::Guard;
use super::{DEFAULT_FLUSH_INTERVAL, DEFAULT_SHUTDOWN_TIMEOUT, start};
use crate::config::env::ProcessEnv;
use crate::config::{
    self, CodeSettings, DogStatsdAddr, EnvSource, InitError, MetricsExporter, OtlpProtocol, TracesExporter,
};
use crate::metrics::Sink;
use crate::metrics::console::ConsoleSink;
use crate::trace::{AddedProcessor, InstalledPropagator};

/// Configuration in code. Every setting given here wins over the environment; everything not
/// given is read from it (see [`env`](crate::env) for the variables and their defaults).
///
/// ```no_run
/// use std::time::Duration;
/// use dd_instrument::{MetricsExporter, TracesExporter};
///
/// let _telemetry = dd_instrument::builder()
///     .service("checkout")
///     .version(env!("CARGO_PKG_VERSION"))
///     .tag("team:payments")
///     // Print to the console when no Datadog Agent or collector is configured.
///     .fallback_traces_exporter(TracesExporter::Console)
///     .fallback_metrics_exporter(MetricsExporter::Console)
///     .flush_interval(Duration::from_secs(5))
///     .init()?;
/// # Ok::<(), dd_instrument::InitError>(())
/// ```
#[must_use]
pub struct Builder {
    code: CodeSettings,
    source: Box<dyn EnvSource>,
    span_processors: Vec<AddedProcessor>,
    flush_interval: Duration,
    shutdown_timeout: Duration,
    logs: bool,
    metrics_out: Option<Box<dyn Sink>>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("code", &self.code)
            .field("flush_interval", &self.flush_interval)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("logs", &self.logs)
            .finish_non_exhaustive()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            code: CodeSettings::default(),
            source: Box::new(ProcessEnv),
            span_processors: Vec::new(),
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            logs: true,
            metrics_out: None,
        }
    }
}

impl Builder {
    /// The service name (`service` tag, `service.name` resource attribute).
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.code.service = Some(service.into());
        self
    }

    /// The deployment environment (`env` tag).
    pub fn env(mut self, env: impl Into<String>) -> Self {
        self.code.env = Some(env.into());
        self
    }

    /// The application version (`version` tag).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.code.version = Some(version.into());
        self
    }

    /// Adds a `key:value` tag to every span and metric, after `DD_TAGS`. Normalized by
    /// Datadog's rules; a tag with no letter at all is an [`InitError::InvalidSetting`].
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.code.tags.push(tag.into());
        self
    }

    /// Where traces go, whatever the environment says.
    pub fn traces_exporter(mut self, exporter: TracesExporter) -> Self {
        self.code.traces = Some(exporter);
        self
    }

    /// Where metrics go, whatever the environment says.
    pub fn metrics_exporter(mut self, exporter: MetricsExporter) -> Self {
        self.code.metrics = Some(exporter);
        self
    }

    /// Where traces go when the environment names no exporter and no Agent or collector
    /// (no `OTEL_TRACES_EXPORTER`, `DD_AGENT_HOST`, `OTEL_EXPORTER_OTLP_*ENDPOINT`, DogStatsD
    /// address). Lets an example print to the console on a laptop and export in production.
    pub fn fallback_traces_exporter(mut self, exporter: TracesExporter) -> Self {
        self.code.fallback_traces = Some(exporter);
        self
    }

    /// Where metrics go when the environment names no exporter and no Agent or collector.
    pub fn fallback_metrics_exporter(mut self, exporter: MetricsExporter) -> Self {
        self.code.fallback_metrics = Some(exporter);
        self
    }

    /// Fraction of traces kept, from `0.0` to `1.0` (parent-based). Metrics are never sampled.
    pub fn sample_rate(mut self, rate: f64) -> Self {
        self.code.sample_rate = Some(rate);
        self
    }

    /// The DogStatsD address.
    pub fn dogstatsd(mut self, addr: DogStatsdAddr) -> Self {
        self.code.dogstatsd = Some(addr);
        self
    }

    /// The Datadog trace Agent for native export: `http://host:8126` or `unix:///path/apm.socket`
    /// (with the `datadog` feature). Selects native export unless the exporter is set otherwise.
    pub fn trace_agent_url(mut self, url: impl Into<String>) -> Self {
        self.code.trace_agent_url = Some(url.into());
        self
    }

    /// Base URL of the OTLP receiver (`http://host:4318` for HTTP, `http://host:4317` for gRPC).
    pub fn otlp_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.code.otlp_endpoint = Some(endpoint.into());
        self
    }

    /// OTLP transport for traces and metrics.
    pub fn otlp_protocol(mut self, protocol: OtlpProtocol) -> Self {
        self.code.otlp_protocol = Some(protocol);
        self
    }

    /// Also sends spans to `exporter`, through a batch processor.
    pub fn span_exporter<E: SpanExporter + 'static>(mut self, exporter: E) -> Self {
        self.span_processors.push(AddedProcessor::exporter(exporter));
        self
    }

    /// Also sends spans through `processor` (for example a `SimpleSpanProcessor` in tests).
    pub fn span_processor<P: SpanProcessor + 'static>(mut self, processor: P) -> Self {
        self.span_processors.push(AddedProcessor::processor(processor));
        self
    }

    /// Adds a sampling rule, after the ones added before; rules given in code replace
    /// `DD_TRACE_SAMPLING_RULES`. The first rule that matches a new trace decides.
    pub fn sampling_rule(mut self, rule: crate::SamplingRule) -> Self {
        self.code.sampling_rules.push(rule);
        self
    }

    /// Keeps whole local traces that contain an error (a span with an error status) even when
    /// the trace sampler dropped them; `DD_INSTRUMENT_KEEP_ERRORS`. OTLP and console export.
    ///
    /// ```
    /// // Sample 10% of traces, but never lose one with an error.
    /// let _telemetry = dd_instrument::builder().sample_rate(0.1).keep_errors(true);
    /// ```
    pub fn keep_errors(mut self, keep: bool) -> Self {
        self.code.keep_errors = Some(keep);
        self
    }

    /// Keeps whole local traces whose local root lasted at least `threshold` even when the trace
    /// sampler dropped them (zero turns it off); `DD_INSTRUMENT_KEEP_SLOW_MS`. OTLP and console
    /// export.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// // Sample 10% of traces, but keep every request slower than half a second.
    /// let _telemetry = dd_instrument::builder().sample_rate(0.1).keep_slow(Duration::from_millis(500));
    /// ```
    pub fn keep_slow(mut self, threshold: std::time::Duration) -> Self {
        self.code.keep_slow = Some(threshold);
        self
    }

    /// Adds a span sampling rule, after the ones added before; rules given in code replace
    /// `DD_SPAN_SAMPLING_RULES`. See [`SpanSamplingRule`](crate::SpanSamplingRule).
    pub fn span_sampling_rule(mut self, rule: crate::SpanSamplingRule) -> Self {
        self.code.span_sampling_rules.push(rule);
        self
    }

    /// Sends runtime metrics every 10 s (`runtime.rust.*`: CPU, memory, file descriptors,
    /// threads, and the tokio runtime `build`/`init` runs in); `DD_RUNTIME_METRICS_ENABLED`.
    /// Needs the `runtime-metrics` feature (on by default) and a metrics exporter.
    ///
    /// ```
    /// let _telemetry = dd_instrument::builder().runtime_metrics(true);
    /// ```
    pub fn runtime_metrics(mut self, enabled: bool) -> Self {
        self.code.runtime_metrics = Some(enabled);
        self
    }

    /// Continuous profiling: CPU samples of every thread, uploaded every minute as a pprof
    /// profile to the Datadog Agent, and flushed when the guard drops (see
    /// the `profiling` module); `DD_PROFILING_ENABLED`. Needs the `profiling` feature:
    /// without it, turning profiling on logs a warning and nothing else happens.
    ///
    /// ```
    /// let _telemetry = dd_instrument::builder().profiling(true);
    /// ```
    pub fn profiling(mut self, enabled: bool) -> Self {
        self.code.profiling = Some(enabled);
        self
    }

    /// CPU samples per second of CPU time the profiler takes, from 1 to 1000; a value outside
    /// is an [`InitError`]. Default: `DD_INSTRUMENT_PROFILING_HZ`, else 99.
    pub fn profiling_hz(mut self, hz: u32) -> Self {
        self.code.profiling_hz = Some(hz);
        self
    }

    /// Time covered by one uploaded profile, more than zero and at most an hour. Default:
    /// `DD_PROFILING_UPLOAD_PERIOD` (seconds), else 60 s.
    pub fn profiling_upload_period(mut self, period: Duration) -> Self {
        self.code.profiling_period = Some(period);
        self
    }

    /// Whether [`init`](Self::init) and [`build`](Self::build) install a global OpenTelemetry
    /// `MeterProvider` exporting `opentelemetry::global::meter(..)` instruments through the
    /// metrics exporter (feature `otel-metrics`, on by default; see
    /// [`metrics`](crate::metrics#opentelemetry-instruments)). Turn it off when the application
    /// installs its own provider. Default: `DD_INSTRUMENT_OTEL_METRICS`, else `true` (installed
    /// when a metrics exporter runs).
    ///
    /// ```
    /// let _telemetry = dd_instrument::builder().otel_metrics(false);
    /// ```
    pub fn otel_metrics(mut self, enabled: bool) -> Self {
        self.code.otel_metrics = Some(enabled);
        self
    }

    /// Most traces per second kept by sampling rules and the sample rate. Default: 100.
    pub fn rate_limit(mut self, traces_per_second: f64) -> Self {
        self.code.rate_limit = Some(traces_per_second);
        self
    }

    /// Trace context header styles, for incoming and outgoing requests alike. Default:
    /// `DD_TRACE_PROPAGATION_STYLE*`, else Datadog then W3C Trace Context.
    pub fn propagation(mut self, styles: Vec<crate::propagation::PropagationStyle>) -> Self {
        self.code.propagation = Some(styles);
        self
    }

    /// Whether [`init`](Self::init) logs JSON lines carrying the current trace and span ids
    /// (Datadog log correlation) instead of human-readable lines. Default: `DD_LOGS_INJECTION`.
    pub fn logs_injection(mut self, enabled: bool) -> Self {
        self.code.logs_injection = Some(enabled);
        self
    }

    /// Whether the exporters' own counters (what [`Guard::stats`] returns) are also sent as
    /// metrics, `datadog.dd_instrument.spans.*` and `datadog.dd_instrument.points.*`, through
    /// the metrics exporter. Default: `DD_INSTRUMENT_HEALTH_METRICS`, else `false`.
    pub fn health_metrics(mut self, enabled: bool) -> Self {
        self.code.health_metrics = Some(enabled);
        self
    }

    /// Time between two metric flushes. Default: [`DEFAULT_FLUSH_INTERVAL`].
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval;
        self
    }

    /// Bound on how long dropping the guard may take when an exporter is unreachable.
    /// Default: [`DEFAULT_SHUTDOWN_TIMEOUT`].
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Whether [`init`](Self::init) also installs a human-readable log layer on standard error,
    /// filtered by `RUST_LOG` (default `info`). Default: `true`.
    pub fn logs(mut self, enabled: bool) -> Self {
        self.logs = enabled;
        self
    }

    /// Reads configuration from `source` instead of the process environment.
    pub fn env_source(mut self, source: impl EnvSource + 'static) -> Self {
        self.source = Box::new(source);
        self
    }

    /// Writes console metrics to `out` instead of standard error (with
    /// [`MetricsExporter::Console`]).
    pub fn console_output(mut self, out: impl std::io::Write + Send + 'static) -> Self {
        self.metrics_out = Some(Box::new(ConsoleSink::new(Box::new(out), &[])));
        self
    }

    /// What is scrubbed from everything the crate sends (tag values, error messages and
    /// stacks, panic messages, resources computed at run time, log fields): see
    /// [`Redaction`](crate::Redaction). `DD_INSTRUMENT_REDACT` still applies on top, so an
    /// operator can turn detectors on or off. Default: [`Redaction::default()`](crate::Redaction),
    /// card numbers, email addresses and credentials in URLs.
    ///
    /// The first builder that starts sets the redaction of the process; later ones keep it.
    ///
    /// ```no_run
    /// use dd_instrument::{Detector, Redaction};
    ///
    /// let _telemetry = dd_instrument::builder()
    ///     .redaction(Redaction::default().enable(Detector::KvSecrets).allow_key("build.id"))
    ///     .init()?;
    /// # Ok::<(), dd_instrument::InitError>(())
    /// ```
    pub fn redaction(mut self, redaction: crate::Redaction) -> Self {
        self.code.redaction = Some(redaction);
        self
    }

    /// Starts the exporters without touching global `tracing` state: add
    /// [`Guard::layer`] to your own subscriber.
    ///
    /// ```no_run
    /// use tracing_subscriber::prelude::*;
    ///
    /// let telemetry = dd_instrument::builder().build()?;
    /// tracing_subscriber::registry().with(telemetry.layer()).with(tracing_subscriber::fmt::layer()).init();
    /// # Ok::<(), dd_instrument::InitError>(())
    /// ```
    pub fn build(self) -> Result<Guard, InitError> {
        let (guard, propagator, redaction) = self.start()?;
        install_propagator(propagator);
        guard.install_globals();
        crate::redact::install(redaction);
        guard.announce();
        Ok(guard)
    }

    /// Resolves the configuration and starts what it asks for; installs nothing global.
    fn start(self) -> Result<(Guard, Option<crate::trace::BoxedPropagator>, crate::Redaction), InitError> {
        let config = config::resolve(&self.code, &*self.source, self.flush_interval, self.shutdown_timeout)?;
        let redaction = config.redaction.clone();
        let (guard, propagator) = start::start(config, self.span_processors, self.metrics_out)?;
        Ok((guard, propagator, redaction))
    }

    /// Starts spans only, into `processor`, with no exporter and nothing installed globally:
    /// the span side of a [`testing`](crate::testing) capture.
    pub(crate) fn start_capture(
        mut self,
        processor: impl SpanProcessor + 'static,
    ) -> Result<(Guard, Option<crate::propagation::SharedPropagator>), InitError> {
        self.code.traces = Some(TracesExporter::None);
        self.code.metrics = Some(MetricsExporter::None);
        self.span_processors.push(AddedProcessor::processor(processor));
        let (guard, propagator, _) = self.start()?;
        Ok((guard, propagator.map(crate::propagation::SharedPropagator::from)))
    }

    /// Starts the exporters and installs the global `tracing` subscriber: the trace layer, plus
    /// a human-readable log layer unless [`logs(false)`](Self::logs).
    pub fn init(self) -> Result<Guard, InitError> {
        use tracing_subscriber::prelude::*;

        use tracing_subscriber::filter::{FilterExt as _, filter_fn};

        let log_filter = if self.logs { Some(log_filter()?) } else { None };
        // Nothing global changes unless everything succeeds: the propagator is installed last,
        // once the subscriber is.
        let (guard, propagator, redaction) = self.start()?;
        let (human, json) = match log_filter {
            None => (None, None),
            Some(filter) if guard.logs_injection() => {
                // The layer finds the ids of the current exported span itself: the level filter
                // only chooses which events to log.
                let layer = crate::logs::json_layer(guard.service_info()).with_writer(std::io::stderr);
                (None, Some(layer.with_filter(filter)))
            }
            Some(filter) => {
                // Our spans carry Datadog attributes, not log context: keep them out of log lines.
                let ours = filter_fn(|meta| !(meta.is_span() && meta.fields().field("operation.name").is_some()));
                // Colours only for a person at a terminal: piped into a file or a log collector,
                // escape codes are noise (and `NO_COLOR` turns them off, as everywhere).
                let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
                    && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
                let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(ansi);
                (Some(layer.with_filter(filter.and(ours))), None)
            }
        };
        tracing_subscriber::registry()
            .with(guard.layer())
            .with(human)
            .with(json)
            .try_init()
            .map_err(|_| InitError::SubscriberAlreadySet)?;
        install_propagator(propagator);
        guard.install_globals();
        crate::redact::install(redaction);
        guard.announce();
        Ok(guard)
    }
}

/// Makes `propagator` the global one (used by `propagation::inject*`/`extract*` and the HTTP
/// layers), if trace export made one.
fn install_propagator(propagator: Option<crate::trace::BoxedPropagator>) {
    if let Some(propagator) = propagator {
        opentelemetry::global::set_text_map_propagator(InstalledPropagator(propagator));
    }
}

/// The log level filter: `RUST_LOG`, else `info` (with the chatter of Datadog's SDK runtime kept
/// to errors).
fn log_filter() -> Result<tracing_subscriber::EnvFilter, InitError> {
    let directives = std::env::var("RUST_LOG").unwrap_or_default();
    let directives =
        if directives.trim().is_empty() { "info,libdd_shared_runtime=error".to_owned() } else { directives };
    tracing_subscriber::EnvFilter::try_new(&directives).map_err(|e| InitError::InvalidEnv {
        variable: "RUST_LOG",
        value: directives.clone(),
        reason: e.to_string(),
    })
}
