//! Runtime metrics (`DD_RUNTIME_METRICS_ENABLED`): gauges of the process and of the tokio
//! runtime `init` ran in, under `runtime.rust.*`, tagged `runtime-id:<uuid>` (one per process),
//! sampled by the flusher at most every [`INTERVAL`] and sent with every other metric.
//!
//! | metric | what | unit |
//! |---|---|---|
//! | `runtime.rust.cpu.time.user` | CPU time in user mode during the last interval, all threads | seconds |
//! | `runtime.rust.cpu.time.sys` | CPU time in the kernel during the last interval | seconds |
//! | `runtime.rust.cpu.percent` | user + kernel CPU time over wall time of the interval (100 = one core) | percent |
//! | `runtime.rust.mem.rss` | resident set size | bytes |
//! | `runtime.rust.fd_count` | open file descriptors | |
//! | `runtime.rust.thread_count` | threads of the process | |
//! | `runtime.rust.uptime` | time since `init` | seconds |
//! | `runtime.rust.tokio.workers` | worker threads of the runtime | |
//! | `runtime.rust.tokio.alive_tasks` | tasks spawned and not finished | |
//! | `runtime.rust.tokio.global_queue_depth` | tasks waiting in the runtime's global queue | |
//! | `runtime.rust.tokio.busy_ratio` | time workers spent running tasks over the interval, averaged over workers (0 to 1) | ratio |
//!
//! The process figures come from `/proc` through the `procfs` crate (Linux only; elsewhere only
//! the uptime and tokio figures are sent); the tokio ones from tokio's stable `RuntimeMetrics`.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{Point, Value};

/// How often runtime metrics are sampled (Datadog's tracers use 10 s).
pub(crate) const INTERVAL: Duration = Duration::from_secs(10);

/// How old the last sample must be for the next: [`INTERVAL`] less a tenth.
const DUE_AFTER: Duration = INTERVAL.saturating_sub(Duration::from_secs(1));

/// The collector of the running [`Guard`](crate::Guard), if runtime metrics are on.
static COLLECTOR: Mutex<Option<RuntimeMetrics>> = Mutex::new(None);

/// Starts sampling: `tokio` is the runtime `init` ran in, if any.
pub(crate) fn install(tokio: Option<tokio::runtime::Handle>) {
    *COLLECTOR.lock().unwrap_or_else(PoisonError::into_inner) = Some(RuntimeMetrics::new(tokio, Instant::now()));
}

/// Stops sampling (the guard is dropped).
pub(crate) fn uninstall() {
    *COLLECTOR.lock().unwrap_or_else(PoisonError::into_inner) = None;
}

/// Adds the runtime metrics to a flush's points when a sample is due.
pub(crate) fn collect_into(points: &mut Vec<Point>) {
    let mut collector = COLLECTOR.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(collector) = collector.as_mut() {
        collector.collect_due(Instant::now(), points);
    }
}

/// One sample of the collector, for the benchmark of its cost (`runtime/benches/instruments.rs`).
/// Not part of the API.
#[doc(hidden)]
pub struct BenchSampler(RuntimeMetrics);

impl std::fmt::Debug for BenchSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BenchSampler").finish_non_exhaustive()
    }
}

impl BenchSampler {
    /// A collector of the process and of `tokio`'s runtime, as `init` makes one.
    pub fn new(tokio: Option<tokio::runtime::Handle>) -> Self {
        Self(RuntimeMetrics::new(tokio, Instant::now()))
    }

    /// Takes one sample, as every 10 s; returns how many points it made.
    pub fn sample(&mut self) -> usize {
        let mut points = Vec::new();
        self.0.collect(Instant::now(), &mut points);
        points.len()
    }
}

/// What the previous sample read, for figures over an interval.
struct Previous {
    at: Instant,
    cpu: Option<(Duration, Duration)>,
    busy: Vec<Duration>,
}

/// Samples the process and a tokio runtime.
pub(crate) struct RuntimeMetrics {
    runtime_id: String,
    started: Instant,
    tokio: Option<tokio::runtime::Handle>,
    previous: Option<Previous>,
}

impl RuntimeMetrics {
    pub(crate) fn new(tokio: Option<tokio::runtime::Handle>, started: Instant) -> Self {
        Self { runtime_id: format!("runtime-id:{}", crate::runtime_id::get()), started, tokio, previous: None }
    }

    /// Samples when none was taken yet or the last is about [`INTERVAL`] old (a tenth early
    /// counts: flushes on a fixed schedule run a little early or late, and a sample must not be
    /// skipped for a few milliseconds).
    pub(crate) fn collect_due(&mut self, now: Instant, points: &mut Vec<Point>) {
        if self.previous.as_ref().is_some_and(|previous| now.duration_since(previous.at) < DUE_AFTER) {
            return;
        }
        self.collect(now, points);
    }

    /// Takes a sample now.
    pub(crate) fn collect(&mut self, now: Instant, points: &mut Vec<Point>) {
        let mut gauge = |name: &'static str, value: f64| {
            points.push(Point { name, tags: vec![self.runtime_id.clone()], value: Value::Gauge(value) });
        };
        let elapsed = self.previous.as_ref().map(|previous| now.duration_since(previous.at));
        gauge("runtime.rust.uptime", now.duration_since(self.started).as_secs_f64());

        let process = process::read();
        let cpu = process.as_ref().map(|p| (p.user, p.system));
        if let (Some((user, system)), Some(previous), Some(elapsed)) =
            (cpu, self.previous.as_ref().and_then(|p| p.cpu), elapsed)
        {
            let user = user.saturating_sub(previous.0).as_secs_f64();
            let system = system.saturating_sub(previous.1).as_secs_f64();
            gauge("runtime.rust.cpu.time.user", user);
            gauge("runtime.rust.cpu.time.sys", system);
            if !elapsed.is_zero() {
                gauge("runtime.rust.cpu.percent", 100.0 * (user + system) / elapsed.as_secs_f64());
            }
        }
        if let Some(process) = &process {
            gauge("runtime.rust.mem.rss", process.rss_bytes as f64);
            gauge("runtime.rust.thread_count", process.threads as f64);
            if let Some(fds) = process.fds {
                gauge("runtime.rust.fd_count", fds as f64);
            }
        }

        let mut busy = Vec::new();
        if let Some(handle) = &self.tokio {
            let metrics = handle.metrics();
            let workers = metrics.num_workers();
            gauge("runtime.rust.tokio.workers", workers as f64);
            gauge("runtime.rust.tokio.alive_tasks", metrics.num_alive_tasks() as f64);
            gauge("runtime.rust.tokio.global_queue_depth", metrics.global_queue_depth() as f64);
            busy = (0..workers).map(|worker| metrics.worker_total_busy_duration(worker)).collect();
            let previous = self.previous.as_ref().map(|p| p.busy.as_slice()).filter(|p| p.len() == workers);
            if let (Some(previous), Some(elapsed)) = (previous, elapsed)
                && workers > 0
                && !elapsed.is_zero()
            {
                let spent: f64 =
                    busy.iter().zip(previous).map(|(now, before)| now.saturating_sub(*before).as_secs_f64()).sum();
                let ratio = spent / (elapsed.as_secs_f64() * workers as f64);
                gauge("runtime.rust.tokio.busy_ratio", ratio.clamp(0.0, 1.0));
            }
        }
        self.previous = Some(Previous { at: now, cpu, busy });
    }
}

/// What `/proc` says of this process.
mod process {
    use std::time::Duration;

    pub(super) struct Process {
        pub(super) user: Duration,
        pub(super) system: Duration,
        pub(super) rss_bytes: u64,
        pub(super) threads: i64,
        pub(super) fds: Option<usize>,
    }

    #[cfg(target_os = "linux")]
    pub(super) fn read() -> Option<Process> {
        let me = procfs::process::Process::myself().ok()?;
        let stat = me.stat().ok()?;
        let ticks = procfs::ticks_per_second();
        let ticks = if ticks == 0 { 100 } else { ticks };
        let time = |t: u64| Duration::from_secs_f64(t as f64 / ticks as f64);
        Some(Process {
            user: time(stat.utime),
            system: time(stat.stime),
            rss_bytes: stat.rss.saturating_mul(procfs::page_size()),
            threads: stat.num_threads,
            fds: me.fd_count().ok(),
        })
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn read() -> Option<Process> {
        None
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "small integers and exact fake times, exact in f64")]
mod tests {
    use super::*;

    fn names(points: &[Point]) -> Vec<&'static str> {
        points.iter().map(|p| p.name).collect()
    }

    fn value(points: &[Point], name: &str) -> f64 {
        match points.iter().find(|p| p.name == name).map(|p| &p.value) {
            Some(Value::Gauge(v)) => *v,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn samples_the_process_and_the_tokio_runtime_every_interval() {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let start = Instant::now();
        let mut metrics = RuntimeMetrics::new(Some(runtime.handle().clone()), start);
        let mut first = Vec::new();
        metrics.collect_due(start, &mut first);
        // The first sample has no interval yet: no CPU times, no busy ratio.
        let mut expected = vec![
            "runtime.rust.uptime",
            "runtime.rust.mem.rss",
            "runtime.rust.thread_count",
            "runtime.rust.fd_count",
            "runtime.rust.tokio.workers",
            "runtime.rust.tokio.alive_tasks",
            "runtime.rust.tokio.global_queue_depth",
        ];
        assert_eq!(names(&first), expected);
        assert_eq!(value(&first, "runtime.rust.tokio.workers"), 2.0);
        assert!(value(&first, "runtime.rust.mem.rss") > 1_000_000.0);
        assert!(value(&first, "runtime.rust.thread_count") >= 3.0, "this thread and two workers");
        let tag = &first[0].tags;
        assert!(tag.len() == 1 && tag[0].starts_with("runtime-id:"), "{tag:?}");
        assert!(first.iter().all(|p| &p.tags == tag), "one runtime id on every point");

        let mut early = Vec::new();
        metrics.collect_due(start + INTERVAL / 2, &mut early);
        assert!(early.is_empty(), "not due yet");

        // Keep the runtime and this thread busy, then sample an interval later.
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..4 {
            let tx = tx.clone();
            runtime.spawn(async move {
                let until = Instant::now() + Duration::from_millis(50);
                while Instant::now() < until {
                    std::hint::spin_loop();
                }
                tx.send(()).unwrap();
            });
        }
        let _pending = runtime.spawn(std::future::pending::<()>());
        for _ in 0..4 {
            rx.recv().unwrap();
        }
        // A task that sent is finishing: wait until tokio released the four (at most 5 s).
        let deadline = Instant::now() + Duration::from_secs(5);
        while runtime.metrics().num_alive_tasks() > 1 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        // A flush a few milliseconds early still samples (flushes keep a fixed schedule).
        let second_at = INTERVAL.saturating_sub(Duration::from_millis(5));
        let mut second = Vec::new();
        metrics.collect_due(start + second_at, &mut second);
        expected.splice(1..1, ["runtime.rust.cpu.time.user", "runtime.rust.cpu.time.sys", "runtime.rust.cpu.percent"]);
        expected.push("runtime.rust.tokio.busy_ratio");
        assert_eq!(names(&second), expected);
        assert_eq!(value(&second, "runtime.rust.uptime"), second_at.as_secs_f64());
        assert_eq!(value(&second, "runtime.rust.tokio.alive_tasks"), 1.0, "the pending task");
        assert!(value(&second, "runtime.rust.cpu.time.user") > 0.0, "200 ms of spinning");
        let busy = value(&second, "runtime.rust.tokio.busy_ratio");
        assert!(busy > 0.0 && busy <= 1.0, "{busy}");
        assert_eq!(second[0].tags, *tag);
    }

    #[test]
    fn without_tokio_only_process_figures_are_sent() {
        let start = Instant::now();
        let mut metrics = RuntimeMetrics::new(None, start);
        let mut points = Vec::new();
        metrics.collect(start, &mut points);
        assert!(names(&points).iter().all(|name| !name.starts_with("runtime.rust.tokio.")), "{:?}", names(&points));
        assert!(!points.is_empty());
    }
}
