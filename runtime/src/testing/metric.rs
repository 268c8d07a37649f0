//! [`MetricPoint`]: one metric point, as the metrics exporter is given it.

use crate::metrics::{Point, Value};

/// One metric point: a name, the point's own tags and a value.
///
/// The tags are those of the function's metric, in the order they are sent: the macro's tags,
/// the run-time tags, then `outcome:` for a latency, or `slo:<name>` first for SLO counters.
/// The tags of every metric (`env`, `service`, `version`, `DD_TAGS`) are not included: they
/// come from the exporter's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricPoint {
    name: &'static str,
    tags: Vec<String>,
    value: MetricValue,
}

/// The value of a [`MetricPoint`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MetricValue {
    /// A counter: how many calls were counted.
    Count(u64),
    /// What a floating-point counter added.
    FloatCount(f64),
    /// A distribution in milliseconds: one value per call, in increasing order, as sent. Each
    /// is the midpoint of the histogram bucket the call's latency fell in, within 0.4 % of it.
    /// For a [`metrics::Distribution`](crate::metrics::Distribution): the values recorded, in
    /// the application's unit, each within 0.8 % (integers below 256 exact).
    Distribution(Vec<f64>),
    /// A [`metrics::Gauge`](crate::metrics::Gauge)'s last value or an
    /// [`metrics::UpDownCounter`](crate::metrics::UpDownCounter)'s level.
    Gauge(f64),
    /// How many distinct members a [`metrics::Set`](crate::metrics::Set) saw.
    Set(usize),
}

impl MetricPoint {
    /// The point as a test sees it; `None` for events and service checks, which are not
    /// metric points.
    pub(super) fn new(point: Point) -> Option<Self> {
        let repeat = |value: f64, count: u64| std::iter::repeat_n(value, usize::try_from(count).unwrap_or(usize::MAX));
        let value = match point.value {
            Value::Count(count) => MetricValue::Count(count),
            Value::FloatCount(count) => MetricValue::FloatCount(count),
            Value::Distribution(buckets) => MetricValue::Distribution(
                buckets
                    .iter()
                    .flat_map(|&(bucket, count)| {
                        std::iter::repeat_n(bucket.representative_ms(), usize::try_from(count).unwrap_or(usize::MAX))
                    })
                    .collect(),
            ),
            Value::Values(buckets) => MetricValue::Distribution(
                buckets.iter().flat_map(|&(bucket, count)| repeat(bucket.representative(), count)).collect(),
            ),
            Value::Gauge(level) => MetricValue::Gauge(level),
            Value::Set(members) => MetricValue::Set(members.len()),
            Value::Event(_) | Value::ServiceCheck(_) => return None,
        };
        Some(Self { name: point.name, tags: point.tags, value })
    }

    /// The metric name.
    pub fn name(&self) -> &str {
        self.name
    }

    /// The point's own tags, normalized `key:value`.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// The value.
    pub fn value(&self) -> &MetricValue {
        &self.value
    }

    /// The count of a counter; `None` for a distribution.
    pub fn count(&self) -> Option<u64> {
        match self.value {
            MetricValue::Count(count) => Some(count),
            _ => None,
        }
    }

    /// The values of a distribution, in milliseconds; `None` for a counter.
    pub fn values_ms(&self) -> Option<&[f64]> {
        match &self.value {
            MetricValue::Distribution(values) => Some(values),
            _ => None,
        }
    }

    /// Whether the point's tags are exactly `tags`, in any order.
    pub(super) fn has_tags(&self, tags: &[&str]) -> bool {
        self.tags.len() == tags.len() && tags.iter().all(|tag| self.tags.iter().any(|own| own == tag))
    }
}
