//! Export health: what each destination delivered, dropped and failed, and the warnings that
//! say so.
//!
//! Each exporter (the span exporter of the trace export, the metrics sink) counts into one
//! [`Destination`], shared with the [`Guard`](crate::Guard), which reads the counters
//! ([`Guard::stats`](crate::Guard::stats)), and with the metrics flusher, which can send them as
//! self-metrics (`datadog.dd_instrument.*`). A failure is logged as a `WARN` under the target
//! `dd_instrument`: the first of each kind at once, then at most one per minute per destination,
//! with the number of failures in between. The counting is a few relaxed atomic additions per
//! export, never per call.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What one destination did with what it was given, since the start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DestinationStats {
    /// Items (spans, or metric points) the destination accepted.
    pub sent: u64,
    /// Items given up before being sent: a full socket buffer, a DogStatsD line longer than a
    /// datagram.
    pub dropped: u64,
    /// Items whose sending failed: the destination refused them, could not be reached, or did not
    /// answer in time.
    pub failed: u64,
}

/// What the exporters of a [`Guard`](crate::Guard) delivered, per destination. Read it with
/// [`Guard::stats`](crate::Guard::stats).
///
/// ```no_run
/// let telemetry = dd_instrument::init()?;
/// // ... later, in a health check or at the end of a job:
/// telemetry.flush();
/// let stats = telemetry.stats();
/// if stats.metrics.failed + stats.metrics.dropped > 0 {
///     eprintln!("{} metric points were not delivered", stats.metrics.failed + stats.metrics.dropped);
/// }
/// # Ok::<(), dd_instrument::InitError>(())
/// ```
///
/// Over UDP (DogStatsD's default), a datagram is sent once the socket takes it: an Agent that
/// is down is only noticed when the system reports it (a refused port on the same host, on the
/// next send). A span that finds the OTLP export queue full (`OTEL_BSP_MAX_QUEUE_SIZE`) is
/// counted as dropped at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportStats {
    /// Spans, through the trace exporter (OTLP); zero without trace export, or with native
    /// export, which Datadog's SDK reports on its own.
    pub spans: DestinationStats,
    /// Metric points, through the metrics exporter (DogStatsD, OTLP, console).
    pub metrics: DestinationStats,
    /// Profiles, through continuous profiling (feature `profiling`); zero when it is off.
    pub profiles: DestinationStats,
}

/// Time between two warnings about one destination, once each kind of failure was reported.
const REPORT_EVERY: Duration = Duration::from_mins(1);

/// One destination: its counters and its warnings.
#[derive(Debug)]
pub(crate) struct Destination {
    /// What it receives: `spans`, `metric points`.
    what: &'static str,
    /// Where it is: `DogStatsD udp://localhost:8125`.
    name: String,
    /// Said with the warnings: how to print to the console when no Agent is configured.
    hint: Option<String>,
    sent: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
    reports: Mutex<Reports>,
    every: Duration,
}

#[derive(Debug, Default)]
struct Reports {
    /// When the last warning was logged.
    last: Option<Instant>,
    /// The kinds of failure already reported.
    kinds: Vec<String>,
    /// Items lost since the last warning.
    unreported: u64,
}

impl Destination {
    /// A destination receiving `what`, at `name`, with the `hint` its warnings give.
    pub(crate) fn new(what: &'static str, name: String, hint: Option<String>) -> Arc<Self> {
        Arc::new(Self::with_interval(what, name, hint, REPORT_EVERY))
    }

    fn with_interval(what: &'static str, name: String, hint: Option<String>, every: Duration) -> Self {
        Self {
            what,
            name,
            hint,
            sent: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            reports: Mutex::new(Reports::default()),
            every,
        }
    }

    /// `n` items were accepted.
    pub(crate) fn sent(&self, n: u64) {
        self.sent.fetch_add(n, Relaxed);
    }

    /// `n` items were given up before being sent, for a reason of kind `kind`.
    pub(crate) fn dropped(&self, n: u64, kind: &str, detail: &dyn fmt::Display) {
        self.dropped.fetch_add(n, Relaxed);
        self.report(n, kind, detail);
    }

    /// Sending `n` items failed, with an error of kind `kind`.
    pub(crate) fn failed(&self, n: u64, kind: &str, detail: &dyn fmt::Display) {
        self.failed.fetch_add(n, Relaxed);
        self.report(n, kind, detail);
    }

    /// The counters now.
    pub(crate) fn stats(&self) -> DestinationStats {
        DestinationStats {
            sent: self.sent.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            failed: self.failed.load(Relaxed),
        }
    }

    /// Where it is, as its warnings say.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Items lost so far (dropped or failed).
    pub(crate) fn lost(&self) -> u64 {
        self.dropped.load(Relaxed) + self.failed.load(Relaxed)
    }

    /// Logs a warning for a new kind of failure, or when the last warning is old enough.
    fn report(&self, n: u64, kind: &str, detail: &dyn fmt::Display) {
        let mut reports = self.reports.lock().unwrap_or_else(PoisonError::into_inner);
        reports.unreported += n;
        let new_kind = !reports.kinds.iter().any(|known| known == kind);
        let now = Instant::now();
        if !new_kind && reports.last.is_some_and(|last| now.duration_since(last) < self.every) {
            return;
        }
        if new_kind {
            reports.kinds.push(kind.to_owned());
        }
        let lost = std::mem::take(&mut reports.unreported);
        reports.last = Some(now);
        drop(reports);
        let hint = self.hint.as_deref().map(|hint| format!("; {hint}")).unwrap_or_default();
        let since = if lost > n { format!(" ({lost} since the last warning)") } else { String::new() };
        // Logged from exporter threads, outside any span: nothing here is exported again.
        tracing::warn!(
            target: "dd_instrument",
            "{n} {} not delivered to {}{since}: {kind}: {detail}{hint}",
            self.what,
            self.name,
        );
    }
}

/// The kind of an export error, from its text: what the warnings group failures by.
#[cfg(feature = "otlp")]
pub(crate) fn kind_of(error: &str) -> &'static str {
    let error = error.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|word| error.contains(word));
    if has(&["timed out", "timeout", "deadline"]) {
        "no answer in time"
    } else if has(&["dns", "resolve", "lookup", "name or service not known", "no address"]) {
        "the host name does not resolve"
    } else if has(&["http 4", "http 5", "status code", "status:"]) {
        "refused by the receiver"
    } else if has(&["refused", "connect", "network", "unreachable", "unavailable", "no such file", "not found"]) {
        "unreachable"
    } else {
        "export error"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(f: impl FnOnce()) -> Vec<String> {
        use tracing_subscriber::prelude::*;

        #[derive(Clone, Default)]
        struct Record(Arc<Mutex<Vec<String>>>);
        impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Record {
            fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
                struct Message(String);
                impl tracing::field::Visit for Message {
                    fn record_debug(&mut self, _: &tracing::field::Field, value: &dyn fmt::Debug) {
                        self.0 = format!("{value:?}");
                    }
                }
                let mut message = Message(String::new());
                event.record(&mut message);
                let meta = event.metadata();
                self.0.lock().unwrap().push(format!("{} {} {}", meta.level(), meta.target(), message.0));
            }
        }
        let record = Record::default();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(record.clone()), f);
        record.0.lock().unwrap().clone()
    }

    #[test]
    fn each_kind_is_reported_once_then_at_most_once_per_interval() {
        let destination = Destination::with_interval(
            "metric points",
            "DogStatsD udp://localhost:8125".into(),
            Some("hint".into()),
            Duration::from_hours(1),
        );
        let logged = warnings(|| {
            destination.failed(3, "connection refused", &"os error 111");
            destination.failed(2, "connection refused", &"os error 111");
            destination.dropped(1, "line too long", &"1500 bytes");
            destination.failed(4, "connection refused", &"os error 111");
            destination.sent(7);
        });
        assert_eq!(
            logged,
            [
                "WARN dd_instrument 3 metric points not delivered to DogStatsD udp://localhost:8125: connection \
                 refused: os error 111; hint",
                "WARN dd_instrument 1 metric points not delivered to DogStatsD udp://localhost:8125 (3 since the last \
                 warning): line too long: 1500 bytes; hint",
            ]
        );
        assert_eq!(destination.stats(), DestinationStats { sent: 7, dropped: 1, failed: 9 });
        assert_eq!(destination.lost(), 10);
    }

    #[cfg(feature = "otlp")]
    #[test]
    fn export_errors_are_grouped_by_kind() {
        let cases = [
            ("Operation failed: HTTP export failed: network error", "unreachable"),
            ("error sending request: client error (Connect): tcp connect error: Connection refused", "unreachable"),
            ("HTTP 403 Forbidden", "refused by the receiver"),
            ("status: Unavailable, message: \"dns error: failed to lookup address\"", "the host name does not resolve"),
            ("timed out", "no answer in time"),
            ("something else", "export error"),
        ];
        for (error, kind) in cases {
            assert_eq!(kind_of(error), kind, "{error}");
        }
    }

    #[test]
    fn after_the_interval_the_same_kind_is_reported_again() {
        let destination = Destination::with_interval("spans", "OTLP".into(), None, Duration::ZERO);
        let logged = warnings(|| {
            destination.failed(1, "timeout", &"no answer");
            destination.failed(1, "timeout", &"no answer");
        });
        assert_eq!(logged, ["WARN dd_instrument 1 spans not delivered to OTLP: timeout: no answer"; 2]);
    }
}
