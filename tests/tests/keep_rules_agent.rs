//! Keep errors, keep slow traces and span sampling rules at Datadog's test agent, on both export
//! paths: the head decision drops every trace (`DD_TRACE_SAMPLE_RATE=0`), 1000 requests of which
//! 7 fail and 5 are slow, and what reaches the agent is checked span by span.
//!
//! - OTLP: the 12 local traces arrive whole, user-kept (priority 2, decision maker `-4`), the
//!   root saying why; span sampling rules send exactly the matching spans, tagged.
//! - Native (Datadog's SDK): span sampling rules work the same. Keep-errors and keep-slow cannot
//!   (the SDK fixes a trace's priority when its root starts, see `runtime/src/trace/datadog.rs`):
//!   the error traces arrive at the head decision's priority, for the Agent's error sampler, the
//!   slow ones do not arrive, and client-side stats count all 1000 requests; a `WARN` at start
//!   says so for those two settings only.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use dd_instrument::{Guard, dd_span};
use dd_instrument_tests::agent::{TestAgent, otlp_attributes, test_agent};
use dd_instrument_tests::events;
use serde_json::Value;
use tracing_subscriber::prelude::*;

/// The global propagator is installed per guard: the tests of this file take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const REQUESTS: u32 = 1000;
/// Orders 0, 143, ..., 858 fail: 7 of the 1000.
const FAILING_EVERY: u32 = 143;
/// Orders 1 to 5 are slow: they last 60 ms, over the 50 ms threshold.
const SLOW: std::ops::RangeInclusive<u32> = 1..=5;

#[dd_span(kind = "client", peer = "payments")]
fn charge(order: u32) -> Result<(), std::fmt::Error> {
    if order.is_multiple_of(FAILING_EVERY) { Err(std::fmt::Error) } else { Ok(()) }
}

#[dd_span(kind = "server", resource = "POST /checkout")]
fn checkout(order: u32) {
    if SLOW.contains(&order) {
        std::thread::sleep(Duration::from_millis(60));
    }
    // The handler recovers: only the client span is an error.
    let _ = charge(order);
}

#[dd_span(resource = "warm-up", tags(round = round))]
fn warm_up(round: u32) {}

fn requests(orders: impl Iterator<Item = u32>) {
    for order in orders {
        checkout(order);
    }
}

fn guard(env: &[(&str, &str)]) -> Guard {
    let env: HashMap<String, String> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    dd_instrument::builder().env_source(env).build().expect("telemetry builds")
}

fn with_layer(guard: &Guard, run: impl FnOnce()) {
    tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), run);
}

/// The keep rules of these tests: errors, and local roots of 50 ms or more.
const KEEP: [(&str, &str); 2] = [("DD_INSTRUMENT_KEEP_ERRORS", "true"), ("DD_INSTRUMENT_KEEP_SLOW_MS", "50")];

fn otlp_env<'a>(agent: &'a TestAgent, token: &'a str, service: &'a str) -> Vec<(&'a str, String)> {
    vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", agent.otlp_http.clone()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf".to_owned()),
        ("OTEL_EXPORTER_OTLP_HEADERS", format!("x-datadog-test-session-token={token}")),
        ("OTEL_TRACES_EXPORTER", "otlp".to_owned()),
        ("OTEL_METRICS_EXPORTER", "none".to_owned()),
        ("DD_SERVICE", service.to_owned()),
        ("DD_TRACE_SAMPLE_RATE", "0".to_owned()),
    ]
}

/// Runs the 1000 requests over OTLP with `extra` settings; returns the spans the agent got.
fn run_otlp(agent: &TestAgent, token: &str, extra: &[(&str, &str)]) -> Vec<Value> {
    agent.start_session(token);
    let env = otlp_env(agent, token, "keep-rules-otlp");
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend_from_slice(extra);
    let guard = guard(&env);
    with_layer(&guard, || requests(0..REQUESTS));
    assert!(guard.flush(), "export completes");
    drop(guard);
    agent.otlp_spans(token)
}

/// Spans grouped by `key` (their trace id).
fn by_trace<'a>(spans: &'a [Value], key: &str) -> BTreeMap<String, Vec<&'a Value>> {
    let mut traces: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for span in spans {
        traces.entry(span[key].to_string()).or_default().push(span);
    }
    traces
}

#[test]
fn otlp_exports_exactly_the_error_and_slow_traces_whole_and_user_kept() {
    let Some(agent) = test_agent("otlp_exports_exactly_the_error_and_slow_traces_whole_and_user_kept") else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let spans = run_otlp(&agent, "keep-rules-otlp", &KEEP);
    let traces = by_trace(&spans, "trace_id");
    assert_eq!(traces.len(), 12, "7 error traces and 5 slow ones, nothing else: {spans:#?}");
    let mut reasons = BTreeMap::new();
    for spans in traces.values() {
        assert_eq!(spans.len(), 2, "whole local traces, server and client span: {spans:#?}");
        let root = spans.iter().find(|s| s["kind"] == "SPAN_KIND_SERVER").expect("the local root");
        let child = spans.iter().find(|s| s["kind"] == "SPAN_KIND_CLIENT").expect("the client span");
        assert_eq!(child["parent_span_id"], root["span_id"]);
        for span in spans {
            let attrs = otlp_attributes(&span["attributes"]);
            assert_eq!(attrs["sampling.priority"], "2", "user keep: {span:#}");
            assert_eq!(span["trace_state"], "dd=s:2;t.dm:-4", "decision maker -4, manual: {span:#}");
        }
        let reason = otlp_attributes(&root["attributes"])["dd_instrument.keep"].clone();
        let failed = child["status"]["code"] == "STATUS_CODE_ERROR";
        assert_eq!(failed, reason == "error", "{spans:#?}");
        *reasons.entry(reason).or_insert(0) += 1;
        assert!(!otlp_attributes(&child["attributes"]).contains_key("dd_instrument.keep"));
    }
    assert_eq!(reasons, BTreeMap::from([("error".to_owned(), 7), ("slow".to_owned(), 5)]));
}

/// Span sampling rules of these tests: every client span of `service`, at most 1000 a second.
fn span_rules(service: &str) -> String {
    format!(r#"[{{"service": "{service}", "name": "*.charge", "max_per_second": 1000}}]"#)
}

#[test]
fn otlp_span_sampling_rules_send_exactly_the_matching_spans() {
    let Some(agent) = test_agent("otlp_span_sampling_rules_send_exactly_the_matching_spans") else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let rules = span_rules("keep-rules-otlp");
    let spans = run_otlp(&agent, "keep-rules-otlp-span-rules", &[("DD_SPAN_SAMPLING_RULES", &rules)]);
    assert_eq!(spans.len(), REQUESTS as usize, "the 1000 client spans, no server span");
    assert_eq!(by_trace(&spans, "trace_id").len(), REQUESTS as usize);
    for span in &spans {
        assert_eq!(span["name"], "keep_rules_agent.charge");
        let attrs = otlp_attributes(&span["attributes"]);
        assert_eq!(attrs["_dd.span_sampling.mechanism"], "8", "{span:#}");
        assert_eq!(attrs["_dd.span_sampling.rule_rate"], "1.0", "{span:#}");
        assert_eq!(attrs["_dd.span_sampling.max_per_second"], "1000.0", "{span:#}");
        assert_eq!(attrs["sampling.priority"], "-1", "the head decision stays: {span:#}");
    }
}

/// A native guard for `service` whose SDK computes client-side stats: it does once it has read
/// the Agent's `/info`, and until then sends every trace. Waits for that (as
/// `trace_metrics_native` does), so the dropped traces stay in the process from here on.
fn native_guard(agent: &TestAgent, service: &str, extra: &[(&str, &str)]) -> Guard {
    agent.start_session("");
    let mut env = vec![
        ("DD_TRACE_AGENT_URL", agent.url.as_str()),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("DD_SERVICE", service),
        ("DD_ENV", "test"),
        ("DD_TRACE_SAMPLE_RATE", "0"),
    ];
    env.extend_from_slice(extra);
    let guard = guard(&env);
    let deadline = Instant::now() + Duration::from_secs(20);
    for round in 0.. {
        with_layer(&guard, || warm_up(round));
        assert!(guard.flush(), "flushed");
        let arrived = agent.native_traces().into_iter().flatten().any(|span| {
            span["service"] == service && span["meta"]["round"].as_str() == Some(round.to_string().as_str())
        });
        if !arrived {
            return guard;
        }
        assert!(Instant::now() < deadline, "Datadog's SDK never started computing stats");
        std::thread::sleep(Duration::from_millis(100));
    }
    unreachable!("the loop returns or fails")
}

/// The client-side stats aggregates of `service` whose `field` (`Name`, `Resource`) is `value`,
/// once their hits reach `hits`.
fn wait_stats(agent: &TestAgent, service: &str, (field, value): (&str, &str), hits: u64) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let all: Vec<Value> = agent
            .native_stats()
            .iter()
            .flat_map(|payload| payload["Stats"].as_array().cloned().unwrap_or_default())
            .flat_map(|bucket| bucket["Stats"].as_array().cloned().unwrap_or_default())
            .filter(|aggregate| aggregate["Service"] == service)
            .collect();
        let found: Vec<Value> = all.iter().filter(|aggregate| aggregate[field] == value).cloned().collect();
        if found.iter().map(|a| a["Hits"].as_u64().unwrap_or(0)).sum::<u64>() >= hits {
            return found;
        }
        assert!(Instant::now() < deadline, "no stats with {hits} hits for {field} {value} in time: {all:#?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn total(aggregates: &[Value], field: &str) -> u64 {
    aggregates.iter().map(|a| a[field].as_u64().unwrap_or(0)).sum()
}

#[test]
fn natively_error_traces_reach_the_agent_at_the_head_priority_and_slow_ones_do_not() {
    let Some(agent) = test_agent("natively_error_traces_reach_the_agent_at_the_head_priority_and_slow_ones_do_not")
    else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let service = format!("keep-rules-native-{}", std::process::id());
    let guard = native_guard(&agent, &service, &KEEP);
    with_layer(&guard, || requests(0..REQUESTS));
    assert!(guard.flush(), "export completes");
    drop(guard);

    // Client-side stats count every request, kept or not.
    let server = wait_stats(&agent, &service, ("Resource", "POST /checkout"), u64::from(REQUESTS));
    assert_eq!((total(&server, "Hits"), total(&server, "Errors")), (1000, 0), "{server:#?}");
    let client = wait_stats(&agent, &service, ("Name", "keep_rules_agent.charge"), u64::from(REQUESTS));
    assert_eq!((total(&client, "Hits"), total(&client, "Errors")), (1000, 7), "{client:#?}");

    let spans = agent.wait_native_spans(&service, |spans| spans.iter().filter(|s| s["error"] == 1).count() >= 7);
    let spans: Vec<Value> = spans.into_iter().filter(|span| span["resource"] != "warm-up").collect();
    let traces = by_trace(&spans, "trace_id");
    // Datadog's SDK sends the dropped chunks with an error whole, for the Agent's error sampler;
    // the slow traces, error-free, stay in the process: keep-slow cannot apply natively.
    assert_eq!(traces.len(), 7, "the 7 error traces, not the 5 slow ones: {spans:#?}");
    for spans in traces.values() {
        assert_eq!(spans.len(), 2, "whole: {spans:#?}");
        assert_eq!(spans.iter().filter(|s| s["error"] == 1).count(), 1, "{spans:#?}");
        for span in spans {
            // The head decision's priority, as Datadog's SDK registered it at the root: user
            // reject by the sample rate (a rule, decision maker -3), not a keep.
            assert_eq!(span["metrics"]["_sampling_priority_v1"], -1.0, "{span:#}");
            assert_eq!(span["meta"]["_dd.p.dm"], "-3", "{span:#}");
            assert!(span["meta"].get("dd_instrument.keep").is_none(), "{span:#}");
        }
    }
}

#[test]
fn natively_span_sampling_rules_send_exactly_the_matching_spans_and_stats_count_all() {
    let Some(agent) = test_agent("natively_span_sampling_rules_send_exactly_the_matching_spans_and_stats_count_all")
    else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let service = format!("span-rules-native-{}", std::process::id());
    let rules = span_rules(&service);
    let guard = native_guard(&agent, &service, &[("DD_SPAN_SAMPLING_RULES", &rules)]);
    // No failing order (143 is the first), none slow.
    with_layer(&guard, || requests(6..FAILING_EVERY));
    assert!(guard.flush(), "export completes");
    drop(guard);
    let expected = (6..FAILING_EVERY).len();

    let spans = agent.wait_native_spans(&service, |spans| spans.len() >= expected);
    let spans: Vec<Value> = spans.into_iter().filter(|span| span["resource"] != "warm-up").collect();
    assert_eq!(spans.len(), expected, "the client spans, alone: {spans:#?}");
    assert_eq!(by_trace(&spans, "trace_id").len(), expected);
    for span in &spans {
        assert_eq!(span["name"], "keep_rules_agent.charge", "{span:#}");
        assert_eq!(span["metrics"]["_dd.span_sampling.mechanism"], 8.0, "{span:#}");
        assert_eq!(span["metrics"]["_dd.span_sampling.rule_rate"], 1.0, "{span:#}");
        assert_eq!(span["metrics"]["_dd.span_sampling.max_per_second"], 1000.0, "{span:#}");
        // The chunk stays dropped: the Agent ingests the span on its own.
        assert_eq!(span["metrics"]["_sampling_priority_v1"], -1.0, "{span:#}");
    }
    let server = wait_stats(&agent, &service, ("Resource", "POST /checkout"), expected as u64);
    assert_eq!(total(&server, "Hits"), expected as u64, "{server:#?}");
}

#[test]
fn natively_only_keep_errors_and_keep_slow_warn_at_start() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let warnings = |extra: &[(&str, &str)]| {
        // No agent needed: nothing is sent.
        let mut env = vec![
            ("DD_TRACE_AGENT_URL", "http://127.0.0.1:9"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("DD_SERVICE", "keep-rules-warnings"),
        ];
        env.extend_from_slice(extra);
        let (guard, events) = events::record(|| guard(&env));
        drop(guard);
        events
            .into_iter()
            .filter(|event| event.target == "dd_instrument" && event.level == tracing::Level::WARN)
            .map(|event| event.message)
            .collect::<Vec<_>>()
    };
    assert_eq!(warnings(&[("DD_SPAN_SAMPLING_RULES", r#"[{"name": "*.charge"}]"#)]), Vec::<String>::new());
    let warned = warnings(&[KEEP[0]]);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].starts_with("keep-errors and keep-slow apply to OTLP and console export only"), "{warned:?}");
    assert_eq!(warnings(&[KEEP[1]]), warned);
}
