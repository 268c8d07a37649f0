//! Datadog's headers: `x-datadog-trace-id`, `x-datadog-parent-id`, `x-datadog-sampling-priority`,
//! `x-datadog-origin` and `x-datadog-tags`.
//!
//! Ids are decimal; the trace id header holds the low 64 bits and `_dd.p.tid` in
//! `x-datadog-tags` the upper 64 bits as 16 hex digits. Inside the process, priority, origin and
//! propagated tags live in the `dd=` member of the span context's `tracestate` ([`DdState`]).

use std::fmt::Write as _;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};

use crate::trace::dd_state::DdState;

pub(crate) const TRACE_ID: &str = "x-datadog-trace-id";
pub(crate) const PARENT_ID: &str = "x-datadog-parent-id";
pub(crate) const SAMPLING_PRIORITY: &str = "x-datadog-sampling-priority";
pub(crate) const ORIGIN: &str = "x-datadog-origin";
pub(crate) const TAGS: &str = "x-datadog-tags";
/// Every header this style writes.
pub(crate) const FIELDS: [&str; 5] = [TRACE_ID, PARENT_ID, SAMPLING_PRIORITY, ORIGIN, TAGS];

/// Longest `x-datadog-tags` sent or read, Datadog's default `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`.
pub(crate) const MAX_TAGS_LEN: usize = 512;
const TAG_PREFIX: &str = "_dd.p.";
/// `_dd.p.tid`: the upper 64 bits of the trace id.
const TID: &str = "tid";
/// `_dd.p.dm`: the sampling mechanism, `-<n>`.
const DECISION_MAKER: &str = "dm";

/// Writes the Datadog headers for `span_context`. Nothing is written for an invalid context, nor
/// for a trace id whose low 64 bits are zero (the header cannot carry it).
pub(crate) fn inject(span_context: &SpanContext, injector: &mut dyn Injector) {
    let (high, low) = split_trace_id(span_context.trace_id());
    if !span_context.is_valid() || low == 0 {
        return;
    }
    let state = DdState::to_send(span_context);
    injector.set(TRACE_ID, low.to_string());
    injector.set(PARENT_ID, u64::from_be_bytes(span_context.span_id().to_bytes()).to_string());
    let priority = state.priority.unwrap_or_else(|| state.priority_for(span_context.is_sampled()));
    injector.set(SAMPLING_PRIORITY, priority.to_string());
    if let Some(origin) = &state.origin {
        injector.set(ORIGIN, origin.clone());
    }
    if let Some(tags) = tags_header(&state, high) {
        injector.set(TAGS, tags);
    }
}

/// `x-datadog-tags`: the state's tags, then `_dd.p.tid` when the trace id has upper bits. Tags
/// that the header cannot carry are left out; `None` when empty or longer than
/// [`MAX_TAGS_LEN`] (Datadog's tracers drop the whole header then, rather than a random part).
pub(crate) fn tags_header(state: &DdState, high: u64) -> Option<String> {
    let tid = (high != 0).then(|| format!("{high:016x}"));
    let tags = state.tags.iter().filter(|(key, _)| key != TID).map(|(key, value)| (key.as_str(), value.as_str()));
    let mut out = String::new();
    for (key, value) in tags.chain(tid.as_deref().map(|tid| (TID, tid))) {
        if valid_key(key) && valid_value(value) {
            if !out.is_empty() {
                out.push(',');
            }
            let _ = write!(out, "{TAG_PREFIX}{key}={value}");
        }
    }
    (!out.is_empty() && out.len() <= MAX_TAGS_LEN).then_some(out)
}

/// Reads the Datadog headers: a remote span context whose `tracestate` holds only a `dd=` member
/// with the priority, origin, tags, and `p:` set to the parent id.
///
/// `None` unless both ids are decimal numbers in 1..=2^64-1. Without a priority the upstream
/// service deferred the decision: the context is sampled with no `s:` in its `dd=` state, and the
/// sampler decides here as for a new trace. A malformed priority is treated as absent, like a malformed `_dd.p.tid` (64-bit trace id) or
/// `_dd.p.dm` (dropped); an `x-datadog-tags` longer than [`MAX_TAGS_LEN`] is ignored.
pub(crate) fn extract(extractor: &dyn Extractor) -> Option<SpanContext> {
    let low = parse_id(extractor.get(TRACE_ID)?)?;
    let parent = parse_id(extractor.get(PARENT_ID)?)?;
    let mut state = DdState {
        priority: extractor.get(SAMPLING_PRIORITY).and_then(|priority| priority.trim().parse().ok()),
        origin: extractor.get(ORIGIN).map(str::trim).filter(|origin| !origin.is_empty()).map(str::to_owned),
        parent_id: Some(format!("{parent:016x}")),
        tags: Vec::new(),
    };
    let high = extractor.get(TAGS).map_or(0, |header| parse_tags(header, &mut state));
    let flags =
        if state.priority.is_none_or(|priority| priority > 0) { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED };
    let trace_id = TraceId::from((u128::from(high) << 64) | u128::from(low));
    Some(SpanContext::new(trace_id, SpanId::from(parent), flags, true, state.write_into(&TraceState::NONE)))
}

/// The upper and lower 64 bits of a trace id.
#[allow(clippy::cast_possible_truncation, reason = "splits a 128-bit id into its two halves")]
pub(crate) fn split_trace_id(trace_id: TraceId) -> (u64, u64) {
    let id = u128::from_be_bytes(trace_id.to_bytes());
    ((id >> 64) as u64, id as u64)
}

/// A non-zero decimal id; `None` for signs, blanks, hex, overflow or zero.
fn parse_id(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok().filter(|id| *id != 0)
}

/// Reads the `_dd.p.*` tags of `x-datadog-tags` into `state` and returns the upper 64 bits of
/// the trace id from `_dd.p.tid` (0 when absent or malformed). Other keys are ignored.
fn parse_tags(header: &str, state: &mut DdState) -> u64 {
    if header.len() > MAX_TAGS_LEN {
        return 0;
    }
    let mut high = 0;
    for (key, value) in header.split(',').filter_map(|pair| pair.split_once('=')) {
        let Some(key) = key.trim().strip_prefix(TAG_PREFIX) else { continue };
        let value = value.trim();
        match key {
            TID => high = parse_tid(value).unwrap_or(0),
            DECISION_MAKER if !valid_decision_maker(value) => {}
            _ if valid_key(key) && !value.is_empty() && valid_value(value) => state.set_tag(key, value),
            _ => {}
        }
    }
    high
}

/// `_dd.p.tid`: exactly 16 hex digits.
fn parse_tid(value: &str) -> Option<u64> {
    if value.len() != 16 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(value, 16).ok()
}

/// `_dd.p.dm` is `-<mechanism>` (or `0`).
fn valid_decision_maker(value: &str) -> bool {
    value.parse::<i8>().is_ok_and(|mechanism| mechanism <= 0)
}

/// A tag key the header can carry: printable ASCII without blanks and the separators `,` `=`.
fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_graphic() && b != b',' && b != b'=')
}

/// A tag value the header can carry: printable ASCII, blanks included, without `,`.
fn valid_value(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b',')
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use opentelemetry::trace::TraceState;

    use super::*;
    use crate::trace::dd_state::{AUTO_KEEP, AUTO_REJECT, USER_KEEP, USER_REJECT};

    const SPAN: u64 = 0x00f0_67aa_0ba9_02b7;
    const SPAN_DEC: &str = "67667974448284343";

    fn span_context(trace_id: u128, sampled: bool, trace_state: &str) -> SpanContext {
        let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED };
        let trace_state = trace_state.parse::<TraceState>().unwrap();
        SpanContext::new(TraceId::from(trace_id), SpanId::from(SPAN), flags, false, trace_state)
    }

    fn injected(span_context: &SpanContext) -> BTreeMap<String, String> {
        let mut carrier = HashMap::new();
        inject(span_context, &mut carrier);
        carrier.into_iter().collect()
    }

    fn headers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn extracted(pairs: &[(&str, &str)]) -> Option<SpanContext> {
        let carrier: HashMap<String, String> = headers(pairs).into_iter().collect();
        extract(&carrier)
    }

    #[test]
    fn injects_64_bit_trace_ids() {
        // Sampled without a recorded priority: the default decision, priority 1 by `-0`.
        assert_eq!(
            injected(&span_context(0x4000_0000_0000_0000, true, "")),
            headers(&[
                ("x-datadog-trace-id", "4611686018427387904"),
                ("x-datadog-parent-id", SPAN_DEC),
                ("x-datadog-sampling-priority", "1"),
                ("x-datadog-tags", "_dd.p.dm=-0"),
            ])
        );
        // A local unsampled span without a `dd=` member: a trace this process's sampler dropped
        // by rule (the decision is implied, not written: `DdState::of`).
        assert_eq!(
            injected(&span_context(0x4000_0000_0000_0000, false, "")),
            headers(&[
                ("x-datadog-trace-id", "4611686018427387904"),
                ("x-datadog-parent-id", SPAN_DEC),
                ("x-datadog-sampling-priority", "-1"),
                ("x-datadog-tags", "_dd.p.dm=-3"),
            ])
        );
        // A remote one (an upstream that sent only `traceparent` with `-00`) is priority 0.
        let remote = span_context(0x4000_0000_0000_0000, false, "");
        let remote = SpanContext::new(
            remote.trace_id(),
            remote.span_id(),
            remote.trace_flags(),
            true,
            remote.trace_state().clone(),
        );
        assert_eq!(
            injected(&remote),
            headers(&[
                ("x-datadog-trace-id", "4611686018427387904"),
                ("x-datadog-parent-id", SPAN_DEC),
                ("x-datadog-sampling-priority", "0"),
            ])
        );
    }

    #[test]
    fn injects_upper_bits_as_tid() {
        assert_eq!(
            injected(&span_context(0x640c_fd8d_0000_0000_4000_0000_0000_0000, true, "")),
            headers(&[
                ("x-datadog-trace-id", "4611686018427387904"),
                ("x-datadog-parent-id", SPAN_DEC),
                ("x-datadog-sampling-priority", "1"),
                ("x-datadog-tags", "_dd.p.dm=-0,_dd.p.tid=640cfd8d00000000"),
            ])
        );
    }

    #[test]
    fn injects_every_priority_from_the_state() {
        for (priority, sampled) in [(USER_REJECT, false), (AUTO_REJECT, false), (AUTO_KEEP, true), (USER_KEEP, true)] {
            let headers = injected(&span_context(7, sampled, &format!("dd=s:{priority}")));
            assert_eq!(headers["x-datadog-sampling-priority"], priority.to_string());
        }
    }

    #[test]
    fn sampled_flag_wins_over_a_contradicting_priority() {
        // As Datadog's tracers settle it: kept by the flag is the default mechanism, dropped by
        // the flag has no decision maker.
        let dropped = injected(&span_context(7, false, "dd=s:2;t.dm:-4"));
        assert_eq!((dropped["x-datadog-sampling-priority"].as_str(), dropped.get("x-datadog-tags")), ("0", None));
        let kept = injected(&span_context(7, true, "dd=s:-1;t.dm:-3"));
        assert_eq!(
            (kept["x-datadog-sampling-priority"].as_str(), kept["x-datadog-tags"].as_str()),
            ("1", "_dd.p.dm=-0")
        );
        // A priority that agrees with the flag goes out as recorded, with its decision maker.
        let agreed = injected(&span_context(7, true, "dd=s:2;t.dm:-4"));
        assert_eq!(
            (agreed["x-datadog-sampling-priority"].as_str(), agreed["x-datadog-tags"].as_str()),
            ("2", "_dd.p.dm=-4")
        );
    }

    #[test]
    fn injects_origin_and_tags() {
        let context = span_context(
            0x640c_fd8d_0000_0000_4000_0000_0000_0000,
            true,
            "dd=s:2;o:rum;p:0000000000000001;t.dm:-4;t.usr.id:baz64~~,other=x",
        );
        assert_eq!(
            injected(&context),
            headers(&[
                ("x-datadog-trace-id", "4611686018427387904"),
                ("x-datadog-parent-id", SPAN_DEC),
                ("x-datadog-sampling-priority", "2"),
                ("x-datadog-origin", "rum"),
                ("x-datadog-tags", "_dd.p.dm=-4,_dd.p.usr.id=baz64==,_dd.p.tid=640cfd8d00000000"),
            ])
        );
    }

    #[test]
    fn skips_invalid_contexts() {
        assert!(injected(&SpanContext::empty_context()).is_empty());
        // The low 64 bits are zero: `x-datadog-trace-id: 0` would be rejected downstream.
        assert!(injected(&span_context(0x1_0000_0000_0000_0000, true, "")).is_empty());
    }

    #[test]
    fn tags_header_is_dropped_past_512_characters() {
        // `_dd.p.k=` is 8 characters, so a value of 504 makes exactly 512.
        let state = |len: usize| DdState { tags: vec![("k".into(), "v".repeat(len))], ..DdState::default() };
        assert_eq!(tags_header(&state(504), 0).map(|h| h.len()), Some(512));
        assert_eq!(tags_header(&state(505), 0), None);
        // `,_dd.p.tid=<16 hex>` adds 27 characters.
        assert_eq!(tags_header(&state(477), 1).map(|h| h.len()), Some(512));
        assert_eq!(tags_header(&state(478), 1), None);
    }

    #[test]
    fn tags_header_leaves_out_what_it_cannot_carry() {
        let state = DdState {
            tags: vec![
                ("dm".into(), "-3".into()),
                ("bad key".into(), "x".into()),
                ("bad,key".into(), "x".into()),
                ("comma".into(), "a,b".into()),
                ("empty".into(), String::new()),
                ("tid".into(), "ffffffffffffffff".into()),
                ("ok".into(), "a b=c".into()),
            ],
            ..DdState::default()
        };
        assert_eq!(tags_header(&state, 0).as_deref(), Some("_dd.p.dm=-3,_dd.p.ok=a b=c"));
        assert_eq!(tags_header(&DdState::default(), 0), None);
    }

    #[test]
    fn extracts_a_remote_context_with_its_dd_state() {
        let context = extracted(&[
            ("x-datadog-trace-id", "4611686018427387904"),
            ("x-datadog-parent-id", SPAN_DEC),
            ("x-datadog-sampling-priority", "2"),
            ("x-datadog-origin", "rum"),
            ("x-datadog-tags", "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000,_dd.p.usr.id=baz64==,other=1"),
        ])
        .unwrap();
        assert_eq!(context.trace_id(), TraceId::from(0x640c_fd8d_0000_0000_4000_0000_0000_0000));
        assert_eq!(context.span_id(), SpanId::from(SPAN));
        assert!(context.is_remote() && context.is_sampled());
        assert_eq!(context.trace_state().header(), "dd=s:2;o:rum;p:00f067aa0ba902b7;t.dm:-4;t.usr.id:baz64~~");
    }

    #[test]
    fn sampled_flag_follows_the_priority() {
        for (priority, sampled) in [("-1", false), ("0", false), ("1", true), ("2", true)] {
            let context = extracted(&[
                ("x-datadog-trace-id", "1"),
                ("x-datadog-parent-id", "2"),
                ("x-datadog-sampling-priority", priority),
            ])
            .unwrap();
            assert_eq!(context.is_sampled(), sampled, "priority {priority}");
            assert_eq!(context.trace_state().header(), format!("dd=s:{priority};p:0000000000000002"));
        }
    }

    #[test]
    fn malformed_ids_yield_no_context() {
        let max = u64::MAX.to_string();
        for (trace_id, parent_id) in [
            ("abc", "2"),
            ("0", "2"),
            ("18446744073709551616", "2"),
            ("-1", "2"),
            ("+1", "2"),
            ("0x10", "2"),
            ("", "2"),
            ("1", "0"),
            ("1", "x"),
            ("1", "99999999999999999999999"),
            ("1", " "),
        ] {
            let pairs = [("x-datadog-trace-id", trace_id), ("x-datadog-parent-id", parent_id)];
            assert_eq!(extracted(&pairs), None, "{trace_id} / {parent_id}");
        }
        assert_eq!(extracted(&[("x-datadog-trace-id", "1")]), None);
        assert_eq!(extracted(&[("x-datadog-parent-id", "1")]), None);
        let largest = extracted(&[("x-datadog-trace-id", &max), ("x-datadog-parent-id", &max)]).unwrap();
        assert_eq!(largest.trace_id(), TraceId::from(u128::from(u64::MAX)));
        assert_eq!(largest.span_id(), SpanId::from(u64::MAX));
    }

    #[test]
    fn malformed_optional_values_are_ignored() {
        let context = extracted(&[
            ("x-datadog-trace-id", "5"),
            ("x-datadog-parent-id", "6"),
            ("x-datadog-sampling-priority", "high"),
            ("x-datadog-origin", ""),
            ("x-datadog-tags", "_dd.p.tid=xyz,_dd.p.dm=4,_dd.p.=1,_dd.p.e=,junk,_dd.p.ok=1"),
        ])
        .unwrap();
        assert_eq!(context.trace_id(), TraceId::from(5));
        // No usable priority: the decision is deferred, the sampler here decides.
        assert!(context.is_sampled());
        assert_eq!(context.trace_state().header(), "dd=p:0000000000000006;t.ok:1");

        let too_long = format!("_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000,_dd.p.x={}", "y".repeat(500));
        let context =
            extracted(&[("x-datadog-trace-id", "5"), ("x-datadog-parent-id", "6"), ("x-datadog-tags", &too_long)])
                .unwrap();
        assert_eq!(context.trace_id(), TraceId::from(5));
        assert_eq!(context.trace_state().header(), "dd=p:0000000000000006");
    }

    #[test]
    fn inject_then_extract_is_lossless() {
        let context = span_context(
            0x640c_fd8d_0000_0000_4000_0000_0000_0000,
            true,
            "dd=s:2;o:synthetics;p:00f067aa0ba902b7;t.dm:-4",
        );
        let carrier: HashMap<String, String> = injected(&context).into_iter().collect();
        let back = extract(&carrier).unwrap();
        assert_eq!(back.trace_id(), context.trace_id());
        assert_eq!(back.span_id(), context.span_id());
        assert_eq!(back.trace_flags(), context.trace_flags());
        assert_eq!(back.trace_state(), context.trace_state());
    }
}
