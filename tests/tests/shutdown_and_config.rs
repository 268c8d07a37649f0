//! Dropping the guard is bounded even when the Agent never answers; bad configuration is an
//! `InitError` naming the variable and the value.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dd_instrument::{InitError, dd_slo, dd_span};
use tracing_subscriber::prelude::*;

/// One metrics pipeline at a time in this binary.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[dd_span]
#[dd_slo(name = "shutdown", target = 99.0)]
fn work() -> u8 {
    1
}

/// A TCP server that accepts connections and never answers: requests hang until they time out.
fn black_hole() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    (listener, endpoint)
}

fn drop_is_bounded(protocol: &str) {
    drop_takes_at_most(protocol, Duration::from_millis(500), Duration::from_secs(1));
}

fn drop_takes_at_most(protocol: &str, timeout: Duration, bound: Duration) {
    let (_listener, endpoint) = black_hole();
    let guard = dd_instrument::builder()
        .env_source(env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_METRICS_EXPORTER", "otlp"),
        ]))
        .shutdown_timeout(timeout)
        .build()
        .expect("telemetry builds");
    tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), || {
        for _ in 0..10 {
            work();
        }
    });
    let started = Instant::now();
    drop(guard);
    let took = started.elapsed();
    // One deadline for spans and metrics, both black-holed: the bound is the shutdown timeout;
    // twice it only absorbs a loaded machine (spans alone used to take all of it, then metrics
    // at least 200 ms more).
    assert!(took < bound, "dropping the guard took {took:?} with a {timeout:?} shutdown timeout");
}

#[test]
fn spans_and_metrics_share_one_deadline() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Spans used to get the whole timeout and metrics at least 200 ms more: 300 ms at least.
    drop_takes_at_most("http/protobuf", Duration::from_millis(100), Duration::from_millis(280));
}

#[test]
fn drop_is_bounded_when_the_http_collector_never_answers() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    drop_is_bounded("http/protobuf");
}

#[test]
fn drop_is_bounded_when_the_grpc_collector_never_answers() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    drop_is_bounded("grpc");
}

#[test]
fn works_inside_an_async_runtime_and_drops_there() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let (_listener, endpoint) = black_hole();
        let guard = dd_instrument::builder()
            .env_source(env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]))
            .metrics_exporter(dd_instrument::MetricsExporter::Otlp)
            .shutdown_timeout(Duration::from_millis(300))
            .build()
            .expect("telemetry builds inside a runtime");
        work();
        // Dropping inside the application's async context must neither panic nor deadlock.
        drop(guard);
    });
}

#[test]
fn a_second_metrics_pipeline_is_refused_while_one_runs() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let first = dd_instrument::builder()
        .env_source(env(&[]))
        .metrics_exporter(dd_instrument::MetricsExporter::Console)
        .console_output(std::io::sink())
        .traces_exporter(dd_instrument::TracesExporter::None)
        .build()
        .expect("first");
    let second = dd_instrument::builder()
        .env_source(env(&[]))
        .metrics_exporter(dd_instrument::MetricsExporter::DogStatsd)
        .traces_exporter(dd_instrument::TracesExporter::None)
        .build();
    assert!(matches!(second, Err(InitError::AlreadyRunning)), "{second:?}");
    drop(first);
    let third = dd_instrument::builder()
        .env_source(env(&[]))
        .metrics_exporter(dd_instrument::MetricsExporter::DogStatsd)
        .traces_exporter(dd_instrument::TracesExporter::None)
        .build();
    assert!(third.is_ok(), "a new pipeline starts once the first is dropped");
}

#[test]
fn bad_environment_values_are_init_errors_naming_variable_and_value() {
    let cases: [(&str, &str, &str); 5] = [
        (
            "DD_TRACE_SAMPLE_RATE",
            "lots",
            r#"invalid value "lots" for DD_TRACE_SAMPLE_RATE: expected a number from 0.0 to 1.0"#,
        ),
        (
            "DD_DOGSTATSD_URL",
            "tcp://agent:8125",
            r#"invalid value "tcp://agent:8125" for DD_DOGSTATSD_URL: expected `udp://host:port`, `unix:///path` or `unixstream:///path`"#,
        ),
        (
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            "http/json",
            r#"invalid value "http/json" for OTEL_EXPORTER_OTLP_PROTOCOL: http/json is not supported; use `grpc` or `http/protobuf`"#,
        ),
        (
            "OTEL_METRICS_EXPORTER",
            "prometheus",
            r#"invalid value "prometheus" for OTEL_METRICS_EXPORTER: expected `dogstatsd`, `otlp`, `console` or `none`"#,
        ),
        (
            "DD_TRACE_ENABLED",
            "sometimes",
            r#"invalid value "sometimes" for DD_TRACE_ENABLED: expected `true` or `false`"#,
        ),
    ];
    for (variable, value, message) in cases {
        let error = dd_instrument::builder().env_source(env(&[(variable, value)])).build().expect_err(variable);
        assert_eq!(error.to_string(), message);
        assert!(matches!(error, InitError::InvalidEnv { variable: v, .. } if v == variable));
    }
    let error = dd_instrument::builder().env_source(env(&[])).sample_rate(2.0).build().expect_err("rate");
    assert_eq!(error.to_string(), r#"invalid sample_rate "2": expected a number from 0.0 to 1.0"#);
}
