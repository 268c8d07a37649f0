//! What `init` says at start: one `INFO` line naming where traces and metrics go, with the
//! console hint when nothing names an Agent.

use std::collections::HashMap;
use std::sync::Mutex;

use dd_instrument_tests::events;
use tracing::Level;

/// One metrics pipeline at a time in this binary.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn startup_lines(vars: &[(&str, &str)]) -> Vec<String> {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let env: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let (guard, events) = events::record(|| {
        dd_instrument::builder().env_source(env).service("shop").console_output(std::io::sink()).build()
    });
    drop(guard.expect("telemetry builds"));
    events
        .into_iter()
        .filter(|event| event.target == "dd_instrument" && event.level <= Level::INFO)
        .map(|event| format!("{} {}", event.level, event.message))
        .collect()
}

#[test]
fn the_defaults_are_named_with_the_console_hint() {
    assert_eq!(
        startup_lines(&[("OTEL_TRACES_EXPORTER", "otlp")]),
        ["INFO dd-instrument: service `shop`; traces to OTLP/HTTP http://localhost:4318/v1/traces; metrics to \
             DogStatsD udp://localhost:8125 (no Agent is configured, so these are the local defaults; without an \
             Agent, OTEL_TRACES_EXPORTER=console and OTEL_METRICS_EXPORTER=console print telemetry instead)"]
    );
}

#[test]
fn a_configured_agent_is_named_without_a_hint() {
    assert_eq!(
        startup_lines(&[
            ("DD_AGENT_HOST", "10.1.2.3"),
            ("DD_ENV", "prod"),
            ("DD_VERSION", "1.4.2"),
            ("OTEL_TRACES_EXPORTER", "otlp"),
            ("OTEL_METRICS_EXPORTER", "otlp"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ]),
        ["INFO dd-instrument: service `shop`, env `prod`, version `1.4.2`; traces to OTLP/gRPC \
             http://10.1.2.3:4317; metrics to OTLP/gRPC http://10.1.2.3:4317"]
    );
    assert_eq!(
        startup_lines(&[("DD_DOGSTATSD_URL", "unix:///var/run/datadog/dsd.socket"), ("OTEL_TRACES_EXPORTER", "none")]),
        [
            "INFO dd-instrument: service `shop`; traces to nowhere; metrics to DogStatsD unix:///var/run/datadog/dsd.socket"
        ]
    );
}

#[test]
fn the_console_is_named() {
    assert_eq!(
        startup_lines(&[("OTEL_TRACES_EXPORTER", "console"), ("OTEL_METRICS_EXPORTER", "console")]),
        [
            "INFO dd-instrument: service `shop`; traces to the console (standard error); metrics to the console (standard error)"
        ]
    );
}
