//! Traces: the OpenTelemetry tracer provider behind the `tracing` layer, with Datadog's sampler
//! and propagators.
//!
//! - [`provider`]: the tracer provider for the export `init` chose: OTLP (a batch processor
//!   around the exporter [`crate::otlp`] makes), the console ([`console`]), none, or natively
//!   through Datadog's own SDK (`datadog`, feature `datadog`).
//! - [`sampling`]: Datadog's sampling rules, sample rate and rate limit, decided at the root.
//! - [`propagation`] (public as `dd_instrument::propagation`): Datadog and W3C headers.
//! - [`export_filter`]: which `tracing` spans become OpenTelemetry spans (internal spans under a
//!   locally dropped parent do not, when the sampler would drop them).
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
pub(crate) mod export_filter;
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

    /// A batch processor around `exporter` whose queue of `queue_size` spans never overflows
    /// unseen: a span that would not fit is dropped here and counted in `destination`, and every
    /// export is counted there too.
    #[cfg(feature = "otlp")]
    pub(crate) fn counted<E: SpanExporter + 'static>(
        exporter: E,
        destination: std::sync::Arc<crate::health::Destination>,
        queue_size: usize,
    ) -> Self {
        let queued = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let exporter = Counted {
            inner: exporter,
            destination: std::sync::Arc::clone(&destination),
            queued: Some(std::sync::Arc::clone(&queued)),
        };
        let config = opentelemetry_sdk::trace::BatchConfigBuilder::default().with_max_queue_size(queue_size).build();
        let batch = BatchSpanProcessor::builder(exporter).with_batch_config(config).build();
        Self(Box::new(Bounded { inner: batch, queued, capacity: queue_size, destination }))
    }
}

/// A batch processor with a gate in front of its queue.
///
/// OpenTelemetry's batch processor drops a span that finds its queue full and only logs the
/// first such drop. The gate counts the spans between the application and the exporter: one
/// more when a span is handed over, fewer when the exporter takes a batch. While that count is
/// below the queue's capacity the queue has room (it holds at most that many), so the batch
/// processor never drops; at capacity the gate drops the span itself and counts it.
#[cfg(feature = "otlp")]
#[derive(Debug)]
struct Bounded {
    inner: BatchSpanProcessor,
    queued: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    capacity: usize,
    destination: std::sync::Arc<crate::health::Destination>,
}

#[cfg(feature = "otlp")]
impl SpanProcessor for Bounded {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &opentelemetry::Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: opentelemetry_sdk::trace::SpanData) {
        use std::sync::atomic::Ordering;
        if self.queued.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            self.destination.dropped(1, "queue full", &QueueFull(self.capacity));
            return;
        }
        self.inner.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: std::time::Duration) -> OTelSdkResult {
        let result = self.inner.shutdown_with_timeout(timeout);
        if result.is_err() {
            // What the exporter had not taken by the deadline is not sent.
            let left = self.queued.swap(0, std::sync::atomic::Ordering::AcqRel) as u64;
            if left > 0 {
                self.destination.dropped(left, "shutdown", &"spans still queued at the shutdown deadline");
            }
        }
        result
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource);
    }
}

/// Why a span was dropped at the gate.
#[cfg(feature = "otlp")]
struct QueueFull(usize);

#[cfg(feature = "otlp")]
impl std::fmt::Display for QueueFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} spans were already waiting for the exporter (OTEL_BSP_MAX_QUEUE_SIZE); spans end faster than they \
             can be sent",
            self.0
        )
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
    /// The gate's count of spans on their way to this exporter, when there is a gate.
    queued: Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
}

#[cfg(feature = "otlp")]
impl<E: SpanExporter> SpanExporter for Counted<E> {
    async fn export(&self, batch: Vec<opentelemetry_sdk::trace::SpanData>) -> OTelSdkResult {
        let spans = batch.len() as u64;
        if let Some(queued) = &self.queued {
            // Saturating: a miscount must never close the gate for good.
            let taken = batch.len();
            let _ =
                queued.fetch_update(std::sync::atomic::Ordering::AcqRel, std::sync::atomic::Ordering::Acquire, |n| {
                    Some(n.saturating_sub(taken))
                });
        }
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

#[cfg(all(test, feature = "otlp"))]
mod tests {
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex};

    use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};

    use super::AddedProcessor;
    use crate::health::{Destination, DestinationStats};

    /// An exporter that tells when an export starts and finishes it only when told to.
    #[derive(Debug)]
    struct Stalled {
        started: mpsc::Sender<usize>,
        release: Mutex<mpsc::Receiver<()>>,
    }

    impl SpanExporter for Stalled {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            let _ = self.started.send(batch.len());
            let _ = self.release.lock().unwrap().recv();
            Ok(())
        }
    }

    #[test]
    fn spans_still_queued_at_the_shutdown_deadline_are_counted_as_dropped() {
        let (started, exports) = mpsc::channel();
        let (release, released) = mpsc::channel();
        let destination = Destination::new("spans", "test".into(), None);
        let exporter = Stalled { started, release: Mutex::new(released) };
        let provider = SdkTracerProvider::builder()
            .with_span_processor(AddedProcessor::counted(exporter, Arc::clone(&destination), 4))
            .build();
        let tracer = provider.tracer("test");
        for _ in 0..4 {
            tracer.start("taken").end();
        }
        assert_eq!(exports.recv().unwrap(), 4);
        // The exporter is stuck on the first batch; three more wait behind it.
        for _ in 0..3 {
            tracer.start("queued").end();
        }
        assert!(provider.shutdown_with_timeout(std::time::Duration::from_millis(50)).is_err());
        assert_eq!(destination.stats(), DestinationStats { sent: 0, dropped: 3, failed: 0 });
        for _ in 0..4 {
            let _ = release.send(());
        }
    }

    #[test]
    fn spans_that_find_the_queue_full_are_counted_as_dropped_and_the_rest_are_sent() {
        let (started, exports) = mpsc::channel();
        let (release, released) = mpsc::channel();
        let destination = Destination::new("spans", "test".into(), None);
        let exporter = Stalled { started, release: Mutex::new(released) };
        let provider = SdkTracerProvider::builder()
            .with_span_processor(AddedProcessor::counted(exporter, Arc::clone(&destination), 4))
            .build();
        let tracer = provider.tracer("test");
        // Four spans fill a batch: the exporter takes them and stalls.
        for _ in 0..4 {
            tracer.start("first").end();
        }
        assert_eq!(exports.recv().unwrap(), 4);
        // Four more fit in the queue; the six after them do not.
        for _ in 0..10 {
            tracer.start("second").end();
        }
        assert_eq!(destination.stats(), DestinationStats { sent: 0, dropped: 6, failed: 0 });
        // From here on exports go through: one release for each there can be.
        for _ in 0..16 {
            release.send(()).unwrap();
        }
        provider.force_flush().unwrap();
        assert_eq!(exports.try_iter().sum::<usize>(), 4);
        assert_eq!(destination.stats(), DestinationStats { sent: 8, dropped: 6, failed: 0 });
        // The gate opened again once the exporter took the queued spans.
        for _ in 0..4 {
            tracer.start("third").end();
        }
        provider.force_flush().unwrap();
        drop(provider);
        assert_eq!(destination.stats(), DestinationStats { sent: 12, dropped: 6, failed: 0 });
    }
}
