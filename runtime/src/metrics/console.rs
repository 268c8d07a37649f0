//! A metrics sink that prints the points of each flush, for development and the examples.

use std::fmt::Write as _;
use std::io::Write;

use super::{Batch, Sink, Value};

/// Prints each flush to a writer (standard error by default).
pub(crate) struct ConsoleSink {
    out: Box<dyn Write + Send>,
    global_tags: String,
}

impl ConsoleSink {
    pub(crate) fn new(out: Box<dyn Write + Send>, global_tags: &[String]) -> Self {
        Self { out, global_tags: global_tags.join(",") }
    }
}

impl Sink for ConsoleSink {
    fn export(&mut self, batch: &Batch) {
        let text = render(batch, &self.global_tags);
        // Best effort, like any console output.
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}

/// One line per point: name, tags, and the count or the distribution's summary.
pub(crate) fn render(batch: &Batch, global_tags: &str) -> String {
    let mut out = format!(
        "metrics ({} points, tags on all: {})\n",
        batch.points.len(),
        if global_tags.is_empty() { "none" } else { global_tags }
    );
    for point in &batch.points {
        match &point.value {
            Value::Event(event) => {
                let _ = writeln!(out, "  event {}", super::events::render_event(event, ""));
                continue;
            }
            Value::ServiceCheck(check) => {
                let _ = writeln!(out, "  service check {}", super::events::render_service_check(check, ""));
                continue;
            }
            _ => {}
        }
        let _ = write!(out, "  {}{{{}}} ", point.name, point.tags.join(","));
        match &point.value {
            Value::Count(n) => {
                let _ = writeln!(out, "count {n}");
            }
            Value::FloatCount(n) => {
                let _ = writeln!(out, "count {n}");
            }
            Value::Distribution(buckets) => {
                let values: Vec<(f64, u64)> = buckets.iter().map(|&(b, n)| (b.representative_ms(), n)).collect();
                summarize(&mut out, &values, "ms");
            }
            Value::Values(buckets) => {
                let values: Vec<(f64, u64)> = buckets.iter().map(|&(b, n)| (b.representative(), n)).collect();
                summarize(&mut out, &values, "");
            }
            Value::Gauge(level) => {
                let _ = writeln!(out, "gauge {level}");
            }
            Value::Set(members) => {
                let _ = writeln!(out, "set {} distinct", members.len());
            }
            Value::Event(_) | Value::ServiceCheck(_) => {}
        }
    }
    out
}

/// `distribution n=.. min=.. p50=.. p99=.. max=..` of values (in order) and their counts.
fn summarize(out: &mut String, values: &[(f64, u64)], unit: &str) {
    let count: u64 = values.iter().map(|(_, n)| n).sum();
    let quantile = |q: f64| {
        // Nearest-rank quantile: the smallest value with at least `q` of the calls at or below it.
        let rank = (1..=count).find(|&r| r as f64 >= count as f64 * q).unwrap_or(count).max(1);
        let mut seen = 0;
        values
            .iter()
            .find(|(_, n)| {
                seen += n;
                seen >= rank
            })
            .map_or(0.0, |(value, _)| *value)
    };
    let _ = writeln!(
        out,
        "distribution n={count} min={}{unit} p50={}{unit} p99={}{unit} max={}{unit}",
        quantile(0.0),
        quantile(0.5),
        quantile(0.99),
        quantile(1.0)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Point;
    use crate::per_call::histogram::Histogram;

    #[test]
    fn renders_counts_and_distribution_summaries() {
        let h = Histogram::new();
        for v in [1_000_000, 2_000_000, 3_000_000, 40_000_000] {
            h.record(v);
        }
        let mut buckets = Vec::new();
        h.drain(|b, n| buckets.push((b, n)));
        let now = std::time::SystemTime::now();
        let batch = Batch {
            points: vec![
                Point { name: "op.duration", tags: vec!["outcome:ok".into()], value: Value::Distribution(buckets) },
                Point { name: "slo.requests.total", tags: vec!["slo:s".into()], value: Value::Count(4) },
            ],
            start: now,
            end: now,
        };
        assert_eq!(
            render(&batch, "service:shop"),
            "metrics (2 points, tags on all: service:shop)\n  op.duration{outcome:ok} distribution n=4 min=1.001ms p50=2.003ms p99=39.98ms max=39.98ms\n  slo.requests.total{slo:s} count 4\n"
        );
    }
}
