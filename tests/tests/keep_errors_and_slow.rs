//! Keep errors, keep slow traces, sample the rest: what reaches a real OTLP receiver when the head
//! decision drops every trace and the decisions at the end of each local trace keep some.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use dd_instrument::dd_span;
use dd_instrument_tests::otlp::{self, Receiver, attributes};
use opentelemetry_proto::tonic::trace::v1::Span;
use tracing_subscriber::prelude::*;

/// The global propagator is installed per guard: the tests of this file take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[derive(Debug)]
struct Declined;

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("card declined")
    }
}

impl std::error::Error for Declined {}

#[dd_span(kind = "client", peer = "payments")]
fn charge(order: u32) -> Result<(), Declined> {
    if order.is_multiple_of(43) { Err(Declined) } else { Ok(()) }
}

#[dd_span(kind = "server", resource = "POST /checkout")]
fn checkout(order: u32, slow: bool) {
    if slow {
        std::thread::sleep(Duration::from_millis(600));
    }
    // The handler recovers: only the child span is an error.
    let _ = charge(order);
}

fn run(receiver: &Receiver, extra: &[(&str, &str)], requests: impl FnOnce()) -> Vec<Span> {
    let mut env: HashMap<String, String> = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("DD_SERVICE", "shop"),
        ("DD_TRACE_SAMPLE_RATE", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let guard = dd_instrument::builder().env_source(env).build().expect("telemetry builds");
    tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), requests);
    assert!(guard.flush(), "export completes");
    drop(guard);
    receiver
        .received
        .traces
        .lock()
        .unwrap()
        .iter()
        .flat_map(|r| &r.resource_spans)
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| ss.spans.clone())
        .collect()
}

/// Spans grouped by trace id.
fn traces(spans: &[Span]) -> BTreeMap<Vec<u8>, Vec<&Span>> {
    let mut traces: BTreeMap<Vec<u8>, Vec<&Span>> = BTreeMap::new();
    for span in spans {
        traces.entry(span.trace_id.clone()).or_default().push(span);
    }
    traces
}

#[test]
fn errors_and_slow_requests_are_kept_whole_and_the_rest_is_dropped() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let receiver = otlp::http();
    let spans = run(&receiver, &[("DD_INSTRUMENT_KEEP_ERRORS", "true"), ("DD_INSTRUMENT_KEEP_SLOW_MS", "500")], || {
        // 301 requests: orders 0, 43, ..., 258 fail (7), orders 1, 2, 3 are slow (3).
        for order in 0..301 {
            checkout(order, (1..=3).contains(&order));
        }
    });
    let traces = traces(&spans);
    assert_eq!(traces.len(), 10, "7 error traces and 3 slow ones, nothing else");
    let mut reasons = BTreeMap::new();
    for spans in traces.values() {
        assert_eq!(spans.len(), 2, "whole local traces: server and client span");
        let root = spans.iter().find(|s| s.parent_span_id.is_empty()).expect("the local root");
        let child = spans.iter().find(|s| !s.parent_span_id.is_empty()).expect("the child");
        assert_eq!(child.parent_span_id, root.span_id);
        for span in spans {
            let attrs = attributes(&span.attributes);
            assert_eq!(attrs["sampling.priority"], "2", "{}", span.name);
            assert_eq!(span.trace_state, "dd=s:2;t.dm:-4", "{}", span.name);
            assert_eq!(span.flags & 0xff, 1, "sampled flag");
        }
        let reason = attributes(&root.attributes)["dd_instrument.keep"].clone();
        *reasons.entry(reason).or_insert(0) += 1;
        assert!(!attributes(&child.attributes).contains_key("dd_instrument.keep"));
    }
    assert_eq!(reasons, BTreeMap::from([("error".to_owned(), 7), ("slow".to_owned(), 3)]));
}

#[test]
fn without_keep_rules_a_dropped_trace_sends_nothing() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let receiver = otlp::http();
    let spans = run(&receiver, &[], || {
        for order in 0..50 {
            checkout(order, false);
        }
    });
    assert!(spans.is_empty(), "{spans:?}");
}

#[test]
fn span_sampling_rules_send_single_spans_of_dropped_traces() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let receiver = otlp::http();
    let spans = run(
        &receiver,
        &[("DD_SPAN_SAMPLING_RULES", r#"[{"service": "shop", "name": "*.charge", "max_per_second": 1000}]"#)],
        || {
            for order in 1..=20 {
                checkout(order, false);
            }
        },
    );
    assert_eq!(spans.len(), 20, "the 20 client spans, no server span");
    for span in &spans {
        assert_eq!(span.name, "keep_errors_and_slow.charge");
        let attrs = attributes(&span.attributes);
        assert_eq!(attrs["_dd.span_sampling.mechanism"], "8");
        assert_eq!(attrs["_dd.span_sampling.rule_rate"], "1");
        assert_eq!(attrs["_dd.span_sampling.max_per_second"], "1000");
        assert_eq!(attrs["sampling.priority"], "-1", "the head decision stays");
    }
}
