//! The decision at the root of a trace, and what it writes: see the [module docs](super).

use opentelemetry::trace::{Link, SpanContext, SpanKind, TraceContextExt, TraceId, TraceState};
use std::sync::Arc;

use opentelemetry::{Context, KeyValue, StringValue};
use opentelemetry_sdk::trace::{SamplingDecision, SamplingResult, ShouldSample};

use super::limiter::RateLimiter;
use super::rule::RootSpan;
use crate::SamplingRule;
use crate::config::clamp_rate;
use crate::trace::dd_state::{
    AUTO_KEEP, AUTO_REJECT, DD_KEY, DdState, MECHANISM_DEFAULT, MECHANISM_RULE, USER_KEEP, USER_REJECT,
};

/// Knuth's multiplicative hashing factor Datadog applies to trace ids.
const KNUTH_FACTOR: u64 = 1_111_111_111_111_111_111;

/// Span attribute the Agent turns into the trace's sampling priority (`_sampling_priority_v1`).
pub(super) const ATTR_PRIORITY: &str = "sampling.priority";
/// Span metric: the rate of the rule that decided.
const ATTR_RULE_RATE: &str = "_dd.rule_psr";
/// Span metric: the effective rate of the rate limiter, when it was consulted.
const ATTR_LIMIT_RATE: &str = "_dd.limit_psr";
/// Span tag: the rate the trace-id hash was compared with, 6 decimals at most.
const ATTR_KNUTH_RATE: &str = "_dd.p.ksr";

/// Datadog's deterministic decision: keep when `low64(trace_id) * KNUTH_FACTOR (mod 2^64)` is at
/// most `rate * 2^64`; rate 0 keeps nothing and rate 1 everything (libdd-sampling `RateSampler`).
fn keeps(rate: f64, trace_id: TraceId) -> bool {
    let mut low = [0; 8];
    low.copy_from_slice(&trace_id.to_bytes()[8..]);
    keeps_id(rate, u64::from_be_bytes(low))
}

/// The same decision on a 64-bit id (a span id, for span sampling rules).
pub(crate) fn keeps_id(rate: f64, id: u64) -> bool {
    let rate = clamp_rate(rate);
    if rate <= 0.0 {
        return false;
    }
    if rate >= 1.0 {
        return true;
    }
    // `u64::MAX as f64` is 2^64; below rate 1 the product fits in a u64.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let threshold = (rate * u64::MAX as f64) as u64;
    id.wrapping_mul(KNUTH_FACTOR) <= threshold
}

/// `_dd.p.ksr`: the rate with at most 6 decimals and no trailing zeros (`0.5`, `1`, `0`).
fn knuth_rate(rate: f64) -> String {
    let fixed = format!("{:.6}", clamp_rate(rate));
    fixed.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A rate and its `_dd.p.ksr` text, written once: each root decided by it shares the text.
#[derive(Debug, Clone)]
struct Rate {
    rate: f64,
    knuth: StringValue,
}

impl Rate {
    fn new(rate: f64) -> Self {
        let rate = clamp_rate(rate);
        Rate { rate, knuth: StringValue::from(Arc::<str>::from(knuth_rate(rate))) }
    }
}

/// The sampling priority in a `tracestate`'s `dd=` member, read without allocating.
pub(super) fn dd_priority(trace_state: &TraceState) -> Option<i8> {
    trace_state.get(DD_KEY)?.split(';').find_map(|entry| entry.strip_prefix("s:"))?.parse().ok()
}

/// Datadog's trace sampler for the OTLP path: sampling rules, `DD_TRACE_SAMPLE_RATE` and
/// `DD_TRACE_RATE_LIMIT` decide at the root, every other span follows its parent. See the module
/// documentation for the decisions and what each writes.
#[derive(Debug, Clone)]
pub(crate) struct DatadogSampler {
    service: String,
    rules: Vec<SamplingRule>,
    /// Each rule's rate, in the order of `rules`.
    rule_rates: Vec<Rate>,
    sample_rate: Option<Rate>,
    limiter: RateLimiter,
    /// `tracestate` of a root kept by a rule, prepared once. A root rejected by a rule gets none:
    /// unsampled and local, its decision is implied (`DdState::of`).
    kept: TraceState,
    /// What a dropped trace's spans get: `Drop` (never recorded), or `RecordOnly` when
    /// `trace::tail` decides again at the end of the local trace.
    dropped: SamplingDecision,
}

impl DatadogSampler {
    /// A sampler for `service` (what rules' `service` globs match): `rules` from
    /// `DD_TRACE_SAMPLING_RULES`, `sample_rate` from `DD_TRACE_SAMPLE_RATE` (clamped into
    /// 0.0..=1.0), `rate_limit` from `DD_TRACE_RATE_LIMIT` (`config::DEFAULT_RATE_LIMIT` when unset; see
    /// [`RateLimiter::new`] for 0 and negative values).
    pub(crate) fn new(
        service: impl Into<String>,
        rules: Vec<SamplingRule>,
        sample_rate: Option<f64>,
        rate_limit: f64,
    ) -> Self {
        Self {
            service: service.into(),
            rule_rates: rules.iter().map(|rule| Rate::new(rule.sample_rate)).collect(),
            rules,
            sample_rate: sample_rate.map(Rate::new),
            limiter: RateLimiter::new(rate_limit),
            kept: with_decision(&TraceState::NONE, USER_KEEP, MECHANISM_RULE),
            dropped: SamplingDecision::Drop,
        }
    }

    /// Spans of dropped traces are recorded (not sampled) so that `trace::tail` can keep them.
    #[must_use]
    pub(crate) fn record_dropped(mut self) -> Self {
        self.dropped = SamplingDecision::RecordOnly;
        self
    }

    fn sample_root(&self, base: &TraceState, trace_id: TraceId, name: &str, attributes: &[KeyValue]) -> SamplingResult {
        let rate = if self.rules.is_empty() {
            self.sample_rate.as_ref()
        } else {
            let span = RootSpan::new(&self.service, name, attributes);
            self.rules
                .iter()
                .zip(&self.rule_rates)
                .find_map(|(rule, rate)| rule.matches(&span).then_some(rate))
                .or(self.sample_rate.as_ref())
        };
        let Some(Rate { rate, knuth }) = rate else {
            // The default decision is not written down: a sampled span without a `dd=` priority
            // is priority 1 (auto keep) to the propagators and the Agent alike, and writing it
            // would cost several allocations on every new trace, the common case.
            let trace_state = if base.get(DD_KEY).is_some() {
                with_decision(base, AUTO_KEEP, MECHANISM_DEFAULT)
            } else {
                base.clone()
            };
            return SamplingResult { decision: SamplingDecision::RecordAndSample, attributes: Vec::new(), trace_state };
        };
        let mut limit = None;
        let rate = *rate;
        let mut keep = keeps(rate, trace_id);
        if keep {
            let admission = self.limiter.admit();
            keep = admission.allowed;
            limit = Some(admission.effective_rate);
        }
        let priority = if keep { USER_KEEP } else { USER_REJECT };
        let mut attributes = Vec::with_capacity(4);
        attributes.push(KeyValue::new(ATTR_PRIORITY, i64::from(priority)));
        attributes.push(KeyValue::new(ATTR_RULE_RATE, rate));
        if let Some(limit) = limit {
            attributes.push(KeyValue::new(ATTR_LIMIT_RATE, limit));
        }
        attributes.push(KeyValue::new(ATTR_KNUTH_RATE, knuth.clone()));
        // Most roots have no `tracestate` of their own: a kept one gets the prepared value, a
        // dropped one none (the implied rejection: its spans copy no strings).
        let trace_state = match (base == &TraceState::NONE, keep) {
            (true, true) => self.kept.clone(),
            (true, false) => TraceState::NONE,
            (false, _) => with_decision(base, priority, MECHANISM_RULE),
        };
        SamplingResult {
            decision: if keep { SamplingDecision::RecordAndSample } else { self.dropped.clone() },
            attributes,
            trace_state,
        }
    }
}

/// A span continuing a trace: the parent's sampled flag decides and its `tracestate` (with the
/// `dd=` priority) goes on unchanged. Spans of user-kept traces repeat `sampling.priority`, since
/// the Agent reads the priority per export request and a trace's spans may span several.
fn follow_parent(parent: &SpanContext, dropped: &SamplingDecision) -> SamplingResult {
    let sampled = parent.is_sampled();
    let mut attributes = Vec::new();
    if sampled && dd_priority(parent.trace_state()) == Some(USER_KEEP) {
        attributes.push(KeyValue::new(ATTR_PRIORITY, i64::from(USER_KEEP)));
    }
    // An unsampled remote parent without a `dd=` member (a W3C upstream that sent `-00` only)
    // is priority 0; written down, or its local children would read as this process's rule
    // rejection (`DdState::of`).
    let trace_state = if !sampled && parent.is_remote() && parent.trace_state().get(DD_KEY).is_none() {
        DdState { priority: Some(AUTO_REJECT), ..DdState::default() }.write_into(parent.trace_state())
    } else {
        parent.trace_state().clone()
    };
    SamplingResult {
        decision: if sampled { SamplingDecision::RecordAndSample } else { dropped.clone() },
        attributes,
        trace_state,
    }
}

/// `base` with its `dd=` member carrying `priority` and the mechanism `_dd.p.dm`.
pub(super) fn with_decision(base: &TraceState, priority: i8, mechanism: &str) -> TraceState {
    let mut state = DdState::from_trace_state(base);
    state.priority = Some(priority);
    state.set_tag("dm", mechanism);
    state.write_into(base)
}

impl ShouldSample for DatadogSampler {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        name: &str,
        _span_kind: &SpanKind,
        attributes: &[KeyValue],
        _links: &[Link],
    ) -> SamplingResult {
        let Some(cx) = parent_context else {
            return self.sample_root(&TraceState::default(), trace_id, name, attributes);
        };
        // Without an active span, `span()` is a no-op span whose context is invalid.
        let parent = cx.span();
        let parent = parent.span_context();
        if !parent.is_valid() {
            return self.sample_root(parent.trace_state(), trace_id, name, attributes);
        }
        // A Datadog upstream that sent no priority deferred the decision to this service.
        let deferred = parent.is_remote()
            && parent.trace_state().get(DD_KEY).is_some()
            && DdState::from_trace_state(parent.trace_state()).priority.is_none();
        if deferred {
            self.sample_root(parent.trace_state(), trace_id, name, attributes)
        } else {
            follow_parent(parent, &self.dropped)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use opentelemetry::trace::{SpanId, TraceFlags, Tracer, TracerProvider};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};

    use super::super::limiter::{advance, manual_clock};
    use super::*;
    use crate::config::DEFAULT_RATE_LIMIT;

    fn sampler(rules: Vec<SamplingRule>, sample_rate: Option<f64>, rate_limit: f64) -> DatadogSampler {
        DatadogSampler::new("checkout", rules, sample_rate, rate_limit)
    }

    fn root(sampler: &DatadogSampler, trace_id: u128, name: &str, attributes: &[KeyValue]) -> SamplingResult {
        sampler.should_sample(None, TraceId::from(trace_id), name, &SpanKind::Server, attributes, &[])
    }

    /// The `dd=` member the decision means for a local span: written, or implied by a dropped
    /// root's empty `tracestate` (`DdState::of`).
    fn dd(result: &SamplingResult) -> Option<String> {
        let sampled = result.decision == SamplingDecision::RecordAndSample;
        let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED };
        let local = SpanContext::new(TraceId::from(1), SpanId::from(1), flags, false, result.trace_state.clone());
        let state = DdState::of(&local).encode();
        (!state.is_empty()).then_some(state)
    }

    // Low 64 bits of trace ids and their Knuth hashes, computed by hand:
    //   1 * 1111111111111111111 = 1111111111111111111 <= 2^63 (rate 0.5 threshold): kept at 0.5
    //   9 * 1111111111111111111 = 9999999999999999999 >  2^63 = 9223372036854775808: dropped
    //   2 * 1111111111111111111 = 2222222222222222222 >  0.1 * 2^64 ~ 1844674407370955161
    //   (2^64 - 1) * 1111111111111111111 mod 2^64 = 2^64 - 1111111111111111111
    //                                              = 17335632962598440505 > 2^63: dropped
    const KEPT_AT_HALF: u128 = 1;
    const DROPPED_AT_HALF: u128 = 9;

    #[test]
    fn knuth_hash_decisions_match_datadog_formula() {
        assert_eq!(1_u64.wrapping_mul(KNUTH_FACTOR), 1_111_111_111_111_111_111);
        assert_eq!(9_u64.wrapping_mul(KNUTH_FACTOR), 9_999_999_999_999_999_999);
        assert_eq!(u64::MAX.wrapping_mul(KNUTH_FACTOR), 17_335_632_962_598_440_505);
        let cases: [(u128, f64, bool); 14] = [
            (0, 0.0, false),
            (KEPT_AT_HALF, 0.0, false),
            (DROPPED_AT_HALF, 0.0, false),
            (0, 0.5, true),
            (KEPT_AT_HALF, 0.5, true),
            (DROPPED_AT_HALF, 0.5, false),
            (u128::from(u64::MAX), 0.5, false),
            (KEPT_AT_HALF, 0.1, true),
            (2, 0.1, false),
            (0, 1.0, true),
            (DROPPED_AT_HALF, 1.0, true),
            (u128::from(u64::MAX), 1.0, true),
            // Only the low 64 bits count.
            ((0xdead_beef_u128 << 64) | KEPT_AT_HALF, 0.5, true),
            ((0xdead_beef_u128 << 64) | DROPPED_AT_HALF, 0.5, false),
        ];
        for (id, rate, kept) in cases {
            assert_eq!(keeps(rate, TraceId::from(id)), kept, "trace id {id:#x} at rate {rate}");
        }
        // Out-of-range rates are clamped.
        assert!(keeps(7.0, TraceId::from(DROPPED_AT_HALF)));
        assert!(!keeps(-1.0, TraceId::from(0)));
        assert!(!keeps(f64::NAN, TraceId::from(0)));
    }

    #[test]
    fn first_matching_rule_decides() {
        let rules = vec![SamplingRule::new(0.0).name("health*"), SamplingRule::new(1.0)];
        let sampler = sampler(rules, Some(0.0), DEFAULT_RATE_LIMIT);

        let dropped = root(&sampler, KEPT_AT_HALF, "healthcheck", &[]);
        assert_eq!(dropped.decision, SamplingDecision::Drop);
        assert_eq!(dropped.trace_state, TraceState::NONE, "implied, not written");
        assert_eq!(dd(&dropped).as_deref(), Some("s:-1;t.dm:-3"));
        assert!(dropped.attributes.contains(&KeyValue::new(ATTR_RULE_RATE, 0.0)));

        let kept = root(&sampler, DROPPED_AT_HALF, "checkout", &[]);
        assert_eq!(kept.decision, SamplingDecision::RecordAndSample);
        assert_eq!(dd(&kept).as_deref(), Some("s:2;t.dm:-3"));
    }

    #[test]
    fn rule_keep_writes_priority_mechanism_and_rates() {
        let rules = vec![SamplingRule::new(0.5).service("checkout").tag("env", "prod")];
        let sampler = sampler(rules, None, DEFAULT_RATE_LIMIT);
        let attrs = [KeyValue::new("env", "prod")];

        let kept = root(&sampler, KEPT_AT_HALF, "pay", &attrs);
        assert_eq!(kept.decision, SamplingDecision::RecordAndSample);
        assert_eq!(kept.trace_state.header(), "dd=s:2;t.dm:-3");
        assert_eq!(
            kept.attributes,
            vec![
                KeyValue::new("sampling.priority", 2_i64),
                KeyValue::new("_dd.rule_psr", 0.5),
                KeyValue::new("_dd.limit_psr", 1.0),
                KeyValue::new("_dd.p.ksr", "0.5"),
            ]
        );

        // Rejected by the rate: the limiter is not consulted.
        let rejected = root(&sampler, DROPPED_AT_HALF, "pay", &attrs);
        assert_eq!(rejected.decision, SamplingDecision::Drop);
        assert_eq!(rejected.trace_state, TraceState::NONE);
        assert_eq!(dd(&rejected).as_deref(), Some("s:-1;t.dm:-3"));
        assert_eq!(
            rejected.attributes,
            vec![
                KeyValue::new("sampling.priority", -1_i64),
                KeyValue::new("_dd.rule_psr", 0.5),
                KeyValue::new("_dd.p.ksr", "0.5"),
            ]
        );
    }

    #[test]
    fn sample_rate_is_a_catch_all_rule() {
        let rules = vec![SamplingRule::new(1.0).name("important")];
        let sampler = sampler(rules, Some(0.5), DEFAULT_RATE_LIMIT);

        let by_rule = root(&sampler, DROPPED_AT_HALF, "important", &[]);
        assert_eq!(by_rule.decision, SamplingDecision::RecordAndSample);
        assert!(by_rule.attributes.contains(&KeyValue::new(ATTR_RULE_RATE, 1.0)));

        let by_rate = root(&sampler, DROPPED_AT_HALF, "other", &[]);
        assert_eq!(by_rate.decision, SamplingDecision::Drop);
        assert_eq!(dd(&by_rate).as_deref(), Some("s:-1;t.dm:-3"));
        let by_rate = root(&sampler, KEPT_AT_HALF, "other", &[]);
        assert_eq!(dd(&by_rate).as_deref(), Some("s:2;t.dm:-3"));
        assert!(by_rate.attributes.contains(&KeyValue::new(ATTR_RULE_RATE, 0.5)));
    }

    #[test]
    fn without_rules_or_rate_the_default_keeps() {
        let sampler = sampler(vec![SamplingRule::new(0.0).service("billing")], None, 0.0);
        let kept = root(&sampler, DROPPED_AT_HALF, "pay", &[]);
        assert_eq!(kept.decision, SamplingDecision::RecordAndSample);
        assert_eq!(kept.trace_state, TraceState::NONE, "nothing to write: sampled means priority 1");
        assert_eq!(kept.attributes, vec![]);
        // A `dd=` state that came without a priority (a deferred decision) gets the default one.
        let deferred = TraceState::from_key_value([("dd", "p:0000000000000007")]).unwrap();
        let result = sampler.sample_root(&deferred, TraceId::from(DROPPED_AT_HALF), "pay", &[]);
        assert_eq!(result.trace_state.header(), "dd=s:1;p:0000000000000007;t.dm:-0");
    }

    #[test]
    fn children_follow_their_parent() {
        // Rules and rates never apply below the root.
        let sampler = sampler(vec![SamplingRule::new(0.0)], Some(0.0), 0.0);
        let parent = |flags, remote, trace_state| {
            let context = SpanContext::new(TraceId::from(DROPPED_AT_HALF), SpanId::from(7), flags, remote, trace_state);
            Context::new().with_remote_span_context(context)
        };
        let child = |cx: &Context| {
            sampler.should_sample(Some(cx), TraceId::from(DROPPED_AT_HALF), "child", &SpanKind::Client, &[], &[])
        };

        let user_kept = TraceState::from_key_value([("dd", "s:2;o:rum;t.dm:-3"), ("other", "x")]).unwrap();
        let result = child(&parent(TraceFlags::SAMPLED, true, user_kept.clone()));
        assert_eq!(result.decision, SamplingDecision::RecordAndSample);
        assert_eq!(result.trace_state, user_kept);
        assert_eq!(result.attributes, vec![KeyValue::new("sampling.priority", 2_i64)]);

        let auto_kept = TraceState::from_key_value([("dd", "s:1;t.dm:-0")]).unwrap();
        let result = child(&parent(TraceFlags::SAMPLED, false, auto_kept.clone()));
        assert_eq!(result.decision, SamplingDecision::RecordAndSample);
        assert_eq!(result.trace_state, auto_kept);
        assert_eq!(result.attributes, vec![]);

        let result = child(&parent(TraceFlags::SAMPLED, true, TraceState::default()));
        assert_eq!((result.decision, result.attributes), (SamplingDecision::RecordAndSample, vec![]));

        let rejected = TraceState::from_key_value([("dd", "s:-1;t.dm:-3")]).unwrap();
        let result = child(&parent(TraceFlags::NOT_SAMPLED, true, rejected.clone()));
        assert_eq!(result.decision, SamplingDecision::Drop);
        assert_eq!(result.trace_state, rejected);
        assert_eq!(result.attributes, vec![]);

        // A remote parent that sent `-00` and no `dd=` member (W3C only) is priority 0: written
        // into its local children, which would otherwise read as this process's rule rejection.
        let w3c_only = TraceState::from_key_value([("other", "x")]).unwrap();
        let result = child(&parent(TraceFlags::NOT_SAMPLED, true, w3c_only));
        assert_eq!(result.decision, SamplingDecision::Drop);
        assert_eq!(result.trace_state.header(), "dd=s:0,other=x");
        assert_eq!(dd(&result).as_deref(), Some("s:0"));
        let result = child(&parent(TraceFlags::NOT_SAMPLED, true, TraceState::NONE));
        assert_eq!(result.trace_state.header(), "dd=s:0");
        // A local parent dropped here passes its implied decision on as it is: nothing to copy.
        let result = child(&parent(TraceFlags::NOT_SAMPLED, false, TraceState::NONE));
        assert_eq!((result.decision, result.trace_state), (SamplingDecision::Drop, TraceState::NONE));

        // An invalid parent is no parent: the span is a root and keeps other vendors' state.
        let foreign = TraceState::from_key_value([("other", "x")]).unwrap();
        let invalid = SpanContext::new(TraceId::INVALID, SpanId::INVALID, TraceFlags::SAMPLED, true, foreign);
        let result = child(&Context::new().with_remote_span_context(invalid));
        assert_eq!(result.decision, SamplingDecision::Drop);
        assert_eq!(result.trace_state.header(), "dd=s:-1;t.dm:-3,other=x");
        let result = child(&Context::new());
        assert_eq!(result.trace_state, TraceState::NONE);
        assert_eq!(dd(&result).as_deref(), Some("s:-1;t.dm:-3"));
    }

    #[test]
    fn a_deferred_upstream_decision_is_made_here() {
        // Datadog headers without a priority arrive sampled, with a `dd=` state and no `s:`.
        let sampler = sampler(vec![SamplingRule::new(0.0).name("checkout")], None, 100.0);
        let deferred = TraceState::from_key_value([("dd", "p:0000000000000007")]).unwrap();
        let context =
            SpanContext::new(TraceId::from(DROPPED_AT_HALF), SpanId::from(7), TraceFlags::SAMPLED, true, deferred);
        let cx = Context::new().with_remote_span_context(context);
        let result =
            sampler.should_sample(Some(&cx), TraceId::from(DROPPED_AT_HALF), "checkout", &SpanKind::Server, &[], &[]);
        assert_eq!(result.decision, SamplingDecision::Drop, "the local rule decides");
        assert_eq!(result.trace_state.header(), "dd=s:-1;p:0000000000000007;t.dm:-3");
        let result =
            sampler.should_sample(Some(&cx), TraceId::from(DROPPED_AT_HALF), "other", &SpanKind::Server, &[], &[]);
        assert_eq!(
            (result.decision, result.trace_state.header()),
            (SamplingDecision::RecordAndSample, "dd=s:1;p:0000000000000007;t.dm:-0".to_owned())
        );
    }

    #[test]
    fn rate_limit_demotes_rule_keeps() {
        let (time, clock) = manual_clock();
        let mut sampler = sampler(vec![SamplingRule::new(1.0)], None, 1.0);
        sampler.limiter = RateLimiter::with_clock(1.0, clock);

        assert_eq!(dd(&root(&sampler, 1, "pay", &[])).as_deref(), Some("s:2;t.dm:-3"));
        let limited = root(&sampler, 2, "pay", &[]);
        assert_eq!(limited.decision, SamplingDecision::Drop);
        assert_eq!(dd(&limited).as_deref(), Some("s:-1;t.dm:-3"));
        assert_eq!(
            limited.attributes,
            vec![
                KeyValue::new("sampling.priority", -1_i64),
                KeyValue::new("_dd.rule_psr", 1.0),
                KeyValue::new("_dd.limit_psr", 0.5),
                KeyValue::new("_dd.p.ksr", "1"),
            ]
        );
        advance(&time, Duration::from_secs(1));
        assert_eq!(root(&sampler, 3, "pay", &[]).decision, SamplingDecision::RecordAndSample);
    }

    #[test]
    fn knuth_rate_has_six_decimals_at_most() {
        assert_eq!(knuth_rate(1.0), "1");
        assert_eq!(knuth_rate(0.0), "0");
        assert_eq!(knuth_rate(0.5), "0.5");
        assert_eq!(knuth_rate(0.765_432_1), "0.765432");
        assert_eq!(knuth_rate(0.000_000_1), "0");
    }

    #[test]
    fn decisions_reach_exported_spans() {
        let exporter = InMemorySpanExporter::default();
        let rules = vec![SamplingRule::new(1.0).name("http.request"), SamplingRule::new(0.0)];
        let provider = SdkTracerProvider::builder()
            .with_sampler(sampler(rules, None, DEFAULT_RATE_LIMIT))
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("test");

        let root_span = tracer.span_builder("GET /").with_attributes([KeyValue::new("operation.name", "http.request")]);
        let cx = Context::new().with_span(root_span.start(&tracer));
        drop(tracer.start_with_context("db", &cx));
        drop(cx);
        // Dropped by the second rule, with everything under it.
        let dropped = Context::new().with_span(tracer.start("background"));
        drop(tracer.start_with_context("step", &dropped));
        drop(dropped);

        let spans = exporter.get_finished_spans().unwrap();
        assert_eq!(spans.iter().map(|s| s.name.as_ref()).collect::<Vec<_>>(), ["db", "GET /"]);
        for span in &spans {
            assert_eq!(span.span_context.trace_state().header(), "dd=s:2;t.dm:-3");
            assert!(span.attributes.contains(&KeyValue::new("sampling.priority", 2_i64)));
        }
        assert!(spans[1].attributes.contains(&KeyValue::new("_dd.rule_psr", 1.0)));
        assert!(!spans[0].attributes.iter().any(|kv| kv.key.as_str() == "_dd.rule_psr"));
        provider.shutdown().unwrap();
    }
}
