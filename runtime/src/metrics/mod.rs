//! Metrics: per-call-site aggregation, and a background thread that flushes it to a sink.
//!
//! Calls only touch atomics in their site (see [`site`]). A flusher thread wakes every flush
//! interval, drains every site into a [`Batch`] of points and hands it to the sink (DogStatsD,
//! OTLP or the console). [`Flusher::flush`] and dropping the [`Guard`](crate::Guard) drain
//! synchronously, so a short-lived job's counts are exact.

// Counts and nanoseconds become `f64` milliseconds on the wire; they stay far below 2^52.
#![allow(clippy::cast_precision_loss)]

pub(crate) mod console;
pub(crate) mod dogstatsd;
pub(crate) mod histogram;
#[cfg(feature = "otlp")]
pub(crate) mod otlp;
pub(crate) mod site;

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use histogram::Bucket;
use site::CallSite;

use crate::outcome::OutcomeKind;
use crate::slo::{FAST_METRIC, SUCCESS_METRIC, TOTAL_METRIC};

/// One metric value of a flush.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// Calls counted since the last flush.
    Count(u64),
    /// Latencies since the last flush: buckets and how many calls fell in each.
    Distribution(Vec<(Bucket, u64)>),
}

/// One metric point: a name, its own tags (normalized `key:value`, without the global tags),
/// and a value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Point {
    pub(crate) name: &'static str,
    pub(crate) tags: Vec<String>,
    pub(crate) value: Value,
}

/// Everything drained in one flush.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    pub(crate) points: Vec<Point>,
    /// Start of the interval the points cover.
    #[cfg_attr(not(feature = "otlp"), allow(dead_code, reason = "OTLP points carry their interval"))]
    pub(crate) start: SystemTime,
    /// End of that interval.
    #[cfg_attr(not(feature = "otlp"), allow(dead_code, reason = "OTLP points carry their interval"))]
    pub(crate) end: SystemTime,
}

/// Where flushed metrics go. Runs on the flusher thread only.
pub(crate) trait Sink: Send {
    /// Sends one batch. Must not block for long: the flusher waits for it.
    fn export(&mut self, batch: &Batch);
}

/// Drains every site into points. Sites that share a metric name and tags (two methods `new` in
/// one module, say) become one point, so no backend sees duplicate series in one flush.
pub(crate) fn collect() -> Vec<Point> {
    let mut points = Vec::new();
    site::for_each_site(|site| collect_site(site, &mut points));
    merge_duplicates(points)
}

fn merge_duplicates(points: Vec<Point>) -> Vec<Point> {
    let mut merged: Vec<Point> = Vec::with_capacity(points.len());
    let mut index: std::collections::HashMap<(&'static str, Vec<String>), usize> = std::collections::HashMap::new();
    for point in points {
        match index.get(&(point.name, point.tags.clone())) {
            None => {
                index.insert((point.name, point.tags.clone()), merged.len());
                merged.push(point);
            }
            Some(&at) => match (&mut merged[at].value, point.value) {
                (Value::Count(total), Value::Count(more)) => *total += more,
                (Value::Distribution(buckets), Value::Distribution(more)) => {
                    buckets.extend(more);
                    merge_buckets(buckets);
                }
                // A name used both as a counter and a distribution cannot come from the macros.
                (_, other) => merged.push(Point { name: point.name, tags: point.tags, value: other }),
            },
        }
    }
    merged
}

fn collect_site(site: &'static CallSite, points: &mut Vec<Point>) {
    if let Some(timer) = &site.timer {
        let mut drain = |dynamic: &str, cells: &site::TimerCells| {
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
        };
        drain("", &site.timer_cells);
        site.timer_dynamic.for_each(|tags, cells| drain(tags, cells));
    }
    if let Some(slo) = site.slo {
        let mut drain = |dynamic: &str, cells: &site::SloCells| {
            use std::sync::atomic::Ordering::Relaxed;
            let (mut good, mut bad, mut fast) = (0, 0, 0);
            for shard in &cells.shards {
                good += shard.good.swap(0, Relaxed);
                bad += shard.bad.swap(0, Relaxed);
                fast += shard.fast.swap(0, Relaxed);
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
        };
        drain("", &site.slo_cells);
        site.slo_dynamic.for_each(|tags, cells| drain(tags, cells));
    }
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

/// The background thread that drains sites into a sink.
#[derive(Debug)]
pub(crate) struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    done: Condvar,
}

#[derive(Debug, Default)]
struct State {
    stop: bool,
    requested: u64,
    completed: u64,
}

impl Flusher {
    /// Starts the flusher thread.
    pub(crate) fn start(mut sink: Box<dyn Sink>, interval: Duration) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new().name("dd-instrument-metrics".into()).spawn(move || {
            let shared = thread_shared;
            let mut interval_start = SystemTime::now();
            let mut next = Instant::now() + interval;
            loop {
                let (target, stopping) = {
                    let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
                    loop {
                        if state.stop || state.requested > state.completed {
                            break;
                        }
                        let now = Instant::now();
                        if now >= next {
                            next += interval;
                            if next < now {
                                next = now + interval;
                            }
                            break;
                        }
                        state = shared.wake.wait_timeout(state, next - now).unwrap_or_else(PoisonError::into_inner).0;
                    }
                    (state.requested, state.stop)
                };
                let end = SystemTime::now();
                let batch = Batch { points: collect(), start: interval_start, end };
                interval_start = end;
                if !batch.points.is_empty() {
                    sink.export(&batch);
                }
                let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
                state.completed = state.completed.max(target);
                shared.done.notify_all();
                if stopping {
                    return;
                }
            }
        })?;
        Ok(Self { shared, thread: Some(thread) })
    }

    /// Drains and exports now; waits at most `timeout`. Returns whether the export finished.
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.requested += 1;
        let ticket = state.requested;
        self.shared.wake.notify_all();
        while state.completed < ticket {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self.shared.done.wait_timeout(state, deadline - now).unwrap_or_else(PoisonError::into_inner).0;
        }
        true
    }

    /// Exports what is left and stops the thread, waiting at most `timeout`. A sink stuck past
    /// the timeout is left behind (its thread ends with the process) rather than blocking exit.
    pub(crate) fn shutdown(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        {
            let mut state = self.shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.stop = true;
            state.requested += 1;
            let ticket = state.requested;
            self.shared.wake.notify_all();
            while state.completed < ticket {
                let now = Instant::now();
                if now >= deadline {
                    self.thread = None;
                    return false;
                }
                state = self.shared.done.wait_timeout(state, deadline - now).unwrap_or_else(PoisonError::into_inner).0;
            }
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        true
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.shutdown(Duration::from_secs(2));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(nanos: u64) -> Bucket {
        let h = histogram::Histogram::new();
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
