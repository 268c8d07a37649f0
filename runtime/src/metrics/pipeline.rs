//! The one running metrics exporter of the process.
//!
//! Call sites are `static`s shared by the whole program, so only one pipeline may drain them:
//! starting a second while one runs is [`InitError::AlreadyRunning`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::flusher::Flusher;
use super::{Point, Sink, Value};
use crate::config::InitError;
use crate::health::{Destination, DestinationStats};
use crate::per_call::site::{self, PIPELINE};

/// Whether a [`Pipeline`] runs.
static RUNNING: Mutex<bool> = Mutex::new(false);

/// The running metrics exporter: a flusher thread draining the sites into a sink. While it
/// runs, calls count in their sites; it stops when shut down or dropped.
#[derive(Debug)]
pub(crate) struct Pipeline {
    flusher: Flusher,
    /// Bound on [`flush`](Self::flush), and on the shutdown of a pipeline dropped without
    /// [`shutdown`](Self::shutdown).
    timeout: Duration,
    stopped: bool,
    /// The OpenTelemetry meter provider read by the flusher, if started.
    #[cfg(feature = "otel-metrics")]
    otel: Option<super::otel_bridge::OtelMeter>,
}

impl Pipeline {
    /// Starts flushing to `sink` every `interval`.
    /// With `self_metrics`, each flush also sends what the exporters delivered, dropped and
    /// failed since the previous one.
    pub(crate) fn start(
        sink: Box<dyn Sink>,
        interval: Duration,
        timeout: Duration,
        self_metrics: Option<SelfMetrics>,
    ) -> Result<Self, InitError> {
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        if *running {
            return Err(InitError::AlreadyRunning);
        }
        let flusher = Flusher::start(sink, interval, self_metrics).map_err(|e| InitError::Exporter {
            exporter: "metrics",
            message: format!("could not start the flush thread: {e}"),
        })?;
        *running = true;
        site::set_mode(PIPELINE, true);
        Ok(Self {
            flusher,
            timeout,
            stopped: false,
            #[cfg(feature = "otel-metrics")]
            otel: None,
        })
    }

    /// Starts an OpenTelemetry meter provider the flusher reads at every flush (points it has to
    /// drop are counted in `destination`). Installs nothing global: see
    /// [`install_otel_global`](Self::install_otel_global).
    #[cfg(feature = "otel-metrics")]
    pub(crate) fn start_otel(&mut self, destination: Option<Arc<Destination>>) {
        self.otel = Some(super::otel_bridge::OtelMeter::start(destination));
    }

    /// Makes the meter provider of [`start_otel`](Self::start_otel), if any, OpenTelemetry's
    /// global one.
    #[cfg_attr(not(feature = "otel-metrics"), allow(clippy::unused_self))]
    pub(crate) fn install_otel_global(&self) {
        #[cfg(feature = "otel-metrics")]
        if let Some(otel) = &self.otel {
            otel.install_global();
        }
    }

    /// Drains and exports now, waiting at most the pipeline's timeout. Returns whether the
    /// export finished.
    pub(crate) fn flush(&self) -> bool {
        self.flusher.flush(self.timeout)
    }

    /// Stops counting, exports what is left and stops the thread, within `timeout`.
    pub(crate) fn shutdown(mut self, timeout: Duration) {
        self.stop(timeout);
    }

    fn stop(&mut self, timeout: Duration) {
        let deadline = std::time::Instant::now() + timeout;
        self.stopped = true;
        {
            let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
            *running = false;
            site::set_mode(PIPELINE, false);
        }
        // The last flush reads the meter provider too; then it stops (no thread: no wait).
        self.flusher.shutdown(timeout);
        #[cfg(feature = "otel-metrics")]
        if let Some(otel) = self.otel.take() {
            otel.shutdown(deadline.saturating_duration_since(std::time::Instant::now()));
        }
        #[cfg(not(feature = "otel-metrics"))]
        let _ = deadline;
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        if !self.stopped {
            self.stop(self.timeout);
        }
    }
}

/// Names of the self-metrics of spans: sent, dropped, failed.
const SPAN_NAMES: [&str; 3] =
    ["datadog.dd_instrument.spans.sent", "datadog.dd_instrument.spans.dropped", "datadog.dd_instrument.spans.failed"];
/// Names of the self-metrics of metric points: sent, dropped, failed.
const POINT_NAMES: [&str; 3] = [
    "datadog.dd_instrument.points.sent",
    "datadog.dd_instrument.points.dropped",
    "datadog.dd_instrument.points.failed",
];

/// The exporters' own counters as metric points (`datadog.dd_instrument.*`, counts since the
/// previous flush), like the health metrics of Datadog's tracers. Off by default
/// (`DD_INSTRUMENT_HEALTH_METRICS`).
#[derive(Debug)]
pub(crate) struct SelfMetrics {
    sources: Vec<(&'static [&'static str; 3], Arc<Destination>, DestinationStats)>,
}

impl SelfMetrics {
    pub(crate) fn new(spans: Option<Arc<Destination>>, points: Option<Arc<Destination>>) -> Self {
        let sources = [(&SPAN_NAMES, spans), (&POINT_NAMES, points)]
            .into_iter()
            .filter_map(|(names, destination)| Some((names, destination?, DestinationStats::default())))
            .collect();
        Self { sources }
    }

    /// The counts since the last call, as points; counters that did not move are left out.
    pub(crate) fn points(&mut self) -> Vec<Point> {
        let mut points = Vec::new();
        for (names, destination, last) in &mut self.sources {
            let now = destination.stats();
            let deltas = [now.sent - last.sent, now.dropped - last.dropped, now.failed - last.failed];
            *last = now;
            for (name, delta) in names.iter().zip(deltas) {
                if delta > 0 {
                    points.push(Point { name, tags: Vec::new(), value: Value::Count(delta) });
                }
            }
        }
        points
    }
}
