//! From counters to points: draining the call sites (for the flusher) or a capture (for
//! [`testing`](crate::testing)) into [`Point`]s, by the same code.

use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;

use super::{Point, Value};
use crate::per_call::capture::Captured;
use crate::per_call::histogram::Bucket;
use crate::per_call::outcome::OutcomeKind;
use crate::per_call::site::{self, SloCells, TimerCells, TimerMeta};
use crate::slo::{FAST_METRIC, SUCCESS_METRIC, Slo, TOTAL_METRIC};

/// Drains every site into points. Sites that share a metric name and tags (two methods `new` in
/// one module, say) become one point, so no backend sees duplicate series in one flush. First, the
/// kernel is asked whether the clock of call latencies still holds ([`clock::recheck`]).
///
/// [`clock::recheck`]: crate::per_call::clock::recheck
pub(crate) fn collect() -> Vec<Point> {
    crate::per_call::clock::recheck();
    let mut points = Vec::new();
    site::for_each_site(|site| {
        if let Some(timer) = &site.timer {
            drain_timer(timer, "", &site.timer_cells, &mut points);
            site.timer_dynamic.for_each(|tags, cells| drain_timer(timer, tags, cells, &mut points));
        }
        if let Some(slo) = site.slo {
            drain_slo(slo, "", &site.slo_cells, &mut points);
            site.slo_dynamic.for_each(|tags, cells| drain_slo(slo, tags, cells, &mut points));
        }
    });
    super::instruments::collect(&mut points);
    #[cfg(feature = "runtime-metrics")]
    super::runtime_metrics::collect_into(&mut points);
    #[cfg(feature = "otel-metrics")]
    super::otel_bridge::collect_into(&mut points);
    let mut points = merge_duplicates(points);
    // Events and checks are not series: never merged, sent in the order they were queued.
    super::events::collect(&mut points);
    points
}

/// Drains what a capture counted into the points an exporter would have been given.
pub(crate) fn collect_captured(captured: &Captured) -> Vec<Point> {
    let mut points = Vec::new();
    for entry in captured.sites() {
        if let Some(timer) = &entry.site.timer {
            entry.timers.for_each(|tags, cells| drain_timer(timer, tags, cells, &mut points));
        }
        if let Some(slo) = entry.site.slo {
            entry.slos.for_each(|tags, cells| drain_slo(slo, tags, cells, &mut points));
        }
    }
    merge_duplicates(points)
}

/// One distribution point per outcome that has calls: the timer's tags, the run-time tags,
/// `outcome:<outcome>`.
fn drain_timer(timer: &TimerMeta, dynamic: &str, cells: &TimerCells, points: &mut Vec<Point>) {
    for outcome in OutcomeKind::ALL {
        let mut buckets = Vec::new();
        for shard in &cells.shards {
            shard[outcome as usize].drain(|bucket, count| buckets.push((bucket, count)));
        }
        merge_buckets(&mut buckets);
        if !buckets.is_empty() {
            let mut tags = tag_list(timer.tags, dynamic);
            tags.push(format!("outcome:{outcome}"));
            points.push(Point { name: timer.name, tags, value: Value::Distribution(buckets) });
        }
    }
}

/// The SLO's three counters (two without a latency threshold), tagged `slo:<name>`, the SLO's
/// tags and the run-time tags; nothing when no call was counted.
fn drain_slo(slo: &Slo, dynamic: &str, cells: &SloCells, points: &mut Vec<Point>) {
    let (mut good, mut bad, mut fast) = (0, 0, 0);
    for shard in &cells.shards {
        // Each call added to one of the three: taking each once loses none and counts none twice.
        let shard_fast = shard.fast.swap(0, Relaxed);
        fast += shard_fast;
        good += shard_fast + shard.slow.swap(0, Relaxed);
        bad += shard.bad.swap(0, Relaxed);
    }
    if good + bad == 0 {
        return;
    }
    let mut tags = vec![format!("slo:{}", slo.name())];
    tags.extend(tag_list(slo.tags(), dynamic));
    points.push(Point { name: TOTAL_METRIC, tags: tags.clone(), value: Value::Count(good + bad) });
    points.push(Point { name: SUCCESS_METRIC, tags: tags.clone(), value: Value::Count(good) });
    if slo.latency_ms().is_some() {
        points.push(Point { name: FAST_METRIC, tags, value: Value::Count(fast) });
    }
}

fn merge_duplicates(points: Vec<Point>) -> Vec<Point> {
    let mut merged: Vec<Point> = Vec::with_capacity(points.len());
    let mut index: HashMap<(&'static str, Vec<String>), usize> = HashMap::new();
    for point in points {
        match index.get(&(point.name, point.tags.clone())) {
            None => {
                index.insert((point.name, point.tags.clone()), merged.len());
                merged.push(point);
            }
            Some(&at) => match (&mut merged[at].value, point.value) {
                (Value::Count(total), Value::Count(more)) => *total += more,
                (Value::FloatCount(total), Value::FloatCount(more)) => *total += more,
                (Value::Distribution(buckets), Value::Distribution(more)) => {
                    buckets.extend(more);
                    merge_buckets(buckets);
                }
                // Two handles of one name and tags: one series, as the Agent would make it.
                (Value::Gauge(level), Value::Gauge(later)) => *level = later,
                (Value::Values(buckets), Value::Values(more)) => {
                    buckets.extend(more);
                    super::values::sort(buckets);
                }
                (Value::Set(members), Value::Set(more)) => {
                    members.extend(more);
                    members.sort_unstable();
                    members.dedup();
                }
                // A name used both as a counter and a distribution cannot come from the macros.
                (_, other) => merged.push(Point { name: point.name, tags: point.tags, value: other }),
            },
        }
    }
    merged
}

/// Sorts buckets by duration and adds up the counts of equal buckets.
fn merge_buckets(buckets: &mut Vec<(Bucket, u64)>) {
    buckets.sort_by_key(|(bucket, _)| *bucket);
    buckets.dedup_by(|(later, n), (earlier, total)| {
        let same = later == earlier;
        if same {
            *total += *n;
        }
        same
    });
}

fn tag_list(fixed: &[&str], dynamic: &str) -> Vec<String> {
    fixed
        .iter()
        .map(|t| (*t).to_owned())
        .chain(dynamic.split(',').filter(|t| !t.is_empty()).map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(nanos: u64) -> Bucket {
        let h = crate::per_call::histogram::Histogram::new();
        h.record(nanos);
        let mut found = None;
        h.drain(|b, _| found = Some(b));
        found.unwrap()
    }

    #[test]
    fn points_with_the_same_name_and_tags_merge() {
        let tags = vec!["outcome:ok".to_owned()];
        let (a, b) = (bucket(1_000), bucket(2_000));
        let merged = merge_duplicates(vec![
            Point { name: "m", tags: tags.clone(), value: Value::Distribution(vec![(a, 1), (b, 2)]) },
            Point { name: "c", tags: vec![], value: Value::Count(2) },
            Point { name: "m", tags: tags.clone(), value: Value::Distribution(vec![(b, 3)]) },
            Point { name: "c", tags: vec![], value: Value::Count(5) },
            Point { name: "m", tags: vec!["outcome:error".into()], value: Value::Count(1) },
        ]);
        assert_eq!(
            merged,
            [
                Point { name: "m", tags: tags.clone(), value: Value::Distribution(vec![(a, 1), (b, 5)]) },
                Point { name: "c", tags: vec![], value: Value::Count(7) },
                Point { name: "m", tags: vec!["outcome:error".into()], value: Value::Count(1) },
            ]
        );
    }
}
