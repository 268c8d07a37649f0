//! Datadog's state of a trace as it travels in W3C `tracestate`: the `dd=` member.
//!
//! `dd=s:<priority>;o:<origin>;p:<parent id, 16 hex>;t.<tag>:<value>`, at most 256 characters.
//! `t.<tag>` carries the propagated `_dd.p.<tag>` tags (`t.dm:-3` is `_dd.p.dm=-3`, the sampling
//! mechanism; `t.tid` is never sent here since W3C trace ids are 128 bits already). In values,
//! `=` is written `~` (tracestate forbids `=`), and `,` `;` and `~` are not allowed.
//!
//! The sampler writes the sampling decision here when a trace starts, and the propagators read
//! and write it, so the decision travels with the span context inside the process and across
//! services, whatever header style carries it.
//!
//! Two decisions are implied rather than written, because they are the common ones and every
//! copy of a written `tracestate` allocates (OpenTelemetry's `TraceState` holds `String`s, and
//! the SDK copies a span's context several times): a sampled span without a `dd=` priority is
//! priority 1 (auto keep), and a **local** unsampled span without a `dd=` member is a trace this
//! process's sampler dropped by rule or sample rate: priority -1, `_dd.p.dm=-3`
//! ([`DdState::of`]). An unsampled remote context without one (a W3C upstream that sent only
//! `traceparent`) stays priority 0: the sampler writes `s:0` into its local children. What is sent
//! to the next service is [`DdState::to_send`]: where the priority is missing or contradicts the
//! sampled flag, the flag decides, as Datadog's tracers settle it (kept: priority 1,
//! `_dd.p.dm=-0`; dropped: priority 0, no decision maker).

use opentelemetry::trace::{SpanContext, TraceState};

/// Key of Datadog's member in W3C `tracestate`.
pub(crate) const DD_KEY: &str = "dd";
/// Longest `dd=` member value Datadog sends.
pub(crate) const MAX_DD_MEMBER: usize = 256;

/// Sampling priority: the trace was dropped by a user rule.
pub(crate) const USER_REJECT: i8 = -1;
/// Sampling priority: the trace was dropped by the default sampler.
pub(crate) const AUTO_REJECT: i8 = 0;
/// Sampling priority: the trace was kept by the default sampler.
pub(crate) const AUTO_KEEP: i8 = 1;
/// Sampling priority: the trace was kept by a user rule.
pub(crate) const USER_KEEP: i8 = 2;

/// `_dd.p.dm` of a decision by a sampling rule or by `DD_TRACE_SAMPLE_RATE`.
pub(crate) const MECHANISM_RULE: &str = "-3";
/// `_dd.p.dm` of the default decision (no rule, no sample rate; or the sampled flag alone).
pub(crate) const MECHANISM_DEFAULT: &str = "-0";
/// Propagated tag key of the decision maker (`_dd.p.dm`).
const DECISION_MAKER: &str = "dm";

/// Datadog's state of one trace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DdState {
    /// Sampling priority (-1, 0, 1, 2), when decided.
    pub(crate) priority: Option<i8>,
    /// Origin of the trace (`rum`, `synthetics`, ...).
    pub(crate) origin: Option<String>,
    /// Id of the last Datadog span seen upstream, as 16 lowercase hex digits (`p:`).
    pub(crate) parent_id: Option<String>,
    /// Propagated tags without their `_dd.p.` prefix: `("dm", "-3")` is `_dd.p.dm=-3`.
    pub(crate) tags: Vec<(String, String)>,
}

impl DdState {
    /// The state carried by `trace_state`, if it has a `dd` member.
    pub(crate) fn from_trace_state(trace_state: &TraceState) -> Self {
        trace_state.get(DD_KEY).map(Self::decode).unwrap_or_default()
    }

    /// The state of `span_context`: its `dd=` member, or for a local unsampled span without one,
    /// the decision that implies (the sampler dropped the trace by rule: priority -1,
    /// `_dd.p.dm=-3`; see the module documentation).
    pub(crate) fn of(span_context: &SpanContext) -> Self {
        match span_context.trace_state().get(DD_KEY) {
            Some(member) => Self::decode(member),
            None if Self::implied_rejection(span_context) => Self::rule_rejection(),
            None => Self::default(),
        }
    }

    /// Whether `span_context`'s decision is the implied rejection: local, unsampled, no `dd=`.
    fn implied_rejection(span_context: &SpanContext) -> bool {
        span_context.is_valid()
            && !span_context.is_remote()
            && !span_context.is_sampled()
            && span_context.trace_state().get(DD_KEY).is_none()
    }

    /// Priority -1 by a rule or the sample rate.
    fn rule_rejection() -> Self {
        DdState {
            priority: Some(USER_REJECT),
            tags: vec![(DECISION_MAKER.to_owned(), MECHANISM_RULE.to_owned())],
            ..Self::default()
        }
    }

    /// `span_context`'s `tracestate` with an implied decision written down (for a span leaving
    /// the process with it, where nothing implies it); any other `tracestate` as it is.
    pub(crate) fn written_trace_state(span_context: &SpanContext) -> TraceState {
        if Self::implied_rejection(span_context) {
            Self::rule_rejection().write_into(span_context.trace_state())
        } else {
            span_context.trace_state().clone()
        }
    }

    /// What goes out with `span_context` to the next service: [`of`](Self::of), with the priority
    /// always set. When the recorded priority is missing or contradicts the sampled flag, the flag
    /// decides, as Datadog's tracers do it: kept is priority 1 by the default mechanism
    /// (`_dd.p.dm=-0`), dropped is priority 0 with no decision maker.
    pub(crate) fn to_send(span_context: &SpanContext) -> Self {
        let mut state = Self::of(span_context);
        let sampled = span_context.is_sampled();
        if state.priority.is_none_or(|priority| (priority > 0) != sampled) {
            if sampled {
                state.priority = Some(AUTO_KEEP);
                state.set_tag(DECISION_MAKER, MECHANISM_DEFAULT);
            } else {
                state.priority = Some(AUTO_REJECT);
                state.tags.retain(|(key, _)| key != DECISION_MAKER);
            }
        }
        state
    }

    /// Parses a `dd=` member value; unknown or malformed entries are skipped.
    pub(crate) fn decode(value: &str) -> Self {
        let mut state = Self::default();
        for entry in value.split(';') {
            let Some((key, raw)) = entry.split_once(':') else { continue };
            let decoded = raw.replace('~', "=");
            match key {
                "s" => state.priority = decoded.parse().ok(),
                "o" => state.origin = Some(decoded).filter(|o| !o.is_empty()),
                "p" => state.parent_id = Some(decoded).filter(|p| p.len() == 16),
                _ => {
                    if let Some(tag) = key.strip_prefix("t.")
                        && !tag.is_empty()
                        && tag != "tid"
                    {
                        state.tags.push((tag.to_owned(), decoded));
                    }
                }
            }
        }
        state
    }

    /// The `dd=` member value, within [`MAX_DD_MEMBER`] characters: entries that do not fit are
    /// left out, tags first.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        let mut push = |entry: String| {
            let extra = usize::from(!out.is_empty()) + entry.len();
            if out.len() + extra <= MAX_DD_MEMBER {
                if !out.is_empty() {
                    out.push(';');
                }
                out.push_str(&entry);
            }
        };
        if let Some(priority) = self.priority {
            push(format!("s:{priority}"));
        }
        if let Some(origin) = &self.origin {
            push(format!("o:{}", sanitize(origin)));
        }
        if let Some(parent) = &self.parent_id {
            push(format!("p:{parent}"));
        }
        for (key, value) in &self.tags {
            if key != "tid" {
                push(format!("t.{}:{}", sanitize(key), sanitize(value)));
            }
        }
        out
    }

    /// `trace_state` with its `dd` member replaced by this state (or removed when empty).
    pub(crate) fn write_into(&self, trace_state: &TraceState) -> TraceState {
        let encoded = self.encode();
        let updated = if encoded.is_empty() { trace_state.delete(DD_KEY) } else { trace_state.insert(DD_KEY, encoded) };
        updated.unwrap_or_else(|_| trace_state.clone())
    }

    /// The priority to propagate for a span whose sampled flag is `sampled`: the recorded one
    /// when it agrees with the flag, else [`AUTO_KEEP`] or [`AUTO_REJECT`]. The flag decides
    /// whether the span is exported, so a `s:` that contradicts it (a W3C upstream that set
    /// `-01` with `s:-1`, say) must not reach the next service.
    pub(crate) fn priority_for(&self, sampled: bool) -> i8 {
        match self.priority {
            Some(priority) if (priority > 0) == sampled => priority,
            _ if sampled => AUTO_KEEP,
            _ => AUTO_REJECT,
        }
    }

    /// The propagated tag `_dd.p.<key>`.
    #[allow(dead_code, reason = "shared API for readers of propagated tags; none outside tests yet")]
    pub(crate) fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Sets the propagated tag `_dd.p.<key>`.
    pub(crate) fn set_tag(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.tags.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => self.tags.push((key.to_owned(), value)),
        }
    }
}

/// Makes a value legal in a tracestate member: `=` becomes `~`; characters outside printable
/// ASCII and `,` `;` `~` become `_`.
fn sanitize(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '=' => '~',
            ',' | ';' | '~' => '_',
            c if (' '..='~').contains(&c) && c != ' ' => c,
            _ => '_',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_round_trip() {
        let state = DdState {
            priority: Some(USER_KEEP),
            origin: Some("rum".into()),
            parent_id: Some("00f067aa0ba902b7".into()),
            tags: vec![("dm".into(), "-3".into()), ("usr.id".into(), "baz64==".into())],
        };
        let encoded = state.encode();
        assert_eq!(encoded, "s:2;o:rum;p:00f067aa0ba902b7;t.dm:-3;t.usr.id:baz64~~");
        assert_eq!(DdState::decode(&encoded), state);
    }

    #[test]
    fn trace_state_keeps_other_vendors() {
        let trace_state = TraceState::from_key_value([("other", "x"), ("dd", "s:0")]).unwrap();
        let mut state = DdState::from_trace_state(&trace_state);
        assert_eq!(state.priority, Some(AUTO_REJECT));
        state.priority = Some(USER_KEEP);
        state.set_tag("dm", "-4");
        assert_eq!(state.tag("dm"), Some("-4"));
        assert_eq!(state.tag("tid"), None);
        let written = state.write_into(&trace_state);
        assert_eq!(written.get("dd"), Some("s:2;t.dm:-4"));
        assert_eq!(written.get("other"), Some("x"));
    }

    #[test]
    fn priority_agrees_with_the_sampled_flag() {
        let with = |priority| DdState { priority, ..DdState::default() };
        for (priority, sampled) in [(USER_REJECT, false), (AUTO_REJECT, false), (AUTO_KEEP, true), (USER_KEEP, true)] {
            assert_eq!(with(Some(priority)).priority_for(sampled), priority);
            assert_eq!(with(Some(priority)).priority_for(!sampled), if sampled { AUTO_REJECT } else { AUTO_KEEP });
        }
        assert_eq!(with(None).priority_for(true), AUTO_KEEP);
        assert_eq!(with(None).priority_for(false), AUTO_REJECT);
    }

    #[test]
    fn a_local_unsampled_span_without_a_member_is_a_rule_rejection() {
        use opentelemetry::trace::{SpanId, TraceFlags, TraceId};
        let context = |flags, remote, trace_state: &str| {
            let trace_state = if trace_state.is_empty() { TraceState::NONE } else { trace_state.parse().unwrap() };
            SpanContext::new(TraceId::from(7), SpanId::from(7), flags, remote, trace_state)
        };
        let implied = context(TraceFlags::NOT_SAMPLED, false, "other=x");
        assert_eq!(DdState::of(&implied).encode(), "s:-1;t.dm:-3");
        assert_eq!(DdState::of(&implied).priority_for(false), USER_REJECT);
        assert_eq!(DdState::written_trace_state(&implied).header(), "dd=s:-1;t.dm:-3,other=x");
        // Remote, sampled, written, or invalid: nothing is implied.
        for (context, member) in [
            (context(TraceFlags::NOT_SAMPLED, true, ""), ""),
            (context(TraceFlags::SAMPLED, false, ""), ""),
            (context(TraceFlags::NOT_SAMPLED, false, "dd=s:0"), "s:0"),
            (SpanContext::empty_context(), ""),
        ] {
            assert_eq!(DdState::of(&context).encode(), member, "{context:?}");
            assert_eq!(DdState::written_trace_state(&context), *context.trace_state());
        }
    }

    #[test]
    fn malformed_entries_are_skipped_and_size_is_bounded() {
        let state = DdState::decode("s:x;junk;p:short;o:;t.:v;t.tid:abc;t.ok:1");
        assert_eq!(state, DdState { tags: vec![("ok".into(), "1".into())], ..DdState::default() });
        let big = DdState {
            priority: Some(1),
            tags: (0..40).map(|i| (format!("key{i}"), "value".into())).collect(),
            ..DdState::default()
        };
        let encoded = big.encode();
        assert!(encoded.len() <= MAX_DD_MEMBER && encoded.starts_with("s:1;t.key0:value"));
    }
}
