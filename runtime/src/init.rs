//! Setting up once in `main`: [`init`], [`Builder`] and the [`Guard`] that flushes on drop.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter, SpanProcessor};
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

use crate::config::{
    self, CodeSettings, DogStatsdAddr, InitError, MetricsExporter, OtlpProtocol, Resolved, ServiceInfo, TracesExporter,
};
use crate::env::{EnvSource, ProcessEnv};
use crate::metrics::{self, Flusher, Sink};
use crate::trace::{self, AddedProcessor};

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

/// Flushes the metrics of the running [`Guard`], if any, and waits for the export (at most the
/// guard's shutdown timeout). Returns `false` when there is no guard or the export timed out.
///
/// Spans are flushed by [`Guard::flush`].
pub fn flush() -> bool {
    let active = ACTIVE.lock().unwrap_or_else(PoisonError::into_inner).as_ref().and_then(Weak::upgrade);
    active.is_some_and(|pipeline| pipeline.flush())
}

/// The metrics pipeline of the running guard, for [`flush`].
static ACTIVE: Mutex<Option<Weak<MetricsPipeline>>> = Mutex::new(None);

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
        self.metrics_out = Some(Box::new(metrics::console::ConsoleSink::new(Box::new(out), &[])));
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
        let config = config::resolve(&self.code, &*self.source, self.flush_interval, self.shutdown_timeout)?;
        let runtime = Runtime::for_config(&config)?;
        let traces = trace::provider(&config, self.span_processors, runtime.as_ref())?;
        if let Some(propagator) = traces.propagator {
            opentelemetry::global::set_text_map_propagator(trace::InstalledPropagator(propagator));
        }
        let tracer_provider = traces.provider;
        let metrics = start_metrics(&config, self.metrics_out, runtime.as_ref())?;
        Ok(Guard { inner: Some(Inner { tracer_provider, metrics, runtime }), config })
    }

    /// Starts the exporters and installs the global `tracing` subscriber: the trace layer, plus
    /// a human-readable log layer unless [`logs(false)`](Self::logs).
    pub fn init(self) -> Result<Guard, InitError> {
        use tracing_subscriber::prelude::*;

        use tracing_subscriber::filter::{FilterExt as _, filter_fn};

        let log_filter = if self.logs { Some(log_filter()?) } else { None };
        let guard = self.build()?;
        let (human, json) = match log_filter {
            None => (None, None),
            Some(filter) if guard.config.logs_injection => {
                // The layer finds the ids of the current exported span itself: the level filter
                // only chooses which events to log.
                let layer = crate::logs::json_layer(&guard.config.service).with_writer(std::io::stderr);
                (None, Some(layer.with_filter(filter)))
            }
            Some(filter) => {
                // Our spans carry Datadog attributes, not log context: keep them out of log lines.
                let ours = filter_fn(|meta| !(meta.is_span() && meta.fields().field("operation.name").is_some()));
                (
                    Some(tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter.and(ours))),
                    None,
                )
            }
        };
        tracing_subscriber::registry()
            .with(guard.layer())
            .with(human)
            .with(json)
            .try_init()
            .map_err(|_| InitError::SubscriberAlreadySet)?;
        Ok(guard)
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

/// Keeps the exporters running; dropping it flushes spans and metrics and shuts everything down
/// within the shutdown timeout, even when the Agent is unreachable.
#[must_use = "dropping the guard shuts telemetry down"]
pub struct Guard {
    inner: Option<Inner>,
    config: Resolved,
}

struct Inner {
    tracer_provider: Option<SdkTracerProvider>,
    metrics: Option<Arc<MetricsPipeline>>,
    runtime: Option<Runtime>,
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
    /// The `tracing` layer that turns spans into OpenTelemetry spans for the configured
    /// exporter. Without trace export it does nothing.
    pub fn layer<S>(&self) -> impl Layer<S> + 'static
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
    {
        let provider = self.inner.as_ref().and_then(|inner| inner.tracer_provider.clone());
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
                .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
                    meta.is_span() && *meta.level() <= tracing::Level::INFO
                }))
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
    /// Returns `false` if something could not be exported in time.
    pub fn flush(&self) -> bool {
        let Some(inner) = &self.inner else { return true };
        let spans = inner.tracer_provider.as_ref().is_none_or(|p| p.force_flush().is_ok());
        let metrics = inner.metrics.as_ref().is_none_or(|m| m.flush());
        spans && metrics
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else { return };
        // One budget for everything: spans, then metrics with what is left (at least a little,
        // since metric counts are what short-lived jobs are judged by).
        let deadline = std::time::Instant::now() + self.config.shutdown_timeout;
        if let Some(provider) = inner.tracer_provider {
            let _ = provider.shutdown_with_timeout(self.config.shutdown_timeout);
        }
        if let Some(metrics) = inner.metrics {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            metrics.shutdown(left.max(Duration::from_millis(200)));
        }
        if let Some(runtime) = inner.runtime {
            runtime.shutdown();
        }
    }
}

/// The running metrics exporter.
#[derive(Debug)]
pub(crate) struct MetricsPipeline {
    flusher: Mutex<Flusher>,
    timeout: Duration,
}

impl MetricsPipeline {
    fn flush(&self) -> bool {
        self.flusher.lock().unwrap_or_else(PoisonError::into_inner).flush(self.timeout)
    }

    fn shutdown(&self, timeout: Duration) {
        let mut active = ACTIVE.lock().unwrap_or_else(PoisonError::into_inner);
        *active = None;
        metrics::site::set_enabled(false);
        drop(active);
        self.flusher.lock().unwrap_or_else(PoisonError::into_inner).shutdown(timeout);
    }
}

fn start_metrics(
    config: &Resolved,
    custom_out: Option<Box<dyn Sink>>,
    #[cfg_attr(not(feature = "otlp"), allow(unused_variables))] runtime: Option<&Runtime>,
) -> Result<Option<Arc<MetricsPipeline>>, InitError> {
    let tags = config.service.metric_tags();
    let sink: Box<dyn Sink> = match &config.metrics {
        MetricsExporter::None => return Ok(None),
        MetricsExporter::DogStatsd => Box::new(metrics::dogstatsd::DogStatsdSink::new(&config.dogstatsd, &tags)),
        MetricsExporter::Console => match custom_out {
            Some(sink) => sink,
            None => Box::new(metrics::console::ConsoleSink::new(Box::new(std::io::stderr()), &tags)),
        },
        MetricsExporter::Otlp => {
            #[cfg(feature = "otlp")]
            {
                Box::new(metrics::otlp::OtlpSink::new(&config.otlp_metrics, &config.service, runtime)?)
            }
            #[cfg(not(feature = "otlp"))]
            {
                return Err(InitError::FeatureDisabled { what: "OTLP metric export", feature: "otlp" });
            }
        }
    };
    let mut active = ACTIVE.lock().unwrap_or_else(PoisonError::into_inner);
    if active.as_ref().is_some_and(|weak| weak.strong_count() > 0) {
        return Err(InitError::AlreadyRunning);
    }
    let flusher = Flusher::start(sink, config.flush_interval).map_err(|e| InitError::Exporter {
        exporter: "metrics",
        message: format!("could not start the flush thread: {e}"),
    })?;
    let pipeline = Arc::new(MetricsPipeline { flusher: Mutex::new(flusher), timeout: config.shutdown_timeout });
    *active = Some(Arc::downgrade(&pipeline));
    metrics::site::set_enabled(true);
    Ok(Some(pipeline))
}

/// A small Tokio runtime of our own for the gRPC exporters, so they work whether or not the
/// application runs Tokio, and never compete with its tasks.
#[derive(Debug)]
pub(crate) struct Runtime {
    #[cfg(feature = "otlp")]
    pub(crate) inner: tokio::runtime::Runtime,
}

impl Runtime {
    #[cfg_attr(not(feature = "otlp"), allow(clippy::unnecessary_wraps, unused_variables))]
    fn for_config(config: &Resolved) -> Result<Option<Self>, InitError> {
        #[cfg(feature = "otlp")]
        {
            let grpc_traces =
                config.traces == TracesExporter::Otlp && config.otlp_traces.protocol == OtlpProtocol::Grpc;
            let grpc_metrics =
                config.metrics == MetricsExporter::Otlp && config.otlp_metrics.protocol == OtlpProtocol::Grpc;
            if !(grpc_traces || grpc_metrics) {
                return Ok(None);
            }
            let inner = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("dd-instrument-otlp")
                .enable_all()
                .build()
                .map_err(|e| InitError::Exporter {
                    exporter: "OTLP gRPC",
                    message: format!("could not start its runtime: {e}"),
                })?;
            Ok(Some(Self { inner }))
        }
        #[cfg(not(feature = "otlp"))]
        {
            Ok(None)
        }
    }

    #[cfg_attr(not(feature = "otlp"), allow(clippy::unused_self, reason = "nothing to stop without OTLP"))]
    fn shutdown(self) {
        #[cfg(feature = "otlp")]
        // Never blocks, so it is safe inside the application's own async context.
        self.inner.shutdown_background();
    }
}

#[cfg(feature = "otlp")]
pub(crate) fn otlp_span_exporter(
    target: &crate::config::OtlpTarget,
    runtime: Option<&Runtime>,
) -> Result<opentelemetry_otlp::SpanExporter, InitError> {
    use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _, WithTonicConfig as _};

    let failed = |e: opentelemetry_otlp::ExporterBuildError| InitError::Exporter {
        exporter: "OTLP span",
        message: e.to_string(),
    };
    match target.protocol {
        OtlpProtocol::HttpProtobuf => opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(target.endpoint.clone())
            .with_headers(target.headers.iter().cloned().collect())
            .build()
            .map_err(failed),
        OtlpProtocol::Grpc => {
            let runtime = runtime.expect("a runtime is created for gRPC export");
            let _entered = runtime.inner.enter();
            let mut metadata = tonic::metadata::MetadataMap::new();
            for (key, value) in &target.headers {
                if let (Ok(key), Ok(value)) = (
                    tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
                    tonic::metadata::MetadataValue::try_from(value.as_str()),
                ) {
                    metadata.insert(key, value);
                }
            }
            opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(target.endpoint.clone())
                .with_metadata(metadata)
                .build()
                .map_err(failed)
        }
    }
}
