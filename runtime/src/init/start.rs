//! Starting what the resolved configuration asks for: the assembly of the parts.

use std::sync::Arc;

use super::guard::{Guard, Health};
use crate::config::{InitError, MetricsExporter, OtlpTarget, Resolved, TracesExporter};
use crate::health::Destination;
use crate::metrics::{self, Sink};
use crate::trace::{self, AddedProcessor, BoxedPropagator, SpanExport};

/// What warnings about an unreachable destination add when no Agent is configured.
const CONSOLE_HINT: &str = "no Agent is configured, so this is the local default; without an Agent, \
                            OTEL_TRACES_EXPORTER=console and OTEL_METRICS_EXPORTER=console print telemetry instead";

/// Where traces go, as said at start and in warnings.
pub(super) fn traces_destination(config: &Resolved) -> String {
    match &config.traces {
        TracesExporter::Otlp => otlp_destination(&config.otlp_traces),
        TracesExporter::Datadog => format!(
            "the Datadog Agent at {}",
            config.trace_agent_url.as_deref().unwrap_or("http://localhost:8126 (or its socket, if present)")
        ),
        TracesExporter::Console => "the console (standard error)".to_owned(),
        TracesExporter::None => "nowhere".to_owned(),
    }
}

/// Where metrics go, as said at start and in warnings.
pub(super) fn metrics_destination(config: &Resolved) -> String {
    match &config.metrics {
        MetricsExporter::DogStatsd => format!("DogStatsD {}", config.dogstatsd),
        MetricsExporter::Otlp => otlp_destination(&config.otlp_metrics),
        MetricsExporter::Console => "the console (standard error)".to_owned(),
        MetricsExporter::None => "nowhere".to_owned(),
    }
}

/// `OTLP/HTTP http://localhost:4318/v1/traces`.
fn otlp_destination(target: &OtlpTarget) -> String {
    let protocol = match target.protocol {
        crate::config::OtlpProtocol::Grpc => "gRPC",
        crate::config::OtlpProtocol::HttpProtobuf => "HTTP",
    };
    format!("OTLP/{protocol} {}", target.endpoint)
}

/// Starts the trace export, with `added` processors, and the metrics pipeline (`console_out`:
/// the sink of [`Builder::console_output`](crate::Builder::console_output), if set). Returns
/// the guard and the propagator that matches the trace sampler, for the caller to install.
pub(super) fn start(
    config: Resolved,
    added: Vec<AddedProcessor>,
    console_out: Option<Box<dyn Sink>>,
) -> Result<(Guard, Option<BoxedPropagator>), InitError> {
    #[cfg(feature = "otlp")]
    let mut otlp = crate::otlp::Transport::default();
    let hint = (!config.destination_configured).then(|| CONSOLE_HINT.to_owned());
    let mut health = Health::default();
    let export = match &config.traces {
        TracesExporter::None => SpanExport::None,
        TracesExporter::Console => SpanExport::Console,
        #[cfg(feature = "datadog")]
        TracesExporter::Datadog => SpanExport::Datadog,
        #[cfg(not(feature = "datadog"))]
        TracesExporter::Datadog => {
            return Err(InitError::FeatureDisabled {
                what: "native trace export to the Datadog Agent",
                feature: "datadog",
            });
        }
        TracesExporter::Otlp => {
            #[cfg(feature = "otlp")]
            {
                let exporter = otlp.span_exporter(&config.otlp_traces)?;
                let destination = Destination::new("spans", traces_destination(&config), hint.clone());
                health.spans = Some(Arc::clone(&destination));
                SpanExport::Processor(AddedProcessor::counted(exporter, destination, config.span_queue_size))
            }
            #[cfg(not(feature = "otlp"))]
            {
                return Err(InitError::FeatureDisabled { what: "OTLP trace export", feature: "otlp" });
            }
        }
    };
    let traces = trace::provider(&config, export, added);
    let mut metrics_health = || {
        let destination = Destination::new("metric points", metrics_destination(&config), hint.clone());
        health.metrics = Some(Arc::clone(&destination));
        destination
    };
    let sink: Option<Box<dyn Sink>> = match &config.metrics {
        MetricsExporter::None => None,
        MetricsExporter::DogStatsd => Some(Box::new(metrics::dogstatsd::DogStatsdSink::new(
            &config.dogstatsd,
            &config.service.metric_tags(),
            config.service.external_env.as_deref(),
            metrics_health(),
        ))),
        MetricsExporter::Console => Some(console_out.unwrap_or_else(|| {
            Box::new(metrics::console::ConsoleSink::new(Box::new(std::io::stderr()), &config.service.metric_tags()))
        })),
        MetricsExporter::Otlp => {
            #[cfg(feature = "otlp")]
            {
                let client = otlp.metrics_client(&config.otlp_metrics)?;
                Some(Box::new(metrics::otlp::OtlpSink::new(client, &config.service, metrics_health())))
            }
            #[cfg(not(feature = "otlp"))]
            {
                return Err(InitError::FeatureDisabled { what: "OTLP metric export", feature: "otlp" });
            }
        }
    };
    let self_metrics = config.health_metrics.then(|| health.self_metrics());
    let metrics = match sink {
        Some(sink) => {
            Some(metrics::Pipeline::start(sink, config.flush_interval, config.shutdown_timeout, self_metrics)?)
        }
        None => None,
    };
    // The OpenTelemetry meter provider, read by the pipeline's flusher (installed globally by
    // the builder once everything started).
    #[cfg(feature = "otel-metrics")]
    let metrics = metrics.map(|mut pipeline| {
        if config.otel_metrics {
            pipeline.start_otel(health.metrics.clone());
        }
        pipeline
    });
    if config.runtime_metrics {
        start_runtime_metrics(metrics.is_some());
    }
    if let Some(settings) = config.profiling {
        health.profiles = start_profiling(settings, &config, hint);
    }
    #[cfg(feature = "otlp")]
    let guard = Guard::new(config, traces.provider, metrics, health, otlp);
    #[cfg(not(feature = "otlp"))]
    let guard = Guard::new(config, traces.provider, metrics, health);
    Ok((guard, traces.propagator))
}

/// Starts sampling runtime metrics, with the tokio runtime this runs in, if any.
fn start_runtime_metrics(exported: bool) {
    if !exported {
        tracing::warn!(target: "dd_instrument", "runtime metrics are on but metrics export is off: none are sent");
        return;
    }
    #[cfg(feature = "runtime-metrics")]
    metrics::runtime_metrics::install(tokio::runtime::Handle::try_current().ok());
    #[cfg(not(feature = "runtime-metrics"))]
    tracing::warn!(
        target: "dd_instrument",
        "DD_RUNTIME_METRICS_ENABLED needs the `runtime-metrics` feature of dd-instrument: no runtime metrics are sent"
    );
}

/// Starts continuous profiling; `None` (and a warning) when it cannot run.
#[cfg(feature = "profiling")]
fn start_profiling(
    settings: crate::config::ProfilingSettings,
    config: &Resolved,
    hint: Option<String>,
) -> Option<Arc<Destination>> {
    let agent = config.trace_agent_url.clone().unwrap_or_else(crate::profiling::Target::default_agent);
    let destination = Destination::new("profiles", crate::profiling::Target::of_agent(&agent).describe(), hint);
    match crate::profiling::start(settings, &config.service, &agent, Arc::clone(&destination)) {
        Ok(()) => Some(destination),
        Err(reason) => {
            tracing::warn!(target: "dd_instrument", "profiling is on but cannot run: {reason}; no profiles are sent");
            None
        }
    }
}

/// Without the `profiling` feature: says so once (a platform may set `DD_PROFILING_ENABLED` for
/// every service), and runs on.
#[cfg(not(feature = "profiling"))]
fn start_profiling(_: crate::config::ProfilingSettings, _: &Resolved, _: Option<String>) -> Option<Arc<Destination>> {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!(
            target: "dd_instrument",
            "DD_PROFILING_ENABLED needs the `profiling` feature of dd-instrument: no profiles are sent"
        );
    }
    None
}

#[cfg(all(test, not(feature = "profiling")))]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::prelude::*;

    #[derive(Clone, Default)]
    struct Warnings(Arc<Mutex<Vec<String>>>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Warnings {
        fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
            struct Message(String);
            impl tracing::field::Visit for Message {
                fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                    if field.name() == "message" {
                        self.0 = format!("{value:?}");
                    }
                }
            }
            if *event.metadata().level() == tracing::Level::WARN {
                let mut message = Message(String::new());
                event.record(&mut message);
                self.0.lock().unwrap().push(format!("{} {}", event.metadata().target(), message.0));
            }
        }
    }

    #[test]
    fn profiling_asked_of_a_build_without_the_feature_warns_and_runs_on() {
        let env = BTreeMap::from([
            ("DD_PROFILING_ENABLED".to_owned(), "true".to_owned()),
            ("OTEL_TRACES_EXPORTER".to_owned(), "none".to_owned()),
            ("OTEL_METRICS_EXPORTER".to_owned(), "none".to_owned()),
        ]);
        let warnings = Warnings::default();
        let guard = tracing::subscriber::with_default(tracing_subscriber::registry().with(warnings.clone()), || {
            crate::builder().env_source(env).build().expect("the service starts without profiles")
        });
        assert_eq!(
            *warnings.0.lock().unwrap(),
            ["dd_instrument DD_PROFILING_ENABLED needs the `profiling` feature of dd-instrument: no profiles are sent"]
        );
        assert_eq!(guard.stats().profiles, crate::DestinationStats::default());
    }
}
