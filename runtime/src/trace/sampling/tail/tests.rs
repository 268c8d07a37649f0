use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{
    Span as _, SpanContext, TraceContextExt, TraceFlags, TraceState, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, Span, SpanData, SpanProcessor};

use super::*;
use crate::SpanSamplingRule;
use crate::trace::sampling::DatadogSampler;

/// Collects what the tail processor forwards.
#[derive(Debug, Clone, Default)]
struct Collector(Arc<Mutex<Vec<SpanData>>>);

impl SpanProcessor for Collector {
    fn on_start(&self, _: &mut Span, _: &Context) {}
    fn on_end(&self, span: SpanData) {
        self.0.lock().unwrap().push(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
}

impl Collector {
    fn take(&self) -> Vec<SpanData> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// A provider sampling `rate` of traces at the head, with a tail processor for `keep` in front
/// of a collector.
fn setup(rate: f64, keep: &KeepSettings) -> (SdkTracerProvider, Collector, Arc<TailProcessor>) {
    let collector = Collector::default();
    let tail = Arc::new(TailProcessor::new(vec![Box::new(collector.clone())], keep, "shop", 1000.0));
    let sampler = DatadogSampler::new("shop", Vec::new(), Some(rate), 1000.0).record_dropped();
    let provider = SdkTracerProvider::builder().with_sampler(sampler).with_span_processor(Shared(tail.clone())).build();
    (provider, collector, tail)
}

#[derive(Debug)]
struct Shared(Arc<TailProcessor>);

impl SpanProcessor for Shared {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.0.on_start(span, cx);
    }
    fn on_end(&self, span: SpanData) {
        self.0.on_end(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
}

/// One local trace: a root lasting `root_ms`, with `children` children, the one at
/// `error_at` with an error status.
fn trace(provider: &SdkTracerProvider, root_ms: u64, children: usize, error_at: Option<usize>) {
    let tracer = provider.tracer("test");
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let root = tracer.span_builder("request").with_start_time(start).start(&tracer);
    let cx = Context::new().with_span(root);
    for index in 0..children {
        let mut child =
            tracer.span_builder(format!("step{index}")).with_start_time(start).start_with_context(&tracer, &cx);
        if error_at == Some(index) {
            child.set_status(Status::error("boom"));
        }
        child.end_with_timestamp(start + Duration::from_millis(1));
    }
    cx.span().end_with_timestamp(start + Duration::from_millis(root_ms));
}

fn keep_errors() -> KeepSettings {
    KeepSettings { errors: true, ..KeepSettings::default() }
}

#[test]
fn dropped_traces_with_an_error_are_kept_whole_with_user_keep() {
    let (provider, collector, _) = setup(0.0, &keep_errors());
    trace(&provider, 5, 3, None);
    assert!(collector.take().is_empty(), "a dropped trace without an error stays dropped");
    trace(&provider, 5, 3, Some(1));
    let spans = collector.take();
    let names: Vec<_> = spans.iter().map(|s| s.name.as_ref()).collect();
    assert_eq!(names, ["step0", "step1", "step2", "request"]);
    for span in &spans {
        assert!(span.span_context.is_sampled(), "{}", span.name);
        assert_eq!(attr(span, "sampling.priority"), Some(&Value::I64(2)), "{}", span.name);
        assert_eq!(span.span_context.trace_state().get("dd"), Some("s:2;t.dm:-4"), "{}", span.name);
        assert_eq!(span.span_context.trace_id(), spans[3].span_context.trace_id());
    }
    assert_eq!(attr(&spans[3], ATTR_KEEP_REASON), Some(&Value::from("error")));
    assert_eq!(attr(&spans[0], ATTR_KEEP_REASON), None);
    // The head decision's priority is replaced, not repeated.
    assert_eq!(spans[3].attributes.iter().filter(|kv| kv.key.as_str() == "sampling.priority").count(), 1);
}

#[test]
fn slow_local_roots_keep_their_trace() {
    let keep = KeepSettings { slow: Some(Duration::from_millis(500)), ..KeepSettings::default() };
    let (provider, collector, _) = setup(0.0, &keep);
    trace(&provider, 499, 2, Some(0));
    assert!(collector.take().is_empty(), "fast, and errors are not kept");
    trace(&provider, 500, 2, None);
    let spans = collector.take();
    assert_eq!(spans.len(), 3);
    assert_eq!(attr(&spans[2], ATTR_KEEP_REASON), Some(&Value::from("slow")));
}

#[test]
fn sampled_traces_pass_through_unchanged() {
    let (provider, collector, _) = setup(1.0, &keep_errors());
    trace(&provider, 5, 2, None);
    let spans = collector.take();
    assert_eq!(spans.len(), 2 + 1);
    for span in &spans {
        assert_eq!(attr(span, ATTR_KEEP_REASON), None);
        assert_eq!(span.span_context.trace_state().get("dd"), Some("s:2;t.dm:-3"));
    }
}

#[test]
fn span_sampling_rules_keep_single_spans_of_dropped_traces() {
    let keep = KeepSettings {
        span_rules: vec![
            SpanSamplingRule::new(0.0).name("step0"),
            SpanSamplingRule::new(1.0).service("sho?").name("STEP*").max_per_second(1000.0),
        ],
        ..KeepSettings::default()
    };
    let (provider, collector, _) = setup(0.0, &keep);
    trace(&provider, 5, 3, None);
    let spans = collector.take();
    let names: Vec<_> = spans.iter().map(|s| s.name.as_ref()).collect();
    // step0 matches the first rule, which keeps none; the root matches no rule.
    assert_eq!(names, ["step1", "step2"]);
    for span in &spans {
        assert!(span.span_context.is_sampled());
        assert_eq!(attr(span, "_dd.span_sampling.mechanism"), Some(&Value::I64(8)));
        assert_eq!(attr(span, "_dd.span_sampling.rule_rate"), Some(&Value::F64(1.0)));
        assert_eq!(attr(span, "_dd.span_sampling.max_per_second"), Some(&Value::F64(1000.0)));
        // The head decision stays: the Agent keeps the span alone out of a dropped chunk.
        assert_eq!(span.span_context.trace_state().get("dd"), Some("s:-1;t.dm:-3"));
    }
}

#[test]
fn span_sampling_rules_respect_max_per_second() {
    let keep =
        KeepSettings { span_rules: vec![SpanSamplingRule::new(1.0).max_per_second(3.0)], ..KeepSettings::default() };
    let (provider, collector, _) = setup(0.0, &keep);
    for _ in 0..10 {
        trace(&provider, 1, 1, None);
    }
    assert_eq!(collector.take().len(), 3);
}

#[test]
fn spans_ending_after_their_kept_root_are_kept_too() {
    let (provider, collector, _) = setup(0.0, &keep_errors());
    let tracer = provider.tracer("test");
    let root = tracer.start("request");
    let cx = Context::new().with_span(root);
    let mut late = tracer.start_with_context("background", &cx);
    let mut failed = tracer.start_with_context("failed", &cx);
    failed.set_status(Status::error("boom"));
    failed.end();
    cx.span().end();
    late.end();
    let names: Vec<_> = collector.take().iter().map(|s| s.name.to_string()).collect();
    assert_eq!(names, ["failed", "request", "background"]);
}

#[test]
fn a_remote_parent_makes_a_local_root() {
    let (provider, collector, _) = setup(0.0, &keep_errors());
    let tracer = provider.tracer("test");
    let remote = SpanContext::new(
        opentelemetry::trace::TraceId::from(7_u128),
        opentelemetry::trace::SpanId::from(9_u64),
        TraceFlags::default(),
        true,
        TraceState::from_key_value([("dd", "s:0")]).unwrap(),
    );
    let parent = Context::new().with_remote_span_context(remote);
    let mut server = tracer.start_with_context("server", &parent);
    server.set_status(Status::error("boom"));
    server.end();
    let spans = collector.take();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].parent_span_id, opentelemetry::trace::SpanId::from(9_u64));
    assert_eq!(spans[0].span_context.trace_state().get("dd"), Some("s:2;t.dm:-4"));
}

#[test]
fn held_spans_are_bounded_counted_and_dropped_at_shutdown() {
    let (provider, collector, tail) = setup(0.0, &keep_errors());
    let tracer = provider.tracer("test");
    let root = tracer.start("request");
    let cx = Context::new().with_span(root);
    let mut failed = tracer.start_with_context("failed", &cx);
    failed.set_status(Status::error("boom"));
    failed.end();
    for _ in 0..MAX_SPANS_PER_TRACE + 5 {
        tracer.start_with_context("child", &cx).end();
    }
    assert_eq!(tail.counts().over_bounds.load(Ordering::Relaxed), 6);
    // Another trace, never finished: dropped at shutdown.
    let open = Context::new().with_span(tracer.start("open"));
    tracer.start_with_context("child", &open).end();
    cx.span().end();
    // Kept: the spans held (the error first) and the root; not the 6 over the bound.
    assert_eq!(collector.take().len(), MAX_SPANS_PER_TRACE + 1);
    provider.shutdown().unwrap();
    assert_eq!(tail.counts().at_shutdown.load(Ordering::Relaxed), 1);
    drop(open);
}

/// A provider as Datadog's SDK builds it for native export: the spans of dropped traces
/// recorded, the span rules' processor first, then (here) a collector standing for Datadog's
/// span processor, which sees what the spans carry when they end.
fn setup_native(rate: f64, rules: Vec<SpanSamplingRule>) -> (SdkTracerProvider, Collector) {
    let collector = Collector::default();
    let keep = KeepSettings { span_rules: rules, ..KeepSettings::default() };
    let at_start = TailProcessor::native_span_rules(&keep, "shop").expect("rules");
    let sampler = DatadogSampler::new("shop", Vec::new(), Some(rate), 1000.0).record_dropped();
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_span_processor(at_start)
        .with_span_processor(collector.clone())
        .build();
    (provider, collector)
}

fn span_sampling_tags(span: &SpanData) -> Vec<(String, Value)> {
    span.attributes
        .iter()
        .filter(|kv| kv.key.as_str().starts_with("_dd.span_sampling."))
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

#[test]
fn natively_span_rules_tag_the_matching_spans_of_dropped_traces_as_they_start() {
    let (provider, collector) = setup_native(
        0.0,
        vec![
            SpanSamplingRule::new(0.0).name("step0"),
            SpanSamplingRule::new(1.0).service("sho?").name("STEP*").max_per_second(1000.0),
        ],
    );
    trace(&provider, 5, 3, None);
    let spans = collector.take();
    let tagged: Vec<_> = spans.iter().map(|s| (s.name.as_ref(), span_sampling_tags(s))).collect();
    let tags = vec![
        ("_dd.span_sampling.mechanism".to_owned(), Value::I64(8)),
        ("_dd.span_sampling.rule_rate".to_owned(), Value::F64(1.0)),
        ("_dd.span_sampling.max_per_second".to_owned(), Value::F64(1000.0)),
    ];
    // Every span goes on (Datadog's SDK counts them all in its stats); step0 matches the first
    // rule, which keeps none, and the root no rule.
    assert_eq!(tagged, [("step0", vec![]), ("step1", tags.clone()), ("step2", tags), ("request", vec![])]);
    for span in &spans {
        // The head decision stays: Datadog's SDK sets the chunk's priority itself.
        assert!(!span.span_context.is_sampled(), "{}", span.name);
    }
    assert_eq!(attr(&spans[1], "sampling.priority"), None, "children carry no priority of their own");
}

#[test]
fn natively_span_rules_leave_kept_traces_alone_and_respect_max_per_second() {
    let (provider, collector) = setup_native(1.0, vec![SpanSamplingRule::new(1.0)]);
    trace(&provider, 5, 2, None);
    assert!(collector.take().iter().all(|span| span_sampling_tags(span).is_empty()), "the trace is kept whole");

    let (provider, collector) = setup_native(0.0, vec![SpanSamplingRule::new(1.0).max_per_second(3.0)]);
    for _ in 0..10 {
        trace(&provider, 1, 1, None);
    }
    let spans = collector.take();
    assert_eq!(spans.len(), 20);
    assert_eq!(spans.iter().filter(|span| !span_sampling_tags(span).is_empty()).count(), 3);
}

#[test]
fn natively_a_rule_rate_keeps_the_span_ids_the_otlp_path_keeps() {
    let rules = vec![SpanSamplingRule::new(0.5).name("step*")];
    let (provider, collector) = setup_native(0.0, rules.clone());
    for _ in 0..50 {
        trace(&provider, 1, 4, None);
    }
    let spans = collector.take();
    let kept: Vec<_> = spans.iter().filter(|span| !span_sampling_tags(span).is_empty()).collect();
    // The same Knuth hash of the span id as the tracers' span sampling and the OTLP path.
    let expected: Vec<_> = spans
        .iter()
        .filter(|span| span.name.starts_with("step"))
        .filter(|span| {
            crate::trace::sampling::sampler::keeps_id(0.5, u64::from_be_bytes(span.span_context.span_id().to_bytes()))
        })
        .collect();
    assert_eq!(kept, expected);
    assert!((50..150).contains(&kept.len()), "about half of 200: {}", kept.len());
}
