//! Decisions at the end of a local trace: keep errors, keep slow traces, span sampling rules.
//!
//! With any of them configured, [`DatadogSampler`](super::DatadogSampler) records the spans of
//! the traces it drops (`RecordOnly`) instead of not creating them, and [`TailProcessor`] sits in
//! front of every span processor:
//!
//! - Spans of kept traces pass straight through.
//! - Spans of dropped traces are held per trace until the trace's local root (the span with no
//!   parent, or a remote one) ends. Then:
//!   1. with keep-errors on, a span with an error status keeps the whole local trace; with
//!      keep-slow on, so does a local root that lasted at least the threshold. Kept traces are
//!      re-flagged as sampled with priority 2 (user keep, `sampling.priority = 2`, `dd=s:2` with
//!      mechanism `-4` in `tracestate`), and the root says why in `dd_instrument.keep`
//!      (`error` or `slow`). At most `DD_TRACE_RATE_LIMIT` traces per second are kept this way.
//!   2. otherwise each span is offered to the span sampling rules: the first matching rule keeps
//!      it with its rate (Knuth hashing of the span id) and its `max_per_second`; a kept span
//!      carries `_dd.span_sampling.mechanism = 8`, `_dd.span_sampling.rule_rate` and
//!      `_dd.span_sampling.max_per_second`, and the head decision's priority, so the Agent keeps
//!      it alone out of a dropped chunk.
//!   3. the rest is dropped, as the head decision said.
//! - Spans of a kept trace that end after their local root are kept too (the last kept trace ids
//!   are remembered per shard).
//!
//! With native export, Datadog's SDK samples, holds and sends each trace itself; only the span
//! sampling rules apply there, when each span starts ([`span_rules`], the reason is there).
//!
//! Bounds: at most [`MAX_TRACES`] traces and [`MAX_HELD_SPANS`] spans held, [`MAX_SPANS_PER_TRACE`]
//! per trace, for at most [`MAX_AGE`]; spans over a bound, too old or held at shutdown are
//! dropped, counted, and reported by a `WARN` (target `dd_instrument`) at most once a minute.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use opentelemetry::trace::{SpanContext, SpanId, Status, TraceFlags, TraceId, TraceState};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use super::limiter::RateLimiter;
use super::sampler::{ATTR_PRIORITY, dd_priority, with_decision};
use crate::config::KeepSettings;
use crate::trace::dd_state::{DdState, USER_KEEP, USER_REJECT};
use span_rules::{SpanRules, SpanRulesAtStart};

/// Most local traces held at once.
pub(crate) const MAX_TRACES: usize = 10_000;
/// Most spans held at once, over all traces.
pub(crate) const MAX_HELD_SPANS: usize = 100_000;
/// Most spans held for one trace.
pub(crate) const MAX_SPANS_PER_TRACE: usize = 1_000;
/// How long a trace is held waiting for its local root.
pub(crate) const MAX_AGE: Duration = Duration::from_mins(1);

const SHARDS: usize = 16;
/// Kept trace ids remembered per shard, for spans ending after their local root.
const RECENT_KEPT: usize = 64;
/// `_dd.p.dm` of a trace kept at its end (manual: the user's keep rules).
const MECHANISM_KEEP: &str = "-4";
/// Span tag on the local root of a trace kept at its end: why.
pub(crate) const ATTR_KEEP_REASON: &str = "dd_instrument.keep";

/// Spans dropped because a decision at the end of the trace could not be made.
#[derive(Debug, Default)]
pub(crate) struct TailCounts {
    /// Over [`MAX_TRACES`], [`MAX_HELD_SPANS`] or [`MAX_SPANS_PER_TRACE`].
    pub(crate) over_bounds: AtomicU64,
    /// Held longer than [`MAX_AGE`] without their local root ending.
    pub(crate) expired: AtomicU64,
    /// Held when the provider shut down.
    pub(crate) at_shutdown: AtomicU64,
}

impl TailCounts {
    fn total(&self) -> u64 {
        self.over_bounds.load(Ordering::Relaxed)
            + self.expired.load(Ordering::Relaxed)
            + self.at_shutdown.load(Ordering::Relaxed)
    }
}

struct Held {
    spans: Vec<SpanData>,
    first_seen: Instant,
}

struct Shard {
    traces: HashMap<TraceId, Held>,
    recent_kept: VecDeque<TraceId>,
    last_sweep: Instant,
}

/// The span processor in front of all others when traces are decided again at their end; see
/// the [module docs](self).
pub(crate) struct TailProcessor {
    inner: Vec<Box<dyn SpanProcessor>>,
    errors: bool,
    slow: Option<Duration>,
    span_rules: SpanRules,
    shards: Box<[Mutex<Shard>]>,
    held_spans: AtomicUsize,
    held_traces: AtomicUsize,
    trace_limiter: RateLimiter,
    counts: TailCounts,
    /// Dropped spans already reported, and when (seconds since `started`).
    reported: Mutex<(u64, Option<Instant>)>,
}

impl std::fmt::Debug for TailProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TailProcessor")
            .field("errors", &self.errors)
            .field("slow", &self.slow)
            .field("span_rules", &self.span_rules.len())
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl TailProcessor {
    /// In front of `inner`, for a program reporting `service`; at most `traces_per_second` whole
    /// traces kept at their end per second.
    pub(crate) fn new(
        inner: Vec<Box<dyn SpanProcessor>>,
        keep: &KeepSettings,
        service: impl Into<String>,
        traces_per_second: f64,
    ) -> Self {
        let now = Instant::now();
        Self {
            inner,
            errors: keep.errors,
            slow: keep.slow,
            span_rules: SpanRules::new(&keep.span_rules, service),
            shards: (0..SHARDS)
                .map(|_| Mutex::new(Shard { traces: HashMap::new(), recent_kept: VecDeque::new(), last_sweep: now }))
                .collect(),
            held_spans: AtomicUsize::new(0),
            held_traces: AtomicUsize::new(0),
            trace_limiter: RateLimiter::new(traces_per_second),
            counts: TailCounts::default(),
            reported: Mutex::new((0, None)),
        }
    }

    /// With native export, where Datadog's SDK owns the span processor that sends traces: the
    /// processor that applies `keep`'s span sampling rules, to place before Datadog's (`None`
    /// without rules). Keep-errors and keep-slow have no such seam; see `trace::datadog`.
    #[cfg_attr(not(feature = "datadog"), allow(dead_code, reason = "for native export only"))]
    pub(crate) fn native_span_rules(keep: &KeepSettings, service: impl Into<String>) -> Option<SpanRulesAtStart> {
        (!keep.span_rules.is_empty()).then(|| SpanRulesAtStart(SpanRules::new(&keep.span_rules, service)))
    }

    /// What was dropped for lack of a decision.
    #[cfg(test)]
    pub(crate) fn counts(&self) -> &TailCounts {
        &self.counts
    }

    fn shard(&self, trace_id: TraceId) -> std::sync::MutexGuard<'_, Shard> {
        let index = usize::from(trace_id.to_bytes()[15]) % SHARDS;
        // A panic while a shard was locked leaves consistent data (every edit is one call).
        self.shards[index].lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn forward(&self, span: SpanData) {
        if let Some((last, rest)) = self.inner.split_last() {
            for processor in rest {
                processor.on_end(span.clone());
            }
            last.on_end(span);
        }
    }

    /// A span of a dropped trace ended.
    fn on_dropped_end(&self, span: SpanData) {
        let trace_id = span.span_context.trace_id();
        let local_root = span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;
        let now = Instant::now();
        let mut shard = self.shard(trace_id);
        self.sweep(&mut shard, now);
        if local_root {
            let held = shard.traces.remove(&trace_id);
            let mut spans = match held {
                Some(held) => {
                    self.held_traces.fetch_sub(1, Ordering::Relaxed);
                    self.held_spans.fetch_sub(held.spans.len(), Ordering::Relaxed);
                    held.spans
                }
                None => Vec::new(),
            };
            let reason = self.whole_trace_reason(&span, &spans);
            let kept = reason.is_some() && self.trace_limiter.admit().allowed;
            if kept {
                if shard.recent_kept.len() == RECENT_KEPT {
                    shard.recent_kept.pop_front();
                }
                shard.recent_kept.push_back(trace_id);
            }
            drop(shard);
            spans.push(span);
            match reason {
                Some(reason) if kept => self.keep_trace(spans, reason),
                _ => self.offer_to_span_rules(spans),
            }
            self.report();
            return;
        }
        if shard.recent_kept.contains(&trace_id) {
            drop(shard);
            let trace_state = kept_trace_state(span.span_context.trace_state());
            self.forward(promote(span, &trace_state));
            return;
        }
        let full = self.held_spans.load(Ordering::Relaxed) >= MAX_HELD_SPANS;
        let stored = match shard.traces.get_mut(&trace_id) {
            Some(held) if !full && held.spans.len() < MAX_SPANS_PER_TRACE => {
                held.spans.push(span);
                true
            }
            None if !full && self.held_traces.load(Ordering::Relaxed) < MAX_TRACES => {
                // Room for the local root too: a trace of two spans allocates once here.
                let mut spans = Vec::with_capacity(2);
                spans.push(span);
                shard.traces.insert(trace_id, Held { spans, first_seen: now });
                self.held_traces.fetch_add(1, Ordering::Relaxed);
                true
            }
            Some(_) | None => false,
        };
        drop(shard);
        if stored {
            self.held_spans.fetch_add(1, Ordering::Relaxed);
        } else {
            self.counts.over_bounds.fetch_add(1, Ordering::Relaxed);
            self.report();
        }
    }

    /// Drops the shard's traces held longer than [`MAX_AGE`], at most once a second.
    fn sweep(&self, shard: &mut Shard, now: Instant) {
        if now.duration_since(shard.last_sweep) < Duration::from_secs(1) {
            return;
        }
        shard.last_sweep = now;
        let (mut traces, mut spans) = (0, 0);
        shard.traces.retain(|_, held| {
            let keep = now.duration_since(held.first_seen) < MAX_AGE;
            if !keep {
                traces += 1;
                spans += held.spans.len();
            }
            keep
        });
        if traces > 0 {
            self.held_traces.fetch_sub(traces, Ordering::Relaxed);
            self.held_spans.fetch_sub(spans, Ordering::Relaxed);
            self.counts.expired.fetch_add(spans as u64, Ordering::Relaxed);
        }
    }

    /// Why the whole local trace of `root` is kept, if it is.
    fn whole_trace_reason(&self, root: &SpanData, others: &[SpanData]) -> Option<&'static str> {
        let is_error = |span: &SpanData| matches!(span.status, Status::Error { .. });
        if self.errors && (is_error(root) || others.iter().any(is_error)) {
            return Some("error");
        }
        let duration = root.end_time.duration_since(root.start_time).unwrap_or_default();
        self.slow.filter(|threshold| duration >= *threshold).map(|_| "slow")
    }

    fn keep_trace(&self, spans: Vec<SpanData>, reason: &'static str) {
        let Some(root) = spans.last() else { return };
        let trace_state = kept_trace_state(root.span_context.trace_state());
        let count = spans.len();
        for (index, span) in spans.into_iter().enumerate() {
            let mut span = promote(span, &trace_state);
            if index + 1 == count {
                span.attributes.push(KeyValue::new(ATTR_KEEP_REASON, reason));
            }
            self.forward(span);
        }
    }

    fn offer_to_span_rules(&self, spans: Vec<SpanData>) {
        if self.span_rules.is_empty() {
            return;
        }
        for mut span in spans {
            let Some(tags) = self.span_rules.decide(&span) else { continue };
            span.attributes.extend(tags);
            // The chunk's priority stays the head decision's (children do not repeat it): the
            // Agent drops the chunk and ingests the span alone.
            if !span.attributes.iter().any(|kv| kv.key.as_str() == ATTR_PRIORITY) {
                let priority = dd_priority(span.span_context.trace_state()).unwrap_or(USER_REJECT);
                span.attributes.push(KeyValue::new(ATTR_PRIORITY, i64::from(priority)));
            }
            let context = &span.span_context;
            // Sampled from here on: a rejection the unsampled flag implied is written down.
            span.span_context = SpanContext::new(
                context.trace_id(),
                context.span_id(),
                TraceFlags::SAMPLED,
                false,
                DdState::written_trace_state(context),
            );
            self.forward(span);
        }
    }

    /// A `WARN` with the spans dropped since the last one, at most once a minute.
    fn report(&self) {
        let total = self.counts.total();
        let Ok(mut reported) = self.reported.try_lock() else { return };
        if total == reported.0 || reported.1.is_some_and(|at| at.elapsed() < Duration::from_mins(1)) {
            return;
        }
        let new = total - reported.0;
        *reported = (total, Some(Instant::now()));
        drop(reported);
        tracing::warn!(
            target: "dd_instrument",
            dropped_spans = new,
            "{new} spans of sampled-out traces were dropped before keep-errors/keep-slow/span sampling could decide \
             (held {} traces, {} spans at most, {} s at most)",
            MAX_TRACES,
            MAX_HELD_SPANS,
            MAX_AGE.as_secs(),
        );
    }
}

/// The `tracestate` of a trace kept at its end: priority 2 with mechanism `-4`.
fn kept_trace_state(base: &TraceState) -> TraceState {
    with_decision(base, USER_KEEP, MECHANISM_KEEP)
}

/// `span` as a sampled span of a user-kept trace.
fn promote(mut span: SpanData, trace_state: &TraceState) -> SpanData {
    let context = &span.span_context;
    span.span_context =
        SpanContext::new(context.trace_id(), context.span_id(), TraceFlags::SAMPLED, false, trace_state.clone());
    match span.attributes.iter_mut().find(|kv| kv.key.as_str() == ATTR_PRIORITY) {
        Some(kv) => kv.value = Value::I64(i64::from(USER_KEEP)),
        None => span.attributes.push(KeyValue::new(ATTR_PRIORITY, i64::from(USER_KEEP))),
    }
    span
}

impl SpanProcessor for TailProcessor {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        for processor in &self.inner {
            processor.on_start(span, cx);
        }
    }

    fn on_end(&self, span: SpanData) {
        if span.span_context.is_sampled() {
            self.forward(span);
        } else {
            self.on_dropped_end(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        let mut result = Ok(());
        for processor in &self.inner {
            if let Err(e) = processor.force_flush() {
                result = Err(e);
            }
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let mut dropped = 0;
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            dropped += shard.traces.drain().map(|(_, held)| held.spans.len()).sum::<usize>();
        }
        self.held_traces.store(0, Ordering::Relaxed);
        self.held_spans.store(0, Ordering::Relaxed);
        self.counts.at_shutdown.fetch_add(dropped as u64, Ordering::Relaxed);
        self.report_now();
        let deadline = Instant::now() + timeout;
        let mut result = Ok(());
        for processor in &self.inner {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Err(e) = processor.shutdown_with_timeout(left) {
                result = Err(e);
            }
        }
        result
    }

    fn set_resource(&mut self, resource: &Resource) {
        for processor in &mut self.inner {
            processor.set_resource(resource);
        }
    }
}

impl TailProcessor {
    /// The last report, whatever the time since the one before.
    fn report_now(&self) {
        if let Ok(mut reported) = self.reported.lock() {
            reported.1 = None;
        }
        self.report();
    }
}

mod span_rules;
#[cfg(test)]
mod tests;
