//! The OTLP exporter settings of the environment reach the wire on both protocols:
//! `OTEL_EXPORTER_OTLP_{TRACES,METRICS}_HEADERS` merged over `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_}COMPRESSION`, and `OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_}TIMEOUT`
//! (a receiver that never answers fails the export, counted, instead of holding it).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use dd_instrument::{Guard, dd_span, dd_timed};
use dd_instrument_tests::otlp::{self, Receiver};
use tracing_subscriber::prelude::*;

/// One metrics pipeline runs at a time: the tests of this file take turns.
fn turn() -> MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

#[dd_span]
#[dd_timed]
fn pay() -> u8 {
    3
}

fn build(vars: &[(&str, &str)]) -> Guard {
    let env: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    dd_instrument::builder()
        .env_source(env)
        .service("shop")
        .flush_interval(Duration::from_hours(1))
        .shutdown_timeout(Duration::from_secs(2))
        .build()
        .expect("telemetry builds")
}

/// Calls `pay` `times` times with `guard`'s layer.
fn run(guard: &Guard, times: usize) {
    tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), || {
        for _ in 0..times {
            pay();
        }
    });
}

/// Sends a span and a metric with gzip on traces only, general and per-signal headers, and
/// returns each request's headers, keyed by signal.
fn send_with_settings(receiver: &Receiver, protocol: &str) -> BTreeMap<&'static str, BTreeMap<String, String>> {
    let guard = build(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_METRICS_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "dd-api-key=general,x-team=payments"),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "DD-API-KEY=traces%20key,x-signal=traces"),
        ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-signal=metrics"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "none"),
        ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "5000"),
    ]);
    run(&guard, 1);
    assert!(guard.flush(), "export completes");
    drop(guard);
    receiver.wait_for(|r| !r.traces.lock().unwrap().is_empty() && !r.metrics.lock().unwrap().is_empty());

    let spans: Vec<String> = receiver
        .traces()
        .iter()
        .flat_map(|r| &r.resource_spans)
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| &ss.spans)
        .map(|span| span.name.clone())
        .collect();
    assert_eq!(spans, ["otlp_settings.pay"], "decoded after gzip");
    let metrics: Vec<String> = receiver
        .metrics()
        .iter()
        .flat_map(|r| &r.resource_metrics)
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .map(|metric| metric.name.clone())
        .collect();
    assert!(metrics.contains(&"otlp_settings.pay.duration".to_owned()), "{metrics:?}");

    let mut by_signal = BTreeMap::new();
    for (path, headers) in receiver.headers() {
        let signal = if path.contains("race") { "traces" } else { "metrics" };
        assert!(by_signal.insert(signal, headers).is_none(), "one request per signal: {path}");
    }
    by_signal
}

/// The headers of `headers` named in `names`, with their values.
fn only(headers: &BTreeMap<String, String>, names: &[&str]) -> BTreeMap<String, String> {
    headers.iter().filter(|(name, _)| names.contains(&name.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn pairs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn per_signal_headers_and_gzip_over_http() {
    let _turn = turn();
    let receiver = otlp::http();
    let headers = send_with_settings(&receiver, "http/protobuf");
    let names = ["dd-api-key", "x-team", "x-signal", "content-encoding", "content-type"];
    assert_eq!(
        only(&headers["traces"], &names),
        pairs(&[
            ("content-encoding", "gzip"),
            ("content-type", "application/x-protobuf"),
            ("dd-api-key", "traces key"),
            ("x-signal", "traces"),
            ("x-team", "payments"),
        ])
    );
    assert_eq!(
        only(&headers["metrics"], &names),
        pairs(&[
            ("content-type", "application/x-protobuf"),
            ("dd-api-key", "general"),
            ("x-signal", "metrics"),
            ("x-team", "payments"),
        ])
    );
}

#[test]
fn per_signal_headers_and_gzip_over_grpc() {
    let _turn = turn();
    let receiver = otlp::grpc();
    let headers = send_with_settings(&receiver, "grpc");
    let names = ["dd-api-key", "x-team", "x-signal", "grpc-encoding"];
    assert_eq!(
        only(&headers["traces"], &names),
        pairs(&[
            ("dd-api-key", "traces key"),
            ("grpc-encoding", "gzip"),
            ("x-signal", "traces"),
            ("x-team", "payments")
        ])
    );
    assert_eq!(
        only(&headers["metrics"], &names),
        pairs(&[("dd-api-key", "general"), ("x-signal", "metrics"), ("x-team", "payments")])
    );
}

/// Exports to a port that accepts connections (in the listen backlog) and never answers, with
/// per-signal timeouts of 200 ms.
fn never_answered(protocol: &str) {
    let _turn = turn();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    let guard = build(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_METRICS_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "200"),
        ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "200"),
    ]);
    run(&guard, 2);
    assert!(!guard.flush(), "nothing was delivered");
    let stats = guard.stats();
    assert_eq!((stats.spans.sent, stats.spans.dropped, stats.spans.failed), (0, 0, 2), "{stats:?}");
    assert_eq!((stats.metrics.sent, stats.metrics.dropped, stats.metrics.failed), (0, 0, 1), "{stats:?}");
    drop(guard);
    drop(listener);
}

#[test]
fn a_receiver_that_never_answers_fails_at_the_timeout_and_is_counted_over_http() {
    never_answered("http/protobuf");
}

#[test]
fn a_receiver_that_never_answers_fails_at_the_timeout_and_is_counted_over_grpc() {
    never_answered("grpc");
}
