//! OTLP metrics: each flush becomes one `ExportMetricsServiceRequest` with delta temporality.
//!
//! Counters become monotonic delta sums; latencies become delta histograms in milliseconds whose
//! explicit bounds are the edges of the non-empty buckets of our histogram (0.8 % wide), which the
//! Datadog Agent turns into distributions. The request is built from the aggregated buckets, so
//! its cost does not grow with the call rate.

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics,
    ScopeMetrics, Sum, metric, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;

use std::sync::Arc;

use super::{Batch, Point, Sink, Value};
use crate::config::ServiceInfo;
use crate::health::Destination;
use crate::otlp::MetricsClient;
use crate::slo::{FAST_METRIC, SUCCESS_METRIC, TOTAL_METRIC};

/// Encodes each flush as one request and sends it with the transport's client.
#[derive(Debug)]
pub(crate) struct OtlpSink {
    client: MetricsClient,
    resource: Resource,
    destination: Arc<Destination>,
}

impl OtlpSink {
    /// A sink sending through `client`, with `service`'s resource attributes on every request.
    pub(crate) fn new(client: MetricsClient, service: &ServiceInfo, destination: Arc<Destination>) -> Self {
        let resource = Resource {
            attributes: service
                .otel_resource()
                .iter()
                .map(|(key, value)| string_attribute(key.as_str(), &value.to_string()))
                .collect(),
            ..Resource::default()
        };
        Self { client, resource, destination }
    }
}

impl Sink for OtlpSink {
    fn export(&mut self, batch: &Batch) {
        let events =
            batch.points.iter().filter(|p| matches!(p.value, Value::Event(_) | Value::ServiceCheck(_))).count();
        if events > 0 {
            // Counted and reported (rate-limited) with the destination's other losses.
            self.destination.dropped(
                events as u64,
                "events and service checks need DogStatsD",
                &"OTLP has no such signal; set DD_METRICS_EXPORTER=dogstatsd to send them",
            );
            if events == batch.points.len() {
                return;
            }
        }
        let request = request(&self.resource, batch);
        let points = (batch.points.len() - events) as u64;
        match self.client.send(&request) {
            Ok(()) => self.destination.sent(points),
            Err(error) => self.destination.failed(points, crate::health::kind_of(&error), &error),
        }
    }
}

/// Builds the request for one batch.
pub(crate) fn request(resource: &Resource, batch: &Batch) -> ExportMetricsServiceRequest {
    let start = unix_nanos(batch.start);
    let end = unix_nanos(batch.end);
    let mut metrics: Vec<Metric> = Vec::new();
    for point in &batch.points {
        let attributes = point_attributes(point);
        let data = match &point.value {
            Value::Count(n) => metric::Data::Sum(Sum {
                data_points: vec![NumberDataPoint {
                    attributes,
                    start_time_unix_nano: start,
                    time_unix_nano: end,
                    value: Some(number_data_point::Value::AsInt(i64::try_from(*n).unwrap_or(i64::MAX))),
                    ..NumberDataPoint::default()
                }],
                aggregation_temporality: AggregationTemporality::Delta as i32,
                is_monotonic: true,
            }),
            Value::FloatCount(n) => metric::Data::Sum(Sum {
                data_points: vec![NumberDataPoint {
                    attributes,
                    start_time_unix_nano: start,
                    time_unix_nano: end,
                    value: Some(number_data_point::Value::AsDouble(*n)),
                    ..NumberDataPoint::default()
                }],
                aggregation_temporality: AggregationTemporality::Delta as i32,
                is_monotonic: true,
            }),
            Value::Distribution(buckets) => metric::Data::Histogram(Histogram {
                data_points: vec![histogram_point(
                    buckets.iter().map(|&(bucket, n)| {
                        let ms = |nanos: u64| nanos as f64 / 1e6;
                        let lower = bucket.lower_nanos();
                        (ms(lower), ms(lower + bucket.width_nanos()), bucket.representative_ms(), n)
                    }),
                    attributes,
                    start,
                    end,
                )],
                aggregation_temporality: AggregationTemporality::Delta as i32,
            }),
            Value::Values(buckets) => metric::Data::Histogram(Histogram {
                data_points: vec![histogram_point(
                    buckets.iter().map(|&(bucket, n)| {
                        let (lower, upper) = bucket.bounds();
                        (lower, upper, bucket.representative(), n)
                    }),
                    attributes,
                    start,
                    end,
                )],
                aggregation_temporality: AggregationTemporality::Delta as i32,
            }),
            Value::Gauge(level) => gauge(number_data_point::Value::AsDouble(*level), attributes, start, end),
            Value::Set(members) => gauge(
                number_data_point::Value::AsInt(i64::try_from(members.len()).unwrap_or(i64::MAX)),
                attributes,
                start,
                end,
            ),
            // OTLP has no events or service checks; the sink counts and reports them.
            Value::Event(_) | Value::ServiceCheck(_) => continue,
        };
        let unit = match point.value {
            Value::Distribution(_) => "ms",
            Value::Count(_) if [TOTAL_METRIC, SUCCESS_METRIC, FAST_METRIC].contains(&point.name) => "{call}",
            _ => "",
        };
        // Points of one name (different tags) share one metric.
        match metrics.iter_mut().find(|m| m.name == point.name) {
            Some(existing) => match (&mut existing.data, data) {
                (Some(metric::Data::Sum(sum)), metric::Data::Sum(more)) => sum.data_points.extend(more.data_points),
                (Some(metric::Data::Histogram(h)), metric::Data::Histogram(more)) => {
                    h.data_points.extend(more.data_points);
                }
                (Some(metric::Data::Gauge(g)), metric::Data::Gauge(more)) => g.data_points.extend(more.data_points),
                _ => {}
            },
            None => metrics.push(Metric {
                name: point.name.to_owned(),
                unit: unit.to_owned(),
                data: Some(data),
                ..Metric::default()
            }),
        }
    }
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(resource.clone()),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "dd-instrument".to_owned(),
                    version: env!("CARGO_PKG_VERSION").to_owned(),
                    ..InstrumentationScope::default()
                }),
                metrics,
                ..ScopeMetrics::default()
            }],
            ..ResourceMetrics::default()
        }],
    }
}

/// A gauge metric of one point.
fn gauge(value: number_data_point::Value, attributes: Vec<KeyValue>, start: u64, end: u64) -> metric::Data {
    metric::Data::Gauge(Gauge {
        data_points: vec![NumberDataPoint {
            attributes,
            start_time_unix_nano: start,
            time_unix_nano: end,
            value: Some(value),
            ..NumberDataPoint::default()
        }],
    })
}

/// A histogram point whose bounds are the edges of the non-empty buckets, with empty buckets
/// for the gaps between them. Buckets come as `(lower, upper, representative, count)`, by value.
fn histogram_point(
    buckets: impl Iterator<Item = (f64, f64, f64, u64)>,
    attributes: Vec<KeyValue>,
    start: u64,
    end: u64,
) -> HistogramDataPoint {
    let mut bounds: Vec<f64> = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    let (mut count, mut sum) = (0, 0.0);
    let (mut min, mut max) = (None, None);
    for (lower, upper, representative, n) in buckets {
        if bounds.last().is_none_or(|&last| last < lower) {
            bounds.push(lower);
            counts.push(0);
        }
        if bounds.last().is_none_or(|&last| last < upper) {
            bounds.push(upper);
            counts.push(n);
        } else if let Some(last) = counts.last_mut() {
            // The zero bucket of a distribution is empty as an interval: its count joins the
            // bucket that ends at 0 (or starts the list).
            *last += n;
        }
        count += n;
        sum += representative * n as f64;
        min = min.or(Some(representative));
        max = Some(representative);
    }
    counts.push(0);
    HistogramDataPoint {
        attributes,
        start_time_unix_nano: start,
        time_unix_nano: end,
        count,
        sum: Some(sum),
        bucket_counts: counts,
        explicit_bounds: bounds,
        min,
        max,
        ..HistogramDataPoint::default()
    }
}

fn point_attributes(point: &Point) -> Vec<KeyValue> {
    point
        .tags
        .iter()
        .map(|tag| {
            let (key, value) = tag.split_once(':').unwrap_or((tag, ""));
            string_attribute(key, value)
        })
        .collect()
}

fn string_attribute(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(any_value::Value::StringValue(value.to_owned())) }),
        ..KeyValue::default()
    }
}

fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::per_call::histogram::Histogram;

    #[test]
    fn histograms_cover_exactly_the_recorded_buckets() {
        let h = Histogram::new();
        for v in [1_000_000, 1_000_100, 5_000_000] {
            h.record(v);
        }
        let mut buckets = Vec::new();
        h.drain(|b, n| buckets.push((b, n)));
        let buckets = buckets.iter().map(|&(b, n)| {
            let ms = |nanos: u64| nanos as f64 / 1e6;
            (ms(b.lower_nanos()), ms(b.lower_nanos() + b.width_nanos()), b.representative_ms(), n)
        });
        let point = histogram_point(buckets, Vec::new(), 1, 2);
        assert_eq!(point.count, 3);
        assert_eq!(point.bucket_counts, [0, 2, 0, 1, 0]);
        assert_eq!(point.explicit_bounds.len(), 4);
        assert!(point.explicit_bounds[0] <= 1.0 && 1.0001 < point.explicit_bounds[1]);
        assert!(point.explicit_bounds[2] <= 5.0 && 5.0 < point.explicit_bounds[3]);
        assert!(point.explicit_bounds.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn points_of_one_name_share_a_metric() {
        let now = SystemTime::now();
        let batch = Batch {
            points: vec![
                Point { name: "slo.requests.total", tags: vec!["slo:a".into()], value: Value::Count(2) },
                Point { name: "slo.requests.total", tags: vec!["slo:b".into()], value: Value::Count(3) },
            ],
            start: now,
            end: now,
        };
        let request = request(&Resource::default(), &batch);
        let metrics = &request.resource_metrics[0].scope_metrics[0].metrics;
        assert_eq!(metrics.len(), 1);
        let Some(metric::Data::Sum(sum)) = &metrics[0].data else { panic!("a sum") };
        assert_eq!(sum.data_points.len(), 2);
        assert_eq!(sum.aggregation_temporality, AggregationTemporality::Delta as i32);
        assert!(sum.is_monotonic);
    }
}
