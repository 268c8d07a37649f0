//! What your instrumented code produces, captured for your own tests.
//!
//! [`capture`] runs a closure and returns its value with what the annotated functions it
//! called produced on the current thread: the finished spans, as a trace exporter receives
//! them, and the metric points, as the metrics exporter is given them at its next flush.
//! Nothing goes through a socket or leaves the process, and each capture sees only the calls of
//! its own thread, so tests that capture run in parallel, with or without a metrics exporter
//! running elsewhere in the process.
//!
//! ```
//! use dd_instrument::testing::{self, MetricValue};
//! use dd_instrument::{dd_slo, dd_span, dd_timed};
//!
//! #[dd_span(name = "payments.charge", kind = "client", peer = "bank", resource = "POST /charge")]
//! #[dd_timed(tags(method = "card"))]
//! #[dd_slo(name = "charge", target = 99.9)]
//! fn charge(cents: u32) -> Result<u32, String> {
//!     if cents == 0 { Err("nothing to charge".to_owned()) } else { Ok(cents) }
//! }
//!
//! let (result, captured) = testing::capture(|| {
//!     charge(250).unwrap();
//!     charge(0)
//! });
//! assert!(result.is_err());
//!
//! // Spans, in the order they finished, with Datadog's view of them.
//! let [ok, failed] = captured.spans() else { panic!("two spans") };
//! assert_eq!((ok.operation(), ok.resource(), ok.kind()), ("payments.charge", "POST /charge", "client"));
//! assert_eq!(ok.peer_service(), Some("bank"));
//! assert_eq!(failed.error_message(), Some("nothing to charge"));
//!
//! // Metric points: their own tags (not `env`, `service`, `version` and `DD_TAGS`).
//! let latency = captured.metric("payments.charge.duration", &["method:card", "outcome:error"]).unwrap();
//! assert!(matches!(latency.value(), MetricValue::Distribution(values) if values.len() == 1));
//! assert_eq!(captured.count("slo.requests.total", &["slo:charge"]), 2);
//! assert_eq!(captured.count("slo.requests.success", &["slo:charge"]), 1);
//! ```
//!
//! The application's own metrics are captured too: what the [`metrics`](crate::metrics) handles
//! ([`Counter`](crate::metrics::Counter), [`Gauge`](crate::metrics::Gauge), ...) record, as
//! points, and the [`Event`]s and
//! [`ServiceCheck`]s sent, whether an exporter runs or not (they
//! never reach it):
//!
//! ```
//! use dd_instrument::metrics::{AlertType, Counter, Distribution, Event, Gauge, ServiceCheck, Status};
//! use dd_instrument::testing::{self, MetricValue};
//!
//! static ORDERS: Counter = Counter::new("shop.orders").with_tags(&["team:checkout"]);
//! static BASKET: Distribution = Distribution::new("shop.basket.items");
//! static DEPTH: Gauge = Gauge::new("shop.queue.depth");
//!
//! fn place_order(country: &str, items: usize) {
//!     ORDERS.add_with(1, &[("country", country)]);
//!     BASKET.record(items as f64);
//!     DEPTH.set(3.0);
//! }
//!
//! let ((), captured) = testing::capture(|| {
//!     place_order("fr", 2);
//!     place_order("fr", 5);
//!     Event::new("Deployed", "v1.4.2").alert_type(AlertType::Success).send().unwrap();
//!     ServiceCheck::new("shop.db.can_connect", Status::Ok).send().unwrap();
//! });
//! assert_eq!(captured.count("shop.orders", &["team:checkout", "country:fr"]), 2);
//! assert_eq!(captured.metric("shop.basket.items", &[]).unwrap().value(), &MetricValue::Distribution(vec![2.0, 5.0]));
//! assert_eq!(captured.metric("shop.queue.depth", &[]).unwrap().value(), &MetricValue::Gauge(3.0));
//! assert_eq!(captured.events(), [Event::new("Deployed", "v1.4.2").alert_type(AlertType::Success)]);
//! assert_eq!(captured.service_checks(), [ServiceCheck::new("shop.db.can_connect", Status::Ok)]);
//! ```
//!
//! Only the capturing thread is captured: threads it spawns report as they would without a
//! capture, and a task spawned onto a runtime is captured only if it runs inside
//! [`capture_async`]'s future. A call that started inside a capture counts in it even when it
//! ends elsewhere (a future finished on another thread).

mod metric;
mod span;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanProcessor};
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt as _;

pub use metric::{MetricPoint, MetricValue};
pub use span::CapturedSpan;

use crate::init::{Builder, Guard};
use crate::metrics::capture::InstrumentCapture;
use crate::metrics::{Event, ServiceCheck, Value};
use crate::per_call::capture::MetricCapture;

/// Runs `f` and returns its value with the spans and metric points it produced on this thread.
///
/// Spans go through the same layer, sampler and attributes as with [`init`](crate::init()),
/// configured by nothing but defaults: the environment is not read, every trace is kept. To
/// capture with a configuration (a service name, sampling rules), use [`capture_with`].
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Captured) {
    capture_with(default_builder(), f)
}

/// [`capture`] with the configuration of `builder`: its service, tags, sampling rules, sample
/// rate and rate limit apply, and its environment source (the process environment unless
/// [`env_source`](Builder::env_source) says otherwise). Its exporters do not: nothing is
/// exported, and no global state (subscriber, propagator) is installed. Inside the capture,
/// on the capturing thread, [`propagation`](crate::propagation) and the
/// [`http`](crate::http) layers use a propagator of the builder's styles (by default Datadog
/// and W3C headers), as they use the one [`init`](crate::init()) installs.
///
/// # Panics
///
/// When the configuration is invalid, with the [`InitError`](crate::InitError).
pub fn capture_with<R>(builder: Builder, f: impl FnOnce() -> R) -> (R, Captured) {
    let session = Session::start(builder);
    let value = session.run(f);
    (value, session.finish())
}

/// [`capture`] for a future: the future's output with the spans and metric points produced
/// while it was polled, on whatever thread polled it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// #[dd_instrument::dd_timed(name = "jobs.run.duration")]
/// async fn run() {}
///
/// let ((), captured) = dd_instrument::testing::capture_async(run()).await;
/// assert!(captured.metric("jobs.run.duration", &["outcome:ok"]).is_some());
/// # }
/// ```
pub fn capture_async<F: Future>(future: F) -> CaptureFuture<F> {
    capture_async_with(default_builder(), future)
}

/// [`capture_async`] with the configuration of `builder`, as for [`capture_with`].
///
/// # Panics
///
/// When the configuration is invalid, with the [`InitError`](crate::InitError).
pub fn capture_async_with<F: Future>(builder: Builder, future: F) -> CaptureFuture<F> {
    CaptureFuture { future, session: Some(Session::start(builder)) }
}

pin_project_lite::pin_project! {
    /// The future of [`capture_async`]: its output is the inner future's output and what it
    /// produced.
    #[must_use = "futures do nothing unless polled"]
    pub struct CaptureFuture<F> {
        #[pin]
        future: F,
        session: Option<Session>,
    }
}

impl<F> std::fmt::Debug for CaptureFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureFuture").finish_non_exhaustive()
    }
}

impl<F: Future> Future for CaptureFuture<F> {
    type Output = (F::Output, Captured);

    /// # Panics
    ///
    /// When polled again after it completed, like the futures of `async` blocks.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(session) = this.session.take() else { panic!("`CaptureFuture` polled after it completed") };
        let future = this.future;
        match session.run(|| future.poll(cx)) {
            Poll::Pending => {
                *this.session = Some(session);
                Poll::Pending
            }
            Poll::Ready(value) => Poll::Ready((value, session.finish())),
        }
    }
}

/// What a capture saw: spans in the order they finished, metric points in the order of the
/// functions' first calls (then the [`metrics`](crate::metrics) handles in the order of their
/// first use), events and service checks in the order they were sent.
#[derive(Debug, Clone)]
pub struct Captured {
    spans: Vec<CapturedSpan>,
    metrics: Vec<MetricPoint>,
    events: Vec<Event>,
    service_checks: Vec<ServiceCheck>,
}

impl Captured {
    /// The finished spans that were sampled (what an exporter would receive), in the order
    /// they finished: children before their parents.
    pub fn spans(&self) -> &[CapturedSpan] {
        &self.spans
    }

    /// The only span whose operation name is `operation`.
    ///
    /// # Panics
    ///
    /// When there is no such span or more than one, listing the operations captured.
    pub fn span(&self, operation: &str) -> &CapturedSpan {
        let mut matching = self.spans.iter().filter(|span| span.operation() == operation);
        match (matching.next(), matching.next()) {
            (Some(span), None) => span,
            (first, _) => panic!(
                "expected one span with operation `{operation}`, found {}: {:?}",
                if first.is_some() { "several" } else { "none" },
                self.spans.iter().map(CapturedSpan::operation).collect::<Vec<_>>()
            ),
        }
    }

    /// The captured parent of `span`, if its parent was captured too.
    pub fn parent(&self, span: &CapturedSpan) -> Option<&CapturedSpan> {
        let parent = span.parent_span_id()?;
        self.spans.iter().find(|candidate| candidate.trace_id() == span.trace_id() && candidate.span_id() == parent)
    }

    /// The metric points: each function's latency distribution per outcome (and run-time tag
    /// set), its SLO counters, then the points of the [`metrics`](crate::metrics) handles, as the
    /// exporter is given them. Points that repeat a name and tag set (two functions sharing a
    /// metric name) are merged, as at a flush.
    pub fn metrics(&self) -> &[MetricPoint] {
        &self.metrics
    }

    /// The [`Event`]s sent (and accepted) inside the capture, in order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The [`ServiceCheck`]s sent (and accepted) inside the capture, in order.
    pub fn service_checks(&self) -> &[ServiceCheck] {
        &self.service_checks
    }

    /// The point named `name` whose tags are exactly `tags`, in any order.
    pub fn metric(&self, name: &str, tags: &[&str]) -> Option<&MetricPoint> {
        self.metrics.iter().find(|point| point.name() == name && point.has_tags(tags))
    }

    /// The count of the counter `name` with exactly the tags `tags`; 0 when there is no such
    /// point.
    pub fn count(&self, name: &str, tags: &[&str]) -> u64 {
        self.metric(name, tags).and_then(MetricPoint::count).unwrap_or(0)
    }
}

/// A capture in progress: its span pipeline and subscriber, and its metric capture.
struct Session {
    dispatch: Dispatch,
    spans: Collector,
    metrics: MetricCapture,
    instruments: InstrumentCapture,
    /// The propagator of the builder's styles, used by the propagation helpers and the HTTP
    /// layers while the session runs on a thread (nothing global is installed).
    propagator: Option<crate::propagation::SharedPropagator>,
    /// Owns the tracer provider the subscriber exports to.
    guard: Guard,
}

impl Session {
    fn start(builder: Builder) -> Self {
        let spans = Collector::default();
        let (guard, propagator) = builder
            .start_capture(spans.clone())
            .unwrap_or_else(|error| panic!("dd_instrument::testing: the configuration cannot start: {error}"));
        let dispatch = Dispatch::new(tracing_subscriber::registry().with(guard.layer()));
        Self {
            dispatch,
            spans,
            metrics: MetricCapture::open(),
            instruments: InstrumentCapture::default(),
            propagator,
            guard,
        }
    }

    /// Runs `f` with this session's subscriber as the thread's default, its metric capture open
    /// and its propagator the one of the propagation helpers on the thread.
    fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        tracing::dispatcher::with_default(&self.dispatch, || {
            crate::propagation::with_capture_propagator(self.propagator.as_ref(), || {
                self.metrics.scope(|| self.instruments.scope(f))
            })
        })
    }

    fn finish(self) -> Captured {
        let Self { dispatch, spans, metrics, instruments, propagator: _, guard } = self;
        drop(dispatch);
        drop(guard);
        let mut points = metrics.with_captured(crate::metrics::collect::collect_captured);
        let (mut events, mut service_checks) = (Vec::new(), Vec::new());
        for point in instruments.points() {
            match point.value {
                Value::Event(event) => events.push(*event),
                Value::ServiceCheck(check) => service_checks.push(*check),
                _ => points.push(point),
            }
        }
        let spans = std::mem::take(&mut *spans.0.lock().unwrap_or_else(PoisonError::into_inner));
        Captured {
            spans: spans.into_iter().map(CapturedSpan::new).collect(),
            metrics: points.into_iter().filter_map(MetricPoint::new).collect(),
            events,
            service_checks,
        }
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

/// A builder that reads nothing from the environment.
fn default_builder() -> Builder {
    crate::builder().env_source(std::collections::BTreeMap::new())
}

/// Keeps the finished, sampled spans, as a simple processor hands them to an exporter.
#[derive(Debug, Clone, Default)]
struct Collector(Arc<Mutex<Vec<SpanData>>>);

impl SpanProcessor for Collector {
    fn on_start(&self, _span: &mut opentelemetry_sdk::trace::Span, _cx: &opentelemetry::Context) {}

    fn on_end(&self, span: SpanData) {
        if span.span_context.is_sampled() {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).push(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}
