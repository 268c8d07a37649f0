//! [`DdPropagator`]: Datadog headers, W3C Trace Context and W3C Baggage behind one propagator.

use opentelemetry::Context;
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, TraceContextExt};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

use super::DEFAULT_STYLES;
use super::PropagationStyle;
use super::datadog;
use crate::trace::dd_state::DdState;

/// A propagator speaking the styles Datadog's tracers speak, so traces continue across services
/// instrumented by any Datadog tracer or OpenTelemetry SDK.
///
/// - [`Datadog`](PropagationStyle::Datadog): the `x-datadog-*` headers. The priority, origin and
///   `_dd.p.*` tags travel inside the process in the span context's `tracestate`, as the `dd=`
///   member. Extraction needs both ids (decimal, non-zero, at most 64 bits) and yields a context
///   sampled when the priority is positive; without a (valid) priority it is not sampled and its
///   `dd=` member has no `s:`.
/// - [`TraceContext`](PropagationStyle::TraceContext): `traceparent` and `tracestate`, through
///   OpenTelemetry's [`TraceContextPropagator`]. On injection the `dd=` member is brought up to
///   date first: priority, origin, tags, and `p:` set to the id of the span sent as parent;
///   other vendors' members are kept. On extraction `tracestate` is kept as received.
/// - [`Baggage`](PropagationStyle::Baggage): `baggage`, through [`BaggagePropagator`].
/// - [`None`](PropagationStyle::None): nothing.
///
/// The priority sent is the `dd=` member's when it agrees with the span's sampled flag, else 1
/// (sampled) or 0 (not sampled).
///
/// # Extraction
///
/// Trace styles are tried in the configured order and the first that yields a valid context
/// wins; the others are ignored, except in one case, as in Datadog's tracers: when the winner
/// is Datadog and the W3C headers (if `tracecontext` is configured too) carry the same 128-bit
/// trace id, the result takes the W3C `tracestate` (other vendors' members) with the Datadog
/// priority, origin and tags in its `dd=` member, and, when the W3C parent id differs, the W3C
/// parent id (a hop that only speaks W3C sits in between) with `p:` naming the last Datadog span
/// (the W3C `p:` if present, else the Datadog parent id). Baggage, when configured, is always
/// merged into the returned context.
#[derive(Debug, Clone)]
pub struct DdPropagator {
    extract: Vec<PropagationStyle>,
    inject: Vec<PropagationStyle>,
    fields: Vec<String>,
}

impl DdPropagator {
    /// A propagator reading the `extract` styles (in order of precedence) and writing the
    /// `inject` styles. Repeated styles count once.
    pub fn new(extract: Vec<PropagationStyle>, inject: Vec<PropagationStyle>) -> Self {
        let (extract, inject) = (dedup(extract), dedup(inject));
        let mut fields = Vec::new();
        for style in &inject {
            match style {
                PropagationStyle::Datadog => fields.extend(datadog::FIELDS.map(str::to_owned)),
                PropagationStyle::TraceContext => {
                    fields.extend(TraceContextPropagator::new().fields().map(str::to_owned));
                }
                PropagationStyle::Baggage => fields.extend(BaggagePropagator::new().fields().map(str::to_owned)),
                PropagationStyle::None => {}
            }
        }
        Self { extract, inject, fields }
    }

    /// The first valid trace context, per the precedence rule in the type's docs.
    fn extract_span_context(&self, extractor: &dyn Extractor) -> Option<SpanContext> {
        let mut styles = self.extract.iter().copied();
        let (style, first) = styles.by_ref().find_map(|style| Some((style, extract_style(style, extractor)?)))?;
        if style == PropagationStyle::Datadog
            && styles.any(|style| style == PropagationStyle::TraceContext)
            && let Some(w3c) = extract_trace_context(extractor)
            && w3c.trace_id() == first.trace_id()
        {
            return Some(merge(&first, &w3c));
        }
        Some(first)
    }
}

impl Default for DdPropagator {
    /// Extracts and injects [`DEFAULT_STYLES`].
    fn default() -> Self {
        Self::new(DEFAULT_STYLES.to_vec(), DEFAULT_STYLES.to_vec())
    }
}

impl TextMapPropagator for DdPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let span_context = span.span_context();
        for style in &self.inject {
            match style {
                PropagationStyle::Datadog => datadog::inject(span_context, injector),
                PropagationStyle::TraceContext => inject_trace_context(span_context, injector),
                PropagationStyle::Baggage => BaggagePropagator::new().inject_context(cx, injector),
                PropagationStyle::None => {}
            }
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let cx = match self.extract_span_context(extractor) {
            Some(span_context) => cx.with_remote_span_context(span_context),
            None => cx.clone(),
        };
        if self.extract.contains(&PropagationStyle::Baggage) {
            BaggagePropagator::new().extract_with_context(&cx, extractor)
        } else {
            cx
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&self.fields)
    }
}

fn dedup(styles: Vec<PropagationStyle>) -> Vec<PropagationStyle> {
    let mut unique = Vec::with_capacity(styles.len());
    for style in styles {
        if !unique.contains(&style) {
            unique.push(style);
        }
    }
    unique
}

fn extract_style(style: PropagationStyle, extractor: &dyn Extractor) -> Option<SpanContext> {
    match style {
        PropagationStyle::Datadog => datadog::extract(extractor),
        PropagationStyle::TraceContext => extract_trace_context(extractor),
        PropagationStyle::Baggage | PropagationStyle::None => None,
    }
}

fn extract_trace_context(extractor: &dyn Extractor) -> Option<SpanContext> {
    let cx = TraceContextPropagator::new().extract_with_context(&Context::new(), extractor);
    let span_context = cx.span().span_context().clone();
    span_context.is_valid().then_some(span_context)
}

/// `traceparent` and `tracestate`, with the `dd=` member describing the span sent as parent.
fn inject_trace_context(span_context: &SpanContext, injector: &mut dyn Injector) {
    if !span_context.is_valid() {
        return;
    }
    let mut state = DdState::to_send(span_context);
    state.parent_id = Some(span_context.span_id().to_string());
    let updated = SpanContext::new(
        span_context.trace_id(),
        span_context.span_id(),
        span_context.trace_flags(),
        span_context.is_remote(),
        state.write_into(span_context.trace_state()),
    );
    TraceContextPropagator::new().inject_context(&Context::new().with_remote_span_context(updated), injector);
}

/// A Datadog context and a W3C one of the same trace: see the precedence rule on [`DdPropagator`].
fn merge(datadog: &SpanContext, w3c: &SpanContext) -> SpanContext {
    let mut state = DdState::from_trace_state(datadog.trace_state());
    if w3c.span_id() != datadog.span_id()
        && let Some(last_datadog_parent) = DdState::from_trace_state(w3c.trace_state()).parent_id
    {
        state.parent_id = Some(last_datadog_parent);
    }
    SpanContext::new(
        datadog.trace_id(),
        w3c.span_id(),
        datadog.trace_flags(),
        true,
        state.write_into(w3c.trace_state()),
    )
}
