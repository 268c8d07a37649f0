//! Traces: the OpenTelemetry tracer provider behind the `tracing` layer, with Datadog's sampler
//! and propagators.
//!
//! - [`provider`]: the tracer provider for the export `init` chose: OTLP (a batch processor
//!   around the exporter [`crate::otlp`] makes), the console ([`console`]), none, or natively
//!   through Datadog's own SDK (`datadog`, feature `datadog`).
//! - [`sampling`]: Datadog's sampling rules, sample rate and rate limit, decided at the root.
//! - [`propagation`] (public as `dd_instrument::propagation`): Datadog and W3C headers.
//! - [`dd_state`]: the `dd=` member of `tracestate`, written by the sampler, read and written by
//!   the propagators.
//!
//! Spans travel through `tracing`, `tracing-opentelemetry`, then the processors of the provider:
//! with keep-errors, keep-slow or span sampling rules, `sampling::TailProcessor` stands in front
//! of them all and decides again at the end of each local trace.

pub(crate) mod console;
#[cfg(feature = "datadog")]
mod datadog;
pub(crate) mod dd_state;
pub mod propagation;
pub(crate) mod sampling;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, SdkTracerProvider, SimpleSpanProcessor, SpanExporter, SpanProcessor,
};

use crate::config::Resolved;
use propagation::DdPropagator;
use sampling::{DatadogSampler, TailProcessor};

/// Where spans go, as `init` decided from the configured [`TracesExporter`](crate::TracesExporter).
#[derive(Debug)]
pub(crate) enum SpanExport {
    /// Nowhere, unless processors were added in code.
    None,
    /// Printed as trees on standard error.
    Console,
    /// Through a processor around an exporter made elsewhere (OTLP, by `crate::otlp`).
    #[cfg_attr(not(feature = "otlp"), allow(dead_code, reason = "made for OTLP export only"))]
    Processor(AddedProcessor),
    /// To the Datadog Agent through Datadog's own SDK, with its sampler and propagator.
    #[cfg(feature = "datadog")]
    Datadog,
}

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

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.0.set_resource(resource);
    }
}

/// A span exporter whose results are counted (and failures reported) in a
/// [`Destination`](crate::health::Destination).
#[derive(Debug)]
#[cfg(feature = "otlp")]
pub(crate) struct Counted<E> {
    inner: E,
    destination: std::sync::Arc<crate::health::Destination>,
}

#[cfg(feature = "otlp")]
impl<E> Counted<E> {
    pub(crate) fn new(inner: E, destination: std::sync::Arc<crate::health::Destination>) -> Self {
        Self { inner, destination }
    }
}

#[cfg(feature = "otlp")]
impl<E: SpanExporter> SpanExporter for Counted<E> {
    async fn export(&self, batch: Vec<opentelemetry_sdk::trace::SpanData>) -> OTelSdkResult {
        let spans = batch.len() as u64;
        let result = self.inner.export(batch).await;
        match &result {
            Ok(()) => self.destination.sent(spans),
            Err(error) => self.destination.failed(spans, crate::health::kind_of(&error.to_string()), error),
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: std::time::Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource);
    }
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
pub(crate) fn provider(config: &Resolved, export: SpanExport, added: Vec<AddedProcessor>) -> Traces {
    #[cfg(feature = "datadog")]
    if let SpanExport::Datadog = export {
        return datadog::provider(config, added);
    }
    let mut sampler = DatadogSampler::new(
        config.service.service.clone(),
        config.sampling_rules.clone(),
        config.sample_rate,
        config.rate_limit,
    );
    let tail = config.keep.any();
    if tail {
        sampler = sampler.record_dropped();
    }
    let mut processors: Vec<Box<dyn SpanProcessor>> = added.into_iter().map(|added| added.0).collect();
    match export {
        SpanExport::None if processors.is_empty() => return Traces { provider: None, propagator: None },
        SpanExport::None => {}
        #[cfg(feature = "datadog")]
        SpanExport::Datadog => {}
        SpanExport::Console => {
            processors.push(Box::new(SimpleSpanProcessor::new(console::ConsoleSpanExporter::stderr())));
        }
        SpanExport::Processor(processor) => processors.push(processor.0),
    }
    let mut builder = SdkTracerProvider::builder().with_resource(config.service.otel_resource()).with_sampler(sampler);
    if tail {
        let service = config.service.service.clone();
        builder = builder.with_span_processor(TailProcessor::new(processors, &config.keep, service, config.rate_limit));
    } else {
        for processor in processors {
            builder = builder.with_span_processor(AddedProcessor(processor));
        }
    }
    let propagator = DdPropagator::new(config.propagation_extract.clone(), config.propagation_inject.clone());
    Traces { provider: Some(builder.build()), propagator: Some(Box::new(propagator)) }
}
