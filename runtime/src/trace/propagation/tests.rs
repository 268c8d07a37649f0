//! The propagator as a whole: exact headers per style, round trips, precedence, the helpers.

use std::collections::{BTreeMap, HashMap};

use opentelemetry::Context;
use opentelemetry::baggage::BaggageExt as _;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState};

use super::PropagationStyle::{Baggage, Datadog, None, TraceContext};
use super::*;

const TRACE: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;
const TRACE_HIGH_HEX: &str = "4bf92f3577b34da6";
const TRACE_LOW_DEC: &str = "11803532876627986230";
const SPAN: u64 = 0x00f0_67aa_0ba9_02b7;
const SPAN_DEC: &str = "67667974448284343";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn context(trace_id: u128, span_id: u64, flags: TraceFlags, trace_state: &str) -> Context {
    let trace_state = trace_state.parse::<TraceState>().unwrap();
    let span_context = SpanContext::new(TraceId::from(trace_id), SpanId::from(span_id), flags, false, trace_state);
    Context::new().with_remote_span_context(span_context)
}

fn inject(propagator: &DdPropagator, cx: &Context) -> BTreeMap<String, String> {
    let mut carrier = HashMap::new();
    propagator.inject_context(cx, &mut carrier);
    carrier.into_iter().collect()
}

fn extract(propagator: &DdPropagator, pairs: &[(&str, &str)]) -> Context {
    let carrier: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    propagator.extract_with_context(&Context::new(), &carrier)
}

fn headers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn span_context(cx: &Context) -> SpanContext {
    cx.span().span_context().clone()
}

fn only(style: PropagationStyle) -> DdPropagator {
    DdPropagator::new(vec![style], vec![style])
}

/// A Datadog upstream sending both header styles for one span.
fn both_styles() -> Vec<(&'static str, &'static str)> {
    vec![
        ("x-datadog-trace-id", TRACE_LOW_DEC),
        ("x-datadog-parent-id", SPAN_DEC),
        ("x-datadog-sampling-priority", "2"),
        ("x-datadog-origin", "rum"),
        ("x-datadog-tags", "_dd.p.dm=-4,_dd.p.tid=4bf92f3577b34da6"),
        ("traceparent", TRACEPARENT),
        ("tracestate", "dd=s:2;o:rum;p:00f067aa0ba902b7;t.dm:-4,congo=t61rcWkgMzE"),
    ]
}

#[test]
fn fields_list_every_injected_header() {
    let fields = |p: &DdPropagator| p.fields().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        fields(&DdPropagator::default()),
        [
            "x-datadog-trace-id",
            "x-datadog-parent-id",
            "x-datadog-sampling-priority",
            "x-datadog-origin",
            "x-datadog-tags",
            "traceparent",
            "tracestate",
        ]
    );
    assert_eq!(
        fields(&DdPropagator::new(vec![], vec![Baggage, TraceContext, Baggage])),
        ["baggage", "traceparent", "tracestate"]
    );
    assert!(fields(&DdPropagator::new(vec![Datadog], vec![None])).is_empty());
}

#[test]
fn injects_traceparent_and_an_up_to_date_dd_member() {
    let cx = context(TRACE, SPAN, TraceFlags::SAMPLED, "dd=s:2;o:rum;p:0000000000000001;t.dm:-4,congo=t61rcWkgMzE");
    assert_eq!(
        inject(&only(TraceContext), &cx),
        headers(&[
            ("traceparent", TRACEPARENT),
            ("tracestate", "dd=s:2;o:rum;p:00f067aa0ba902b7;t.dm:-4,congo=t61rcWkgMzE"),
        ])
    );
    // Without a `dd=` member, the priority comes from the sampled flag; it goes first (W3C
    // puts the updated member at the front). Unsampled and remote (an upstream that sent `-00`
    // only): priority 0.
    let foreign = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7".parse::<TraceState>().unwrap();
    let remote = SpanContext::new(TraceId::from(TRACE), SpanId::from(SPAN), TraceFlags::NOT_SAMPLED, true, foreign);
    assert_eq!(
        inject(&only(TraceContext), &Context::new().with_remote_span_context(remote)),
        headers(&[
            ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),
            ("tracestate", "dd=s:0;p:00f067aa0ba902b7,congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
        ])
    );
    // Unsampled and local: a trace this process's sampler dropped by rule, whose decision the
    // sampler implies rather than writes (`DdState::of`): sent as priority -1 by rule.
    let cx = context(TRACE, SPAN, TraceFlags::NOT_SAMPLED, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
    assert_eq!(
        inject(&only(TraceContext), &cx),
        headers(&[
            ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),
            ("tracestate", "dd=s:-1;p:00f067aa0ba902b7;t.dm:-3,congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
        ])
    );
}

#[test]
fn injects_both_styles_from_one_context() {
    let cx = context(TRACE, SPAN, TraceFlags::SAMPLED, "dd=s:2;o:rum;t.dm:-4");
    assert_eq!(
        inject(&DdPropagator::default(), &cx),
        headers(&[
            ("x-datadog-trace-id", TRACE_LOW_DEC),
            ("x-datadog-parent-id", SPAN_DEC),
            ("x-datadog-sampling-priority", "2"),
            ("x-datadog-origin", "rum"),
            ("x-datadog-tags", "_dd.p.dm=-4,_dd.p.tid=4bf92f3577b34da6"),
            ("traceparent", TRACEPARENT),
            ("tracestate", "dd=s:2;o:rum;p:00f067aa0ba902b7;t.dm:-4"),
        ])
    );
}

#[test]
fn injects_nothing_without_a_valid_span() {
    assert!(inject(&DdPropagator::default(), &Context::new()).is_empty());
    assert!(inject(&DdPropagator::new(vec![], vec![None]), &context(TRACE, SPAN, TraceFlags::SAMPLED, "")).is_empty());
}

#[test]
fn datadog_round_trip() {
    let sent = [
        ("x-datadog-trace-id", TRACE_LOW_DEC),
        ("x-datadog-parent-id", SPAN_DEC),
        ("x-datadog-sampling-priority", "-1"),
        ("x-datadog-origin", "synthetics"),
        ("x-datadog-tags", "_dd.p.dm=-3,_dd.p.usr.id=baz64==,_dd.p.tid=4bf92f3577b34da6"),
    ];
    let cx = extract(&only(Datadog), &sent);
    let received = span_context(&cx);
    assert_eq!(received.trace_id(), TraceId::from(TRACE));
    assert!(received.is_remote() && !received.is_sampled());
    assert_eq!(inject(&only(Datadog), &cx), headers(&sent));
}

#[test]
fn w3c_round_trip() {
    let sent = [("traceparent", TRACEPARENT), ("tracestate", "dd=s:1;o:rum;p:00f067aa0ba902b7;t.dm:-0,other=1")];
    let cx = extract(&only(TraceContext), &sent);
    let received = span_context(&cx);
    assert_eq!((received.trace_id(), received.span_id()), (TraceId::from(TRACE), SpanId::from(SPAN)));
    assert!(received.is_remote() && received.is_sampled());
    assert_eq!(received.trace_state().header(), sent[1].1, "tracestate is kept as received");
    assert_eq!(inject(&only(TraceContext), &cx), headers(&sent));
}

#[test]
fn w3c_extraction_keeps_a_contradicting_dd_member_but_injection_fixes_it() {
    let sent = [("traceparent", TRACEPARENT), ("tracestate", "dd=s:-1;p:0000000000000001")];
    let cx = extract(&only(TraceContext), &sent);
    assert_eq!(span_context(&cx).trace_state().header(), "dd=s:-1;p:0000000000000001");
    // The flag decides, as Datadog's tracers do: priority 1 by the default mechanism.
    assert_eq!(inject(&only(Datadog), &cx)["x-datadog-sampling-priority"], "1");
    assert_eq!(inject(&only(Datadog), &cx)["x-datadog-tags"], "_dd.p.dm=-0,_dd.p.tid=4bf92f3577b34da6");
    assert_eq!(inject(&only(TraceContext), &cx)["tracestate"], "dd=s:1;p:00f067aa0ba902b7;t.dm:-0");
}

#[test]
fn datadog_in_w3c_out() {
    let cx = extract(
        &only(Datadog),
        &[
            ("x-datadog-trace-id", "4611686018427387904"),
            ("x-datadog-parent-id", SPAN_DEC),
            ("x-datadog-sampling-priority", "2"),
            ("x-datadog-origin", "rum"),
            ("x-datadog-tags", "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000"),
        ],
    );
    assert_eq!(
        inject(&only(TraceContext), &cx),
        headers(&[
            ("traceparent", "00-640cfd8d000000004000000000000000-00f067aa0ba902b7-01"),
            ("tracestate", "dd=s:2;o:rum;p:00f067aa0ba902b7;t.dm:-4"),
        ])
    );
}

#[test]
fn w3c_in_datadog_out() {
    let cx = extract(&only(TraceContext), &[("traceparent", TRACEPARENT), ("tracestate", "dd=s:2;o:rum;t.dm:-4")]);
    assert_eq!(
        inject(&only(Datadog), &cx),
        headers(&[
            ("x-datadog-trace-id", TRACE_LOW_DEC),
            ("x-datadog-parent-id", SPAN_DEC),
            ("x-datadog-sampling-priority", "2"),
            ("x-datadog-origin", "rum"),
            ("x-datadog-tags", &format!("_dd.p.dm=-4,_dd.p.tid={TRACE_HIGH_HEX}")),
        ])
    );
}

#[test]
fn first_valid_style_wins() {
    let mut sent = both_styles();
    sent[5].1 = "00-0000000000000000000000000000abcd-000000000000000a-00";
    let datadog_first = span_context(&extract(&DdPropagator::default(), &sent));
    assert_eq!((datadog_first.trace_id(), datadog_first.span_id()), (TraceId::from(TRACE), SpanId::from(SPAN)));
    assert_eq!(datadog_first.trace_state().header(), "dd=s:2;o:rum;p:00f067aa0ba902b7;t.dm:-4");

    let w3c_first = DdPropagator::new(vec![TraceContext, Datadog], vec![]);
    let w3c_first = span_context(&extract(&w3c_first, &sent));
    assert_eq!((w3c_first.trace_id(), w3c_first.span_id()), (TraceId::from(0xabcd), SpanId::from(10)));
    assert!(!w3c_first.is_sampled());

    // A malformed Datadog context gives way to the next style.
    sent[0].1 = "not-a-number";
    let fallback = span_context(&extract(&DdPropagator::default(), &sent));
    assert_eq!(fallback.trace_id(), TraceId::from(0xabcd));
}

#[test]
fn same_trace_in_w3c_contributes_its_tracestate() {
    let cx = span_context(&extract(&DdPropagator::default(), &both_styles()));
    assert_eq!((cx.trace_id(), cx.span_id()), (TraceId::from(TRACE), SpanId::from(SPAN)));
    assert!(cx.is_remote() && cx.is_sampled());
    assert_eq!(cx.trace_state().header(), "dd=s:2;o:rum;p:00f067aa0ba902b7;t.dm:-4,congo=t61rcWkgMzE");
}

#[test]
fn same_trace_with_a_newer_w3c_parent_takes_that_parent() {
    // A proxy that only speaks W3C forwarded the Datadog headers untouched but sent its own span
    // as parent in `traceparent`.
    let mut sent = both_styles();
    sent[5].1 = "00-4bf92f3577b34da6a3ce929d0e0e4736-000000000000abcd-00";
    sent[6].1 = "proxy=1";
    let cx = span_context(&extract(&DdPropagator::default(), &sent));
    assert_eq!(cx.span_id(), SpanId::from(0xabcd));
    assert!(cx.is_sampled(), "the Datadog priority decides");
    assert_eq!(cx.trace_state().header(), "dd=s:2;o:rum;p:00f067aa0ba902b7;t.dm:-4,proxy=1");

    // With a `p:` in the W3C `dd=` member, it names the last Datadog span.
    sent[6].1 = "dd=s:1;p:0000000000001234,proxy=1";
    let cx = span_context(&extract(&DdPropagator::default(), &sent));
    assert_eq!(cx.span_id(), SpanId::from(0xabcd));
    assert_eq!(cx.trace_state().header(), "dd=s:2;o:rum;p:0000000000001234;t.dm:-4,proxy=1");

    // Without `tracecontext` among the extraction styles, W3C headers are not read at all.
    let datadog_only = span_context(&extract(&only(Datadog), &sent));
    assert_eq!(datadog_only.span_id(), SpanId::from(SPAN));
    assert_eq!(datadog_only.trace_state().header(), "dd=s:2;o:rum;p:00f067aa0ba902b7;t.dm:-4");
}

#[test]
fn malformed_headers_yield_no_context() {
    for pairs in [
        &[("x-datadog-trace-id", "abc"), ("x-datadog-parent-id", "1")][..],
        &[("x-datadog-trace-id", "0"), ("x-datadog-parent-id", "1")],
        &[("x-datadog-trace-id", "1"), ("x-datadog-parent-id", "0")],
        &[("x-datadog-trace-id", "340282366920938463463374607431768211455"), ("x-datadog-parent-id", "1")],
        &[("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01")],
        &[("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")],
        &[("traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")],
        &[("traceparent", "garbage")],
        &[],
    ] {
        let cx = extract(&DdPropagator::default(), pairs);
        assert!(!cx.span().span_context().is_valid(), "{pairs:?}");
    }
}

#[test]
fn extraction_keeps_the_given_context_when_nothing_is_found() {
    let base = Context::new().with_value(7_u8);
    let carrier: HashMap<String, String> = HashMap::new();
    let cx = DdPropagator::default().extract_with_context(&base, &carrier);
    assert_eq!(cx.get::<u8>(), Some(&7));
    assert!(!cx.has_active_span());
}

#[test]
fn baggage_is_merged_when_configured() {
    let with_baggage = DdPropagator::new(vec![Datadog, Baggage], vec![Datadog, Baggage]);
    let sent = [("x-datadog-trace-id", "1"), ("x-datadog-parent-id", "2"), ("baggage", "user.id=42,region=eu")];
    let cx = extract(&with_baggage, &sent);
    assert_eq!(cx.span().span_context().trace_id(), TraceId::from(1));
    assert_eq!(cx.baggage().get("user.id").map(opentelemetry::StringValue::as_str), Some("42"));
    assert_eq!(inject(&with_baggage, &cx).get("baggage").map(String::len), Some("user.id=42,region=eu".len()));

    // Baggage alone, without a trace context.
    let cx = extract(&with_baggage, &[("baggage", "k=v")]);
    assert!(!cx.span().span_context().is_valid());
    assert_eq!(cx.baggage().len(), 1);

    // Not configured: ignored both ways.
    let cx = extract(&DdPropagator::default(), &sent);
    assert_eq!(cx.baggage().len(), 0);
    let cx = context(TRACE, SPAN, TraceFlags::SAMPLED, "").with_baggage([opentelemetry::KeyValue::new("k", "v")]);
    assert!(!inject(&DdPropagator::default(), &cx).contains_key("baggage"));
}

/// The helpers read the global propagator; this is the only test that installs one.
#[test]
fn helpers_use_the_global_propagator() {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    use tracing_subscriber::layer::SubscriberExt as _;

    opentelemetry::global::set_text_map_propagator(DdPropagator::default());

    let mut incoming = http::HeaderMap::new();
    for (name, value) in both_styles() {
        incoming.insert(name, value.parse().unwrap());
    }
    let cx = super::extract(&incoming);
    assert_eq!(cx.span().span_context().trace_id(), TraceId::from(TRACE));

    let mut outgoing = http::HeaderMap::new();
    inject_context(&cx, &mut outgoing);
    assert_eq!(outgoing["x-datadog-parent-id"], SPAN_DEC);
    assert_eq!(outgoing["tracestate"], "dd=s:2;o:rum;p:00f067aa0ba902b7;t.dm:-4,congo=t61rcWkgMzE");

    let mut carrier = HashMap::new();
    inject_into(&cx, &mut carrier);
    assert_eq!(carrier.len(), 7);
    let back = extract_from(&carrier);
    assert_eq!(back.span().span_context(), cx.span().span_context());

    // A local child span of the extracted context: its own id is sent as parent, the trace's
    // priority, origin and tags go on.
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let subscriber =
        tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    let mut outgoing = http::HeaderMap::new();
    let child_id = tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("child");
        span.set_parent(cx.clone()).unwrap();
        inject_span(&span, &mut outgoing);
        span.context().span().span_context().span_id()
    });
    assert_ne!(child_id, SpanId::from(SPAN));
    let child_dec = u64::from_be_bytes(child_id.to_bytes()).to_string();
    assert_eq!(outgoing["x-datadog-trace-id"], TRACE_LOW_DEC);
    assert_eq!(outgoing["x-datadog-parent-id"], child_dec.as_str());
    assert_eq!(outgoing["x-datadog-sampling-priority"], "2");
    assert_eq!(outgoing["x-datadog-origin"], "rum");
    assert_eq!(outgoing["x-datadog-tags"], "_dd.p.dm=-4,_dd.p.tid=4bf92f3577b34da6");
    assert_eq!(outgoing["traceparent"], format!("00-4bf92f3577b34da6a3ce929d0e0e4736-{child_id}-01").as_str());
    assert_eq!(outgoing["tracestate"], format!("dd=s:2;o:rum;p:{child_id};t.dm:-4,congo=t61rcWkgMzE").as_str());

    // A span no layer records writes nothing.
    let mut nothing = http::HeaderMap::new();
    inject_span(&tracing::Span::none(), &mut nothing);
    assert!(nothing.is_empty());
}
