//! Trace export: the OpenTelemetry tracer provider behind the `tracing` layer.

pub(crate) mod console;
#[cfg(feature = "datadog")]
pub(crate) mod datadog;

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, SpanExporter, SpanProcessor};

use crate::config::{InitError, Resolved, ServiceInfo, TracesExporter};
use crate::propagation::DdPropagator;
use crate::sampling::DatadogSampler;

/// A span processor added in code (an exporter comes with its batch processor).
pub(crate) struct AddedProcessor(Box<dyn SpanProcessor>);

impl std::fmt::Debug for AddedProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl AddedProcessor {
    pub(crate) fn exporter<E: SpanExporter + 'static>(exporter: E) -> Self {
        Self(Box::new(BatchSpanProcessor::builder(exporter).build()))
    }

    pub(crate) fn processor<P: SpanProcessor + 'static>(processor: P) -> Self {
        Self(Box::new(processor))
    }
}

impl SpanProcessor for AddedProcessor {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &opentelemetry::Context) {
        self.0.on_start(span, cx);
    }

    fn on_end(&self, span: opentelemetry_sdk::trace::SpanData) {
        self.0.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: std::time::Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}

/// The OpenTelemetry resource every span and OTLP metric carries.
pub(crate) fn resource(service: &ServiceInfo) -> Resource {
    Resource::builder_empty()
        .with_attributes(service.resource_attributes().into_iter().map(|(k, v)| KeyValue::new(k, v)))
        .with_attributes([
            KeyValue::new("telemetry.sdk.language", "rust"),
            KeyValue::new("telemetry.sdk.name", "dd-instrument"),
            KeyValue::new("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
        ])
        .build()
}

/// A propagator chosen at run time.
pub(crate) type BoxedPropagator = Box<dyn opentelemetry::propagation::TextMapPropagator + Send + Sync>;

/// A [`BoxedPropagator`] as the global propagator.
pub(crate) struct InstalledPropagator(pub(crate) BoxedPropagator);

impl std::fmt::Debug for InstalledPropagator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl opentelemetry::propagation::TextMapPropagator for InstalledPropagator {
    fn inject_context(&self, cx: &opentelemetry::Context, injector: &mut dyn opentelemetry::propagation::Injector) {
        self.0.inject_context(cx, injector);
    }

    fn extract_with_context(
        &self,
        cx: &opentelemetry::Context,
        extractor: &dyn opentelemetry::propagation::Extractor,
    ) -> opentelemetry::Context {
        self.0.extract_with_context(cx, extractor)
    }

    fn fields(&self) -> opentelemetry::propagation::text_map_propagator::FieldIter<'_> {
        self.0.fields()
    }
}

/// What trace export needs: the tracer provider (none when traces are off) and the propagator
/// that matches its sampler.
pub(crate) struct Traces {
    pub(crate) provider: Option<SdkTracerProvider>,
    pub(crate) propagator: Option<BoxedPropagator>,
}

/// Builds the tracer provider and its propagator.
pub(crate) fn provider(
    config: &Resolved,
    added: Vec<AddedProcessor>,
    #[cfg_attr(not(feature = "otlp"), allow(unused_variables))] runtime: Option<&crate::init::Runtime>,
) -> Result<Traces, InitError> {
    if config.traces == TracesExporter::Datadog {
        #[cfg(feature = "datadog")]
        return Ok(datadog::provider(config, added));
        #[cfg(not(feature = "datadog"))]
        return Err(InitError::FeatureDisabled {
            what: "native trace export to the Datadog Agent",
            feature: "datadog",
        });
    }
    let sampler = DatadogSampler::new(
        config.service.service.clone(),
        config.sampling_rules.clone(),
        config.sample_rate,
        config.rate_limit,
    );
    let mut builder = SdkTracerProvider::builder().with_resource(resource(&config.service)).with_sampler(sampler);
    let has_added = !added.is_empty();
    for processor in added {
        builder = builder.with_span_processor(processor);
    }
    builder = match (&config.traces, has_added) {
        (TracesExporter::None, false) => return Ok(Traces { provider: None, propagator: None }),
        (TracesExporter::None, true) => builder,
        (TracesExporter::Console, _) => builder.with_simple_exporter(console::ConsoleSpanExporter::stderr()),
        (TracesExporter::Otlp, _) => {
            #[cfg(feature = "otlp")]
            {
                builder.with_batch_exporter(crate::init::otlp_span_exporter(&config.otlp_traces, runtime)?)
            }
            #[cfg(not(feature = "otlp"))]
            {
                return Err(InitError::FeatureDisabled { what: "OTLP trace export", feature: "otlp" });
            }
        }
        (TracesExporter::Datadog, _) => unreachable!("handled above"),
    };
    let propagator = DdPropagator::new(config.propagation_extract.clone(), config.propagation_inject.clone());
    Ok(Traces { provider: Some(builder.build()), propagator: Some(Box::new(propagator)) })
}
