//! Acceptance: traces and metrics sent over OTLP (HTTP/protobuf and gRPC) to Datadog's own test
//! agent arrive with the right names, kinds, attributes and resource attributes. Skipped, saying
//! why, when the test agent is not running (see `scripts/test-agent`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use dd_instrument::{dd_slo, dd_span, dd_timed};
use dd_instrument_tests::agent::{TestAgent, otlp_attributes as attributes, test_agent};
use serde_json::Value;
use tracing_subscriber::prelude::*;

/// One metrics pipeline at a time in this binary.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[derive(Debug)]
struct Declined;

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("card declined")
    }
}

impl std::error::Error for Declined {}

#[dd_span(kind = "server", resource = "POST /checkout")]
#[dd_slo(name = "acceptance-checkout", target = 99.5, latency_ms = 10_000)]
fn checkout(fail: bool) -> Result<(), Declined> {
    charge(fail)
}

#[dd_span(kind = "client", peer = "payment-service", resource = "POST /charge", span_type = "http")]
#[dd_timed(tags(method = "card"))]
fn charge(fail: bool) -> Result<(), Declined> {
    if fail { Err(Declined) } else { Ok(()) }
}

fn export(agent: &TestAgent, endpoint: &str, protocol: &str, token: &str) {
    agent.start_session(token);
    let env: HashMap<String, String> = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_EXPORTER_OTLP_HEADERS", &format!("x-datadog-test-session-token={token}")),
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_METRICS_EXPORTER", "otlp"),
        ("DD_SERVICE", "acceptance-otlp"),
        ("DD_ENV", "test"),
        ("DD_VERSION", "1.2.3"),
        ("DD_TAGS", "team:payments"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let guard = dd_instrument::builder().env_source(env).build().expect("telemetry builds");
    tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), || {
        checkout(false).unwrap();
        checkout(true).unwrap_err();
    });
    drop(guard);
}

fn expected(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn check(agent: &TestAgent, token: &str) {
    let traces = agent.otlp_traces(token);
    let resource_spans: Vec<&Value> =
        traces.iter().flat_map(|request| request["resource_spans"].as_array().into_iter().flatten()).collect();
    let resource = expected(&[
        ("service.name", "acceptance-otlp"),
        ("deployment.environment.name", "test"),
        ("deployment.environment", "test"),
        ("service.version", "1.2.3"),
        ("team", "payments"),
        ("telemetry.sdk.language", "rust"),
        ("telemetry.sdk.name", "dd-instrument"),
        ("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
    ]);
    let mut spans = Vec::new();
    for rs in &resource_spans {
        assert_eq!(attributes(&rs["resource"]["attributes"]), resource);
        for scope in rs["scope_spans"].as_array().into_iter().flatten() {
            assert_eq!(scope["scope"]["name"], "dd-instrument");
            spans.extend(scope["spans"].as_array().into_iter().flatten());
        }
    }
    assert_eq!(spans.len(), 4, "two calls, a server and a client span each");
    let servers: Vec<&&Value> = spans.iter().filter(|s| s["kind"] == "SPAN_KIND_SERVER").collect();
    let clients: Vec<&&Value> = spans.iter().filter(|s| s["kind"] == "SPAN_KIND_CLIENT").collect();
    assert_eq!((servers.len(), clients.len()), (2, 2));
    for server in &servers {
        assert_eq!(server["name"], "acceptance_otlp.checkout");
        assert!(server.get("parent_span_id").is_none_or(|p| p == "" || p.is_null()), "roots: {server}");
        let attrs = attributes(&server["attributes"]);
        assert_eq!(attrs["operation.name"], "acceptance_otlp.checkout");
        assert_eq!(attrs["resource.name"], "POST /checkout");
        assert_eq!(attrs["code.function.name"], "acceptance_otlp::checkout");
    }
    for client in &clients {
        assert_eq!(client["name"], "acceptance_otlp.charge");
        let parent = servers.iter().find(|s| s["span_id"] == client["parent_span_id"]).expect("a server parent");
        assert_eq!(parent["trace_id"], client["trace_id"]);
        let attrs = attributes(&client["attributes"]);
        assert_eq!(
            (attrs["resource.name"].as_str(), attrs["peer.service"].as_str(), attrs["span.type"].as_str()),
            ("POST /charge", "payment-service", "http")
        );
    }
    let failed: Vec<&&Value> = spans.iter().filter(|s| s["status"]["code"] == "STATUS_CODE_ERROR").collect();
    assert_eq!(failed.len(), 2, "the failed call's server and client spans");
    for span in failed {
        assert_eq!(span["status"]["message"], "card declined");
        let attrs = attributes(&span["attributes"]);
        assert_eq!(
            (attrs["error.type"].as_str(), attrs["error.message"].as_str()),
            ("acceptance_otlp::Declined", "card declined")
        );
    }

    let metrics = agent.otlp_metrics(token);
    let all: Vec<&Value> = metrics
        .iter()
        .flat_map(|request| request["resource_metrics"].as_array().into_iter().flatten())
        .inspect(|rm| assert_eq!(attributes(&rm["resource"]["attributes"]), resource))
        .flat_map(|rm| rm["scope_metrics"].as_array().into_iter().flatten())
        .flat_map(|sm| sm["metrics"].as_array().into_iter().flatten())
        .collect();
    let timer = all.iter().find(|m| m["name"] == "acceptance_otlp.charge.duration").expect("the latency histogram");
    assert_eq!(timer["unit"], "ms");
    assert_eq!(timer["histogram"]["aggregation_temporality"], "AGGREGATION_TEMPORALITY_DELTA");
    let mut points: Vec<(BTreeMap<String, String>, String)> = timer["histogram"]["data_points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (attributes(&p["attributes"]), p["count"].as_str().unwrap_or_default().to_owned()))
        .collect();
    points.sort();
    assert_eq!(
        points,
        [
            (expected(&[("method", "card"), ("outcome", "error")]), "1".to_owned()),
            (expected(&[("method", "card"), ("outcome", "ok")]), "1".to_owned()),
        ]
    );
    for (name, count) in [("slo.requests.total", "2"), ("slo.requests.success", "1"), ("slo.requests.fast", "1")] {
        let metric = all.iter().find(|m| m["name"] == name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(metric["sum"]["aggregation_temporality"], "AGGREGATION_TEMPORALITY_DELTA");
        assert_eq!(metric["sum"]["is_monotonic"], true);
        let points = metric["sum"]["data_points"].as_array().unwrap();
        assert_eq!(points.len(), 1, "{metric}");
        assert_eq!(points[0]["as_int"], count, "{name}");
        assert_eq!(attributes(&points[0]["attributes"]), expected(&[("slo", "acceptance-checkout")]));
    }
}

#[test]
fn otlp_http_traces_and_metrics_reach_the_test_agent() {
    let Some(agent) = test_agent("otlp_http_traces_and_metrics_reach_the_test_agent") else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    export(&agent, &agent.otlp_http.clone(), "http/protobuf", "otlp-http");
    check(&agent, "otlp-http");
}

#[test]
fn otlp_grpc_traces_and_metrics_reach_the_test_agent() {
    let Some(agent) = test_agent("otlp_grpc_traces_and_metrics_reach_the_test_agent") else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    export(&agent, &agent.otlp_grpc.clone(), "grpc", "otlp-grpc");
    check(&agent, "otlp-grpc");
}
