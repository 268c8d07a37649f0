//! Trace export: the OpenTelemetry tracer provider behind the `tracing` layer.

pub(crate) mod console;

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, SpanExporter, SpanProcessor, TracerProviderBuilder};

use crate::config::{InitError, Resolved, ServiceInfo, TracesExporter};

/// A span exporter or processor added in code, applied to the provider builder.
pub(crate) type SpanSetup = Box<dyn FnOnce(TracerProviderBuilder) -> TracerProviderBuilder + Send>;

pub(crate) fn exporter_setup<E: SpanExporter + 'static>(exporter: E) -> SpanSetup {
    Box::new(move |builder| builder.with_batch_exporter(exporter))
}

pub(crate) fn processor_setup<P: SpanProcessor + 'static>(processor: P) -> SpanSetup {
    Box::new(move |builder| builder.with_span_processor(processor))
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

/// Parent-based ratio sampling: roots keep `rate` of traces, children follow their parent.
fn sampler(rate: f64) -> Sampler {
    let root = if rate >= 1.0 {
        Sampler::AlwaysOn
    } else if rate <= 0.0 {
        Sampler::AlwaysOff
    } else {
        Sampler::TraceIdRatioBased(rate)
    };
    Sampler::ParentBased(Box::new(root))
}

/// Builds the tracer provider, or `None` when traces are off.
pub(crate) fn provider(
    config: &Resolved,
    custom: Vec<SpanSetup>,
    #[cfg_attr(not(feature = "otlp"), allow(unused_variables))] runtime: Option<&crate::init::Runtime>,
) -> Result<Option<SdkTracerProvider>, InitError> {
    let mut builder =
        SdkTracerProvider::builder().with_resource(resource(&config.service)).with_sampler(sampler(config.sample_rate));
    let has_custom = !custom.is_empty();
    for setup in custom {
        builder = setup(builder);
    }
    builder = match (&config.traces, has_custom) {
        (TracesExporter::None, false) => return Ok(None),
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
    };
    Ok(Some(builder.build()))
}
