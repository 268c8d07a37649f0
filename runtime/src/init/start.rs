//! Starting what the resolved configuration asks for: the assembly of the parts.

use super::guard::Guard;
use crate::config::{InitError, MetricsExporter, Resolved, TracesExporter};
use crate::metrics::{self, Sink};
use crate::trace::{self, AddedProcessor, BoxedPropagator, SpanExport};

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
                SpanExport::Processor(AddedProcessor::exporter(exporter))
            }
            #[cfg(not(feature = "otlp"))]
            {
                return Err(InitError::FeatureDisabled { what: "OTLP trace export", feature: "otlp" });
            }
        }
    };
    let traces = trace::provider(&config, export, added);
    let sink: Option<Box<dyn Sink>> = match &config.metrics {
        MetricsExporter::None => None,
        MetricsExporter::DogStatsd => {
            Some(Box::new(metrics::dogstatsd::DogStatsdSink::new(&config.dogstatsd, &config.service.metric_tags())))
        }
        MetricsExporter::Console => Some(console_out.unwrap_or_else(|| {
            Box::new(metrics::console::ConsoleSink::new(Box::new(std::io::stderr()), &config.service.metric_tags()))
        })),
        MetricsExporter::Otlp => {
            #[cfg(feature = "otlp")]
            {
                let client = otlp.metrics_client(&config.otlp_metrics)?;
                Some(Box::new(metrics::otlp::OtlpSink::new(client, &config.service)))
            }
            #[cfg(not(feature = "otlp"))]
            {
                return Err(InitError::FeatureDisabled { what: "OTLP metric export", feature: "otlp" });
            }
        }
    };
    let metrics = match sink {
        Some(sink) => Some(metrics::Pipeline::start(sink, config.flush_interval, config.shutdown_timeout)?),
        None => None,
    };
    #[cfg(feature = "otlp")]
    let guard = Guard::new(config, traces.provider, metrics, otlp);
    #[cfg(not(feature = "otlp"))]
    let guard = Guard::new(config, traces.provider, metrics);
    Ok((guard, traces.propagator))
}
