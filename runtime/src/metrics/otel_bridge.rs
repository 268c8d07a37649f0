//! OpenTelemetry metrics through the crate's own pipeline (feature `otel-metrics`, on by
//! default): the `MeterProvider` [`init`](crate::init) installs globally, so that
//! `opentelemetry::global::meter(..)` instruments of the application and its libraries reach
//! Datadog with the unified service tags, on the DogStatsD and the OTLP paths alike.
//!
//! The provider is OpenTelemetry's own SDK with one reader, a `ManualReader` with delta
//! temporality that the metrics flusher reads at every flush: no thread of its own, and the
//! collection period is the flush interval. What it reads becomes the pipeline's points:
//!
//! | OpenTelemetry | Datadog (DogStatsD / OTLP) |
//! |---|---|
//! | `Counter`, `ObservableCounter` (delta per flush) | count `c` / monotonic delta sum |
//! | `UpDownCounter`, `ObservableUpDownCounter` (the level) | gauge `g` / gauge |
//! | `Gauge`, `ObservableGauge` (last value of the interval) | gauge `g` / gauge |
//! | `Histogram` | distribution `d` / delta histogram |
//!
//! Histograms are aggregated as base-2 exponential histograms (at most [`HISTOGRAM_BUCKETS`]
//! buckets per series, so the scale adapts to the range of the interval's values) whatever
//! boundaries the instrument advises. The minimum and the maximum of the interval are sent as
//! recorded, every other value as the midpoint of its bucket: within 0.6 % for values spanning
//! up to three orders of magnitude in one interval (64 buckets per power of two), 1.1 % up to
//! six (32), then the crate's own value buckets (at most 0.4 % more).
//!
//! Bounds: each instrument keeps at most [`MAX_SERIES`] attribute sets apart per interval (the
//! SDK's cardinality limit; further ones share one more series, tagged
//! `dd_instrument.tags_overflow:true`, with a warning naming the instrument), at most
//! [`MAX_NAMES`] metric names are kept, and at most [`MAX_POINTS`] points are sent per flush.
//! Points past those two caps are dropped, counted in [`Guard::stats`](crate::Guard::stats) as
//! dropped metric points and reported by a rate-limited warning.

// Counts and levels become `f64` on the wire; they stay far below 2^52.
#![allow(clippy::cast_precision_loss)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use opentelemetry::{KeyValue, Value as AttributeValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::{
    AggregatedMetrics, ExponentialHistogramDataPoint, HistogramDataPoint, MetricData, ResourceMetrics,
};
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{
    Aggregation, Instrument, InstrumentKind, ManualReader, SdkMeterProvider, Stream, Temporality,
};

use super::values::{self, ValueBucket};
use super::{Point, Value};
use crate::health::Destination;
use crate::per_call::site::OVERFLOW_TAG;
use crate::tags::TagValue;

/// Attribute sets one instrument keeps apart per flush interval (OpenTelemetry's cardinality
/// limit); measurements with further sets share the overflow series.
pub(crate) const MAX_SERIES: usize = 1000;

/// Metric names kept; points of further names are dropped (and counted).
pub(crate) const MAX_NAMES: usize = 1000;

/// Points of OpenTelemetry instruments sent per flush; further points are dropped (and counted).
pub(crate) const MAX_POINTS: usize = 10_000;

/// Buckets of a histogram series per interval.
pub(crate) const HISTOGRAM_BUCKETS: u32 = 640;

/// The attribute the SDK gives the overflow series of an instrument.
const SDK_OVERFLOW: &str = "otel.metric.overflow";

/// The reader the flusher reads, while a provider runs.
static SOURCE: Mutex<Option<Source>> = Mutex::new(None);

/// A running provider: the SDK's, with the reader of [`SOURCE`]. Dropping it without
/// [`shutdown`](Self::shutdown) shuts it down too.
#[derive(Debug)]
pub(crate) struct OtelMeter {
    provider: Option<SdkMeterProvider>,
}

impl OtelMeter {
    /// Builds the provider and lets the flusher read it; `destination` counts what is dropped.
    /// Installs nothing global: see [`install_global`](Self::install_global).
    pub(crate) fn start(destination: Option<Arc<Destination>>) -> Self {
        let (provider, source) = provider(destination);
        *SOURCE.lock().unwrap_or_else(PoisonError::into_inner) = Some(source);
        Self { provider: Some(provider) }
    }

    /// Makes the provider OpenTelemetry's global one.
    pub(crate) fn install_global(&self) {
        if let Some(provider) = &self.provider {
            opentelemetry::global::set_meter_provider(provider.clone());
        }
    }

    /// Stops the flusher reading the provider and shuts the provider down (its reader has no
    /// thread: this does not wait). Call it after the pipeline's last flush.
    pub(crate) fn shutdown(mut self, timeout: Duration) {
        self.stop(timeout);
    }

    fn stop(&mut self, timeout: Duration) {
        if let Some(provider) = self.provider.take() {
            SOURCE.lock().unwrap_or_else(PoisonError::into_inner).take();
            let _ = provider.shutdown_with_timeout(timeout);
        }
    }
}

impl Drop for OtelMeter {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(1));
    }
}

/// A provider and the source that reads it.
fn provider(destination: Option<Arc<Destination>>) -> (SdkMeterProvider, Source) {
    let reader = Arc::new(ManualReader::builder().with_temporality(Temporality::Delta).build());
    let provider = SdkMeterProvider::builder().with_reader(Shared(Arc::clone(&reader))).with_view(view).build();
    let source =
        Source { reader, destination, names: HashMap::new(), warned_overflow: HashSet::new(), warned_names: false };
    (provider, source)
}

/// Every instrument: the cardinality limit; histograms: exponential buckets.
fn view(instrument: &Instrument) -> Option<Stream> {
    let stream = Stream::builder().with_cardinality_limit(MAX_SERIES);
    let stream = if instrument.kind() == InstrumentKind::Histogram {
        stream.with_aggregation(Aggregation::Base2ExponentialHistogram {
            max_size: HISTOGRAM_BUCKETS,
            max_scale: 20,
            record_min_max: true,
        })
    } else {
        stream
    };
    stream.build().ok()
}

/// The `ManualReader`, shared with [`SOURCE`] (the provider takes its reader by value).
#[derive(Debug)]
struct Shared(Arc<ManualReader>);

impl MetricReader for Shared {
    fn register_pipeline(&self, pipeline: Weak<opentelemetry_sdk::metrics::Pipeline>) {
        self.0.register_pipeline(pipeline);
    }

    fn collect(&self, rm: &mut ResourceMetrics) -> OTelSdkResult {
        self.0.collect(rm)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn temporality(&self, kind: InstrumentKind) -> Temporality {
        self.0.temporality(kind)
    }
}

/// What the flusher reads, and what it remembers between flushes.
struct Source {
    reader: Arc<ManualReader>,
    destination: Option<Arc<Destination>>,
    /// OpenTelemetry names and the names sent (normalized, kept for the life of the program).
    names: HashMap<String, Option<&'static str>>,
    /// Instruments whose overflow series was already reported.
    warned_overflow: HashSet<&'static str>,
    /// Whether the cap on names was reported without a destination to count in.
    warned_names: bool,
}

/// Reads the provider, if one runs, and adds its points (on the flusher thread).
pub(crate) fn collect_into(points: &mut Vec<Point>) {
    if let Some(source) = SOURCE.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
        source.read(points);
    }
}

impl Source {
    /// Collects from the SDK and adds the points, within the caps.
    fn read(&mut self, points: &mut Vec<Point>) {
        let mut metrics = ResourceMetrics::default();
        if let Err(error) = self.reader.collect(&mut metrics) {
            // How many points were lost is unknown: one stands for the whole collection.
            self.lost(1, "collect error", &format!("OpenTelemetry instruments could not be read: {error}"));
            return;
        }
        let mut converted = Vec::new();
        let mut unnamed = 0u64;
        for scope in metrics.scope_metrics() {
            for metric in scope.metrics() {
                let before = converted.len();
                convert(metric.data(), &mut converted);
                if converted.len() == before {
                    continue;
                }
                let Some(name) = self.name(metric.name()) else {
                    unnamed += (converted.len() - before) as u64;
                    converted.truncate(before);
                    continue;
                };
                for point in &mut converted[before..] {
                    point.name = name;
                }
                // Series in a stable order (the SDK keeps them in a hash map).
                converted[before..].sort_by(|a, b| a.tags.cmp(&b.tags));
                if converted[before..].iter().any(|p| p.tags.iter().any(|t| t == OVERFLOW_TAG))
                    && self.warned_overflow.insert(name)
                {
                    tracing::warn!(
                        target: "dd_instrument",
                        "dd-instrument: the OpenTelemetry instrument `{}` has more than {MAX_SERIES} distinct \
                         attribute sets in one flush interval; further ones are counted under `{OVERFLOW_TAG}`. \
                         Attributes with unbounded values (ids, timestamps) belong on spans, not metrics.",
                        metric.name()
                    );
                }
            }
        }
        if unnamed > 0 {
            self.lost(unnamed, "too many OpenTelemetry metric names", &format!("more than {MAX_NAMES} names"));
        }
        if converted.len() > MAX_POINTS {
            let over = (converted.len() - MAX_POINTS) as u64;
            converted.truncate(MAX_POINTS);
            self.lost(
                over,
                "too many OpenTelemetry series",
                &format!("more than {MAX_POINTS} points of OpenTelemetry instruments in one flush"),
            );
        }
        points.extend(converted);
    }

    /// The name sent for the OpenTelemetry name `name`, if it fits under [`MAX_NAMES`].
    fn name(&mut self, name: &str) -> Option<&'static str> {
        if let Some(known) = self.names.get(name) {
            return *known;
        }
        let sent = (self.names.len() < MAX_NAMES).then(|| {
            let fixed = if dd_instrument_rules::is_valid_metric_name(name) {
                name.to_owned()
            } else {
                let fixed = dd_instrument_rules::normalize_metric_name(name);
                let fixed = if fixed.is_empty() { "dd_instrument.invalid_metric_name".to_owned() } else { fixed };
                tracing::warn!(
                    target: "dd_instrument",
                    "dd-instrument: the OpenTelemetry instrument `{name}` is not a valid Datadog metric name; it is \
                     sent as `{fixed}`"
                );
                fixed
            };
            // At most MAX_NAMES, kept for the life of the program (every flush needs them).
            let leaked: &'static str = Box::leak(fixed.into_boxed_str());
            leaked
        });
        // Names past the cap are remembered as refused, up to as many again.
        if sent.is_some() || self.names.len() < 2 * MAX_NAMES {
            self.names.insert(name.to_owned(), sent);
        }
        sent
    }

    /// Counts `n` points dropped, with a rate-limited warning.
    fn lost(&mut self, n: u64, kind: &str, detail: &str) {
        match &self.destination {
            Some(destination) => destination.dropped(n, kind, &detail),
            None if !self.warned_names => {
                self.warned_names = true;
                tracing::warn!(target: "dd_instrument", "dd-instrument: {n} metric points dropped: {kind}: {detail}");
            }
            None => {}
        }
    }
}

/// The points of one metric, with an empty name (set by the caller).
fn convert(data: &AggregatedMetrics, points: &mut Vec<Point>) {
    match data {
        AggregatedMetrics::F64(data) => convert_data(data, |v| v, Value::FloatCount, points),
        AggregatedMetrics::U64(data) => convert_data(data, |v| v as f64, Value::Count, points),
        AggregatedMetrics::I64(data) => {
            convert_data(data, |v| v as f64, |v| Value::Count(u64::try_from(v).unwrap_or(0)), points);
        }
    }
}

fn convert_data<T: Copy>(
    data: &MetricData<T>,
    as_f64: impl Fn(T) -> f64,
    count: impl Fn(T) -> Value,
    points: &mut Vec<Point>,
) {
    let mut push = |attributes: &mut dyn Iterator<Item = &KeyValue>, value| {
        points.push(Point { name: "", tags: tags(attributes), value });
    };
    match data {
        MetricData::Gauge(gauge) => {
            for point in gauge.data_points() {
                push(&mut point.attributes(), Value::Gauge(as_f64(point.value())));
            }
        }
        MetricData::Sum(sum) => {
            let delta = sum.is_monotonic() && sum.temporality() == Temporality::Delta;
            for point in sum.data_points() {
                let value = if delta { count(point.value()) } else { Value::Gauge(as_f64(point.value())) };
                push(&mut point.attributes(), value);
            }
        }
        MetricData::Histogram(histogram) => {
            for point in histogram.data_points() {
                if let Some(buckets) = explicit_buckets(point, &as_f64) {
                    push(&mut point.attributes(), Value::Values(buckets));
                }
            }
        }
        MetricData::ExponentialHistogram(histogram) => {
            for point in histogram.data_points() {
                if let Some(buckets) = exponential_buckets(point, &as_f64) {
                    push(&mut point.attributes(), Value::Values(buckets));
                }
            }
        }
    }
}

/// The tags of a data point's attributes, sorted by key (the SDK's order depends on which
/// measurement came first); the SDK's overflow attribute becomes the crate's overflow tag.
fn tags(attributes: &mut dyn Iterator<Item = &KeyValue>) -> Vec<String> {
    let mut attributes: Vec<&KeyValue> = attributes.collect();
    attributes.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    let mut tags = Vec::new();
    for attribute in attributes {
        let key = attribute.key.as_str();
        if key == SDK_OVERFLOW {
            tags.push(OVERFLOW_TAG.to_owned());
            continue;
        }
        let mut tag = String::new();
        let pushed = match &attribute.value {
            AttributeValue::Bool(v) => crate::tags::push_tag(&mut tag, key, TagValue::Bool(*v)),
            AttributeValue::I64(v) => crate::tags::push_tag(&mut tag, key, TagValue::I64(*v)),
            AttributeValue::F64(v) => crate::tags::push_tag(&mut tag, key, TagValue::F64(*v)),
            AttributeValue::String(v) => crate::tags::push_tag(&mut tag, key, TagValue::Str(v.as_str())),
            other => crate::tags::push_tag(&mut tag, key, TagValue::Display(other)),
        };
        if pushed {
            tags.push(tag);
        }
    }
    tags
}

/// Buckets as `(value, count)` (each value standing for its bucket), in increasing order, with
/// the recorded minimum and maximum sent exactly: each takes one count of the bucket it fell in.
fn with_extremes(mut values: Vec<(f64, u64)>, min: f64, max: f64) -> Vec<(ValueBucket, u64)> {
    values.retain(|&(value, count)| count > 0 && value.is_finite());
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut exact = Vec::with_capacity(values.len() + 2);
    let last = values.len().saturating_sub(1);
    for (i, &(value, mut count)) in values.iter().enumerate() {
        if i == 0 && min.is_finite() {
            exact.push((min, 1));
            count -= 1;
        }
        if i == last && max.is_finite() && count > 0 {
            exact.push((max, 1));
            count -= 1;
        }
        if count > 0 {
            exact.push((value.clamp(min, max), count));
        }
    }
    let mut buckets: Vec<(ValueBucket, u64)> =
        exact.into_iter().map(|(value, count)| (ValueBucket::of_value(value), count)).collect();
    values::sort(&mut buckets);
    buckets
}

/// The buckets of an exponential histogram point as the crate's value buckets: each bucket's
/// midpoint, the minimum and maximum exact.
fn exponential_buckets<T: Copy>(
    point: &ExponentialHistogramDataPoint<T>,
    as_f64: &impl Fn(T) -> f64,
) -> Option<Vec<(ValueBucket, u64)>> {
    if point.count() == 0 {
        return None;
    }
    let min = point.min().map_or(f64::NEG_INFINITY, as_f64);
    let max = point.max().map_or(f64::INFINITY, as_f64);
    let mut values = vec![(0.0, point.zero_count())];
    // Bucket `i` holds the magnitudes (base^i, base^(i+1)], base = 2^(2^-scale).
    let step = 2f64.powi(-i32::from(point.scale()));
    for (sign, range) in [(1.0, point.positive_bucket()), (-1.0, point.negative_bucket())] {
        for (i, count) in (range.offset()..).zip(range.counts()) {
            let lower = (f64::from(i) * step).exp2();
            let upper = (f64::from(i + 1) * step).exp2();
            values.push((sign * f64::midpoint(lower, upper), count));
        }
    }
    Some(with_extremes(values, min, max))
}

/// The buckets of an explicit-bucket histogram point (an instrument the exponential view did
/// not apply to): each bucket's midpoint, the open-ended ones at the minimum and maximum.
fn explicit_buckets<T: Copy>(
    point: &HistogramDataPoint<T>,
    as_f64: &impl Fn(T) -> f64,
) -> Option<Vec<(ValueBucket, u64)>> {
    if point.count() == 0 {
        return None;
    }
    let bounds: Vec<f64> = point.bounds().collect();
    let min = point.min().map_or(f64::NEG_INFINITY, as_f64);
    let max = point.max().map_or(f64::INFINITY, as_f64);
    let values = point
        .bucket_counts()
        .enumerate()
        .map(|(i, count)| {
            let value = match (i.checked_sub(1).and_then(|j| bounds.get(j)), bounds.get(i)) {
                (Some(&lower), Some(&upper)) => f64::midpoint(lower, upper),
                (None, Some(&upper)) => upper.min(max),
                (Some(&lower), None) => lower.max(min),
                (None, None) => min,
            };
            (value, count)
        })
        .collect();
    Some(with_extremes(values, min, max))
}

#[cfg(test)]
#[allow(clippy::float_cmp, clippy::cast_possible_wrap)]
mod tests {
    use super::*;

    #[test]
    fn exponential_buckets_stand_within_their_width_and_equal_values_are_exact() {
        use opentelemetry::metrics::MeterProvider as _;

        let reader = Arc::new(ManualReader::builder().with_temporality(Temporality::Delta).build());
        let provider = SdkMeterProvider::builder().with_reader(Shared(Arc::clone(&reader))).with_view(view).build();
        let histogram = provider.meter("t").f64_histogram("h").build();
        let same = provider.meter("t").u64_histogram("same").build();
        let recorded = [0.5, 1.0, 3.0, 42.0, 1234.5, 0.0, -2.0];
        for value in recorded {
            histogram.record(value, &[]);
        }
        same.record(7, &[KeyValue::new("k", "v")]);
        same.record(7, &[KeyValue::new("k", "v")]);
        let mut rm = ResourceMetrics::default();
        reader.collect(&mut rm).unwrap();
        let mut got = HashMap::new();
        for scope in rm.scope_metrics() {
            for metric in scope.metrics() {
                let mut points = Vec::new();
                convert(metric.data(), &mut points);
                got.insert(metric.name().to_owned(), points);
            }
        }
        let Value::Values(buckets) = &got["h"][0].value else { panic!("values: {got:?}") };
        let sent: Vec<f64> = buckets.iter().map(|(b, _)| b.representative()).collect();
        let mut expected = recorded.to_vec();
        expected.sort_by(f64::total_cmp);
        assert_eq!(sent.len(), expected.len(), "{sent:?}");
        for (sent, recorded) in sent.iter().zip(&expected) {
            // Half a bucket at scale 5 (32 buckets per power of two), and the value bucket.
            assert!((sent - recorded).abs() <= recorded.abs() * 0.015, "{recorded} sent as {sent}");
        }
        assert_eq!(sent[0], -2.0, "the minimum is kept");
        assert_eq!(sent[6], ValueBucket::of_value(1234.5).representative(), "the maximum is kept: {sent:?}");
        let same = &got["same"][0];
        assert_eq!(same.tags, ["k:v"]);
        let Value::Values(buckets) = &same.value else { panic!("values") };
        assert_eq!(buckets.iter().map(|(b, n)| (b.representative(), *n)).collect::<Vec<_>>(), [(7.0, 2)]);
        let _ = provider.shutdown();
    }

    #[test]
    fn attribute_sets_past_the_limit_share_the_overflow_series_and_points_past_the_cap_are_counted() {
        use opentelemetry::metrics::MeterProvider as _;

        let destination = Destination::new("metric points", "a test".to_owned(), None);
        let (provider, mut source) = super::provider(Some(Arc::clone(&destination)));
        let meter = provider.meter("t");
        let wide = meter.u64_counter("wide-counter").build();
        for n in 0..MAX_SERIES as i64 + 5 {
            wide.add(1, &[KeyValue::new("n", n)]);
        }
        let mut points = Vec::new();
        source.read(&mut points);
        assert!(points.iter().all(|p| p.name == "wide_counter"), "names normalized");
        assert_eq!(points.len(), MAX_SERIES + 1, "the limit, and the overflow series");
        let total: u64 = points.iter().map(|p| if let Value::Count(n) = p.value { n } else { 0 }).sum();
        assert_eq!(total, MAX_SERIES as u64 + 5, "nothing lost");
        let overflow: Vec<&Point> = points.iter().filter(|p| p.tags == [OVERFLOW_TAG]).collect();
        assert_eq!(overflow.len(), 1);
        assert_eq!(overflow[0].value, Value::Count(5));
        assert_eq!(destination.stats().dropped, 0);

        let counters: Vec<_> =
            (0..=MAX_POINTS / MAX_SERIES).map(|i| meter.u64_counter(format!("c{i}")).build()).collect();
        for counter in &counters {
            for n in 0..MAX_SERIES as i64 - 1 {
                counter.add(1, &[KeyValue::new("n", n)]);
            }
        }
        let mut points = Vec::new();
        source.read(&mut points);
        assert_eq!(points.len(), MAX_POINTS);
        let sent = counters.len() * (MAX_SERIES - 1);
        assert_eq!(destination.stats().dropped, (sent - MAX_POINTS) as u64, "counted as dropped");
        let _ = provider.shutdown();
    }
}
