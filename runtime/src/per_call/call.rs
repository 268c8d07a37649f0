//! One call of an annotated function: what the macro expansions drive.
//!
//! An expansion creates the span (if `#[dd_span]`), then a [`Call`], then runs the body through
//! [`Call::run_sync`] or an [`Instrumented`] future. At the end the call reads the clock once,
//! marks the span with the outcome, closes it and counts the call for `#[dd_timed]` and
//! `#[dd_slo]`; stacked attributes share that one clock reading.

use std::cell::Cell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::capture::{self, CapturedCall};
use super::clock::{self, Start};
use super::outcome::{ErrorRecord, Outcome, OutcomeKind, panic_message};
use super::run_tags::{self, CallTags, Contexts};
use super::site::{self, CallSite, PIPELINE, SloCells, TimerCells};
use crate::tags::{DdTags, Sendable, TagValue, TagVisitor};

/// State of one call between its start and its end.
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "a call records nothing until it finishes"]
pub struct Call {
    span: tracing::Span,
    metrics: Metrics,
}

/// Where the metrics of a call go, decided when it starts, with the clock reading they need.
///
/// As small as the fields it replaced (site, timer cells, SLO cells, start), and as quick to
/// tell apart: `Apart` is encoded in a spare value of the start's nanoseconds, so telling the
/// two variants apart is one comparison and a call is no bigger for being capturable.
#[derive(Debug)]
enum Metrics {
    /// Counted in the site's cells (the contexts of its tags), for the exporter.
    Site {
        site: &'static CallSite,
        timer: Option<&'static TimerCells>,
        slo: Option<&'static SloCells>,
        start: Option<Start>,
    },
    /// Not counted in a site: by the [`testing`](crate::testing) capture the call started in,
    /// or, `None`, not at all (no exporter runs and the thread captures nothing; no clock read).
    Apart(Option<Box<CapturedCall>>),
}

impl Metrics {
    /// Nothing counts the call.
    const OFF: Self = Self::Apart(None);
}

impl Metrics {
    /// Counted in the site, tags known at compile time. The clock is read last, and after the
    /// span exists (it is made before the call starts), so neither counts as latency.
    #[inline]
    fn in_site(site: &'static CallSite) -> Self {
        site.ensure_listed();
        Self::Site {
            site,
            timer: site.timer.as_ref().map(|_| &site.timer_cells),
            slo: site.slo.map(|_| &site.slo_cells),
            start: site.needs_clock().then(clock::start),
        }
    }

    /// Counted in the site, in the contexts of the tags that `tags` adds.
    #[inline]
    fn tagged_in_site(site: &'static CallSite, tags: impl FnOnce(&mut CallTags<'_>)) -> Self {
        site.ensure_listed();
        let Contexts { timer, slo } = run_tags::contexts(site, tags);
        Self::Site { site, timer, slo, start: site.needs_clock().then(clock::start) }
    }

    /// A capture is open somewhere: the thread's own capture if it has one, else as usual.
    /// Never inlined: it would make `Call::start` too big to be inlined into every expansion.
    #[cold]
    #[inline(never)]
    fn when_capturing(site: &'static CallSite, mode: u8, tags: Option<impl FnOnce(&mut CallTags<'_>)>) -> Self {
        if let Some(capture) = capture::current() {
            let tags = tags.map(|tags| {
                let (timer, slo) = run_tags::normalized(tags);
                (timer.into_boxed_str(), slo.into_boxed_str())
            });
            return Self::Apart(Some(Box::new(CapturedCall::new(capture, site, tags))));
        }
        match tags {
            _ if mode & PIPELINE == 0 => Self::OFF,
            Some(tags) => Self::tagged_in_site(site, tags),
            None => Self::in_site(site),
        }
    }
}

/// Whether a call has anything to record: its metrics (`metrics`: the function has
/// `#[dd_timed]` or `#[dd_slo]`) go somewhere (an exporter runs or a `testing` capture is open),
/// or its span (`span`: the function has `#[dd_span]`) could be enabled by the current
/// subscriber (the level filter `tracing` keeps for all subscribers lets `INFO` through).
///
/// When it returns `false`, the expansion runs the plain body: no span, no clock, no
/// thread-local, and the `tags(..)` and `resource` expressions are not evaluated. The arguments
/// are constants of the expansion, so this is at most two relaxed loads of statics. Either load
/// alone decides the same thing `Call::start` and `tracing::span!` would decide next.
#[doc(hidden)]
#[inline]
#[must_use]
pub fn active(metrics: bool, span: bool) -> bool {
    (metrics && site::mode() != 0)
        || (span
            && tracing::Level::INFO <= tracing::level_filters::STATIC_MAX_LEVEL
            && tracing::Level::INFO <= tracing::level_filters::LevelFilter::current())
}

/// Runs the body of a synchronous function through `call` ([`Call::run_sync`]), or plainly when
/// nothing records the call ([`active`] was `false`).
#[doc(hidden)]
#[inline]
pub fn run_sync<R>(call: Option<Call>, body: impl FnOnce() -> R, classify: impl FnOnce(&R) -> Outcome) -> R {
    match call {
        Some(call) => call.run_sync(body, classify),
        None => body(),
    }
}

impl Call {
    /// Starts a call whose metrics have only static tags: one load of the site mode, one of the
    /// site's listed flag, the clock.
    #[inline]
    pub fn start(site: Option<&'static CallSite>, span: tracing::Span) -> Self {
        let metrics = match site {
            Some(site) => match site::mode() {
                0 => Metrics::OFF,
                PIPELINE => Metrics::in_site(site),
                mode => Metrics::when_capturing(site, mode, None::<fn(&mut CallTags<'_>)>),
            },
            None => Metrics::OFF,
        };
        Self { span, metrics }
    }

    /// Starts a call whose metrics also have tags computed now; `tags` adds them.
    #[inline]
    pub fn start_tagged(site: &'static CallSite, span: tracing::Span, tags: impl FnOnce(&mut CallTags<'_>)) -> Self {
        let metrics = match site::mode() {
            0 => Metrics::OFF,
            PIPELINE => Metrics::tagged_in_site(site, tags),
            mode => Metrics::when_capturing(site, mode, Some(tags)),
        };
        Self { span, metrics }
    }

    /// The call's span (disabled when the function has no `#[dd_span]`).
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Runs the body of a synchronous function: `classify` turns its return value into an
    /// [`Outcome`]; a panic is recorded and resumed.
    #[inline]
    pub fn run_sync<R>(self, body: impl FnOnce() -> R, classify: impl FnOnce(&R) -> Outcome) -> R {
        let entered = self.span.enter();
        match catch_unwind(AssertUnwindSafe(body)) {
            Ok(value) => {
                drop(entered);
                self.finish(classify(&value));
                value
            }
            Err(payload) => {
                drop(entered);
                self.finish_panic(&*payload);
                resume_unwind(payload)
            }
        }
    }

    #[inline]
    fn finish(self, outcome: Outcome) {
        match outcome {
            Outcome::Ok => self.end(OutcomeKind::Ok, None),
            Outcome::Error(record) => self.end(OutcomeKind::Error, Some(&record)),
        }
    }

    #[cold]
    fn finish_panic(self, payload: &(dyn std::any::Any + Send)) {
        let record = ErrorRecord { kind: "panic".into(), message: panic_message(payload), stack: None };
        self.end(OutcomeKind::Panic, Some(&record));
    }

    #[inline]
    fn end(self, kind: OutcomeKind, error: Option<&ErrorRecord>) {
        // The clock first: what follows is not the function's latency.
        match self.metrics {
            Metrics::Site { site, timer, slo, start } => {
                let nanos = site::nanos_since(start);
                close(self.span, error);
                site::record(timer, slo.map(|cells| (cells, site.slo_threshold_nanos())), kind, nanos);
            }
            Metrics::Apart(None) => close(self.span, error),
            Metrics::Apart(Some(call)) => {
                let nanos = call.nanos();
                close(self.span, error);
                call.finish(kind, nanos);
            }
        }
    }
}

/// Marks the span with the error, if any, and closes it.
#[inline]
fn close(span: tracing::Span, error: Option<&ErrorRecord>) {
    if let Some(record) = error {
        record_error(&span, record);
    }
    drop(span);
}

/// Marks a span as failed the way Datadog reads it: status Error with the message, and the
/// `error.type`, `error.message` and `error.stack` attributes.
#[cold]
fn record_error(span: &tracing::Span, record: &ErrorRecord) {
    if span.is_disabled() {
        return;
    }
    span.record("error.type", &*record.kind);
    span.record("error.message", record.message.as_str());
    if let Some(stack) = &record.stack {
        span.record("error.stack", stack.as_str());
    }
    span.record("otel.status_description", record.message.as_str());
}

/// Makes the span of a call with `make` (the expansion's `tracing::span!`), except on a thread
/// whose thread-locals are being destroyed: there the subscriber's own thread-locals may be
/// gone (`tracing-subscriber`'s registry panics, and a panic in a thread-local destructor aborts
/// the process), so a call made from a thread-local destructor runs and counts without a span.
///
/// How it knows: after the first span the subscriber made on this thread (which registered the
/// subscriber's thread-locals, if it has any), this registers a thread-local of its own.
/// Thread-locals are destroyed in the reverse order of their registration, so this one goes
/// first, and says so; calls after that make no span. Once the thread is known, a call costs
/// one read of a thread-local `Cell`.
#[doc(hidden)]
#[inline]
pub fn new_span(make: impl FnOnce() -> tracing::Span) -> tracing::Span {
    match SPAN_THREAD.with(Cell::get) {
        SpanThread::WATCHED => make(),
        SpanThread::UNKNOWN => {
            let span = make();
            if !span.is_disabled() {
                SpanThread::watch();
            }
            span
        }
        _ => tracing::Span::none(),
    }
}

/// What [`new_span`] knows of its thread, in `SPAN_THREAD`.
struct SpanThread;

impl SpanThread {
    /// No enabled span made on this thread yet.
    const UNKNOWN: u8 = 0;
    /// The watcher is registered: spans can be made.
    const WATCHED: u8 = 1;
    /// The watcher was destroyed: the thread's locals are going, make no span.
    const ENDING: u8 = 2;

    #[cold]
    fn watch() {
        if WATCHER.try_with(|_| ()).is_ok() {
            SPAN_THREAD.with(|state| state.set(Self::WATCHED));
        }
    }
}

/// Registered after the subscriber's thread-locals, destroyed before them.
struct Watcher;

impl Drop for Watcher {
    fn drop(&mut self) {
        SPAN_THREAD.with(|state| state.set(SpanThread::ENDING));
    }
}

thread_local! {
    /// A [`SpanThread`] state. A `Cell` of a number has no destructor: always readable.
    static SPAN_THREAD: Cell<u8> = const { Cell::new(SpanThread::UNKNOWN) };
    static WATCHER: Watcher = const { Watcher };
}

/// `tags.visit_tags(visitor)`, user code: a panic in it keeps the tags visited so far.
pub(super) fn visit_contained<T: DdTags + ?Sized>(tags: &T, visitor: &mut dyn TagVisitor) {
    let _ = crate::user_code::contained("a `DdTags` implementation", || tags.visit_tags(visitor));
}

/// Adds every tag of `tags` to `span` as attributes (strings stay strings, numbers numbers).
#[doc(hidden)]
pub fn span_tags<T: DdTags + ?Sized>(span: &tracing::Span, tags: &T) {
    use opentelemetry::{KeyValue, Value};
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    struct Attributes(Vec<KeyValue>);
    impl TagVisitor for Attributes {
        fn visit_tag(&mut self, key: &str, value: TagValue<'_>) {
            let value = match crate::tags::sendable(key, value) {
                Sendable::Text(s) => Value::from(s.into_owned()),
                Sendable::I64(v) => Value::I64(v),
                Sendable::U64(v) => i64::try_from(v).map_or_else(|_| Value::from(v.to_string()), Value::I64),
                Sendable::F64(v) => Value::F64(v),
                Sendable::Bool(v) => Value::Bool(v),
            };
            self.0.push(KeyValue::new(key.to_owned(), value));
        }
    }
    if span.is_disabled() {
        return;
    }
    let mut attributes = Attributes(Vec::new());
    visit_contained(tags, &mut attributes);
    for attribute in attributes.0 {
        span.set_attribute(attribute.key, attribute.value);
    }
}

pin_project_lite::pin_project! {
    /// The future of an instrumented `async fn`: measures until completion, records the outcome,
    /// and records `cancelled` when dropped before completing.
    #[doc(hidden)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Instrumented<F, C> {
        #[pin]
        future: F,
        call: Option<Call>,
        classify: Option<C>,
    }

    impl<F, C> PinnedDrop for Instrumented<F, C> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(call) = this.call.take() {
                call.end(OutcomeKind::Cancelled, None);
            }
        }
    }
}

impl<F, C> Instrumented<F, C>
where
    F: Future,
    C: FnOnce(&F::Output) -> Outcome,
{
    /// Instruments `future`, the body of an `async fn`; `None` (nothing records the call, see
    /// [`active`]): the future runs plainly.
    #[inline]
    pub fn new(call: Option<Call>, future: F, classify: C) -> Self {
        Self { future, call, classify: Some(classify) }
    }
}

impl<F, C> Future for Instrumented<F, C>
where
    F: Future,
    C: FnOnce(&F::Output) -> Outcome,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(call) = this.call.as_ref() else {
            // Polled after completion or a panic: let the inner future decide what that means.
            return this.future.poll(cx);
        };
        let entered = call.span.enter();
        let future = this.future;
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => {
                drop(entered);
                let call = this.call.take().expect("checked above");
                let classify = this.classify.take().expect("taken only with the call");
                call.finish(classify(&value));
                Poll::Ready(value)
            }
            Err(payload) => {
                drop(entered);
                let call = this.call.take().expect("checked above");
                call.finish_panic(&*payload);
                resume_unwind(payload)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capturable_call_is_no_bigger_than_before() {
        // What a call held before captures existed: three pointers (site, timer cells, SLO
        // cells) and the start.
        assert_eq!(
            std::mem::size_of::<Metrics>(),
            3 * std::mem::size_of::<usize>() + std::mem::size_of::<Option<std::time::Instant>>()
        );
    }
}
