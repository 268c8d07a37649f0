//! Programs written the way a reader of the README would write them, checked on what leaves the
//! process: two axum services in one process talking over real loopback sockets (spans at
//! Datadog's test agent, the trace headers the second service receives), the same at sample rate
//! 0, error spans of the function shapes the README lists, and DogStatsD datagrams on a real UDP
//! socket.

use std::collections::{BTreeMap, HashMap};
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::get;
use dd_instrument::{Guard, dd_slo, dd_span, dd_timed};
use dd_instrument_tests::agent::{TestAgent, otlp_attributes, test_agent};
use http::HeaderMap;
use serde_json::Value;
use tracing_subscriber::prelude::*;

/// Each scenario installs its own telemetry (the propagator and the metrics pipeline are
/// global): they take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn guard(env: &[(&str, &str)]) -> Guard {
    let env: HashMap<String, String> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    dd_instrument::builder().env_source(env).build().expect("telemetry builds")
}

// ---------------------------------------------------------------------------------------------
// Two services in one process: `shop` (GET /checkout/{order}) calls `inventory` (GET /stock/{sku}).

/// The headers each request to the inventory service arrived with.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<HeaderMap>>>);

#[dd_span]
async fn stock(Path(sku): Path<u64>, State(seen): State<Seen>, headers: HeaderMap) -> String {
    seen.0.lock().unwrap_or_else(PoisonError::into_inner).push(headers);
    format!("{}", sku % 7)
}

#[dd_span(kind = "client", peer = "inventory", resource = "GET /stock")]
async fn reserve(inventory: &str, sku: u64) -> Result<String, reqwest::Error> {
    let mut headers = HeaderMap::new();
    dd_instrument::propagation::inject_span(&tracing::Span::current(), &mut headers);
    let response = reqwest::Client::new().get(format!("{inventory}/stock/{sku}")).headers(headers).send().await?;
    response.error_for_status()?.text().await
}

#[dd_span]
async fn checkout(Path(order): Path<u64>, State(inventory): State<Arc<str>>) -> Result<String, String> {
    let left = reserve(&inventory, order * 10).await.map_err(|e| e.to_string())?;
    Ok(format!("order {order}: {left} left"))
}

async fn serve(app: axum::Router) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (address, server)
}

/// Runs both services under `guard`'s layer, sends `GET /checkout/{order}` to the shop, and
/// returns the answer and the headers the inventory service received.
/// With `direct`, then also `GET /stock/{direct}` to the inventory service, as a new trace.
fn two_services(guard: &Guard, order: u64, direct: Option<u64>) -> (String, Vec<HeaderMap>) {
    let seen = Seen::default();
    let inventory_app = axum::Router::new()
        .route("/stock/{sku}", get(stock))
        .route_layer(dd_instrument::http::server_layer())
        .with_state(seen.clone());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let answer = tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), || {
        runtime.block_on(async {
            let (inventory, inventory_server) = serve(inventory_app).await;
            let shop_app = axum::Router::new()
                .route("/checkout/{order}", get(checkout))
                .route_layer(dd_instrument::http::server_layer())
                .with_state(Arc::<str>::from(format!("http://{inventory}")));
            let (shop, shop_server) = serve(shop_app).await;
            let response =
                reqwest::Client::new().get(format!("http://{shop}/checkout/{order}")).send().await.expect("shop answers");
            let answer = response.text().await.expect("a body");
            if let Some(sku) = direct {
                let response = reqwest::Client::new().get(format!("http://{inventory}/stock/{sku}")).send().await;
                assert!(response.expect("inventory answers").status().is_success());
            }
            shop_server.abort();
            inventory_server.abort();
            answer
        })
    });
    let headers = std::mem::take(&mut *seen.0.lock().unwrap_or_else(PoisonError::into_inner));
    (answer, headers)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).map_or("", |value| value.to_str().expect("ASCII header"))
}

/// `x-datadog-tags` as its `key=value` members.
fn dd_tags(headers: &HeaderMap) -> BTreeMap<String, String> {
    header(headers, "x-datadog-tags")
        .split(',')
        .filter(|member| !member.is_empty())
        .map(|member| {
            let (key, value) = member.split_once('=').expect("key=value");
            (key.to_owned(), value.to_owned())
        })
        .collect()
}

fn native_span<'a>(spans: &'a [Value], name: &str, resource: &str) -> &'a Value {
    spans
        .iter()
        .find(|span| span["name"] == name && span["resource"] == resource)
        .unwrap_or_else(|| panic!("no span {name} {resource}: {spans:#?}"))
}

#[test]
fn two_axum_services_one_trace_at_the_test_agent() {
    let Some(agent) = test_agent("two_axum_services_one_trace_at_the_test_agent") else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    agent.start_session("");
    let service = "user-scenarios-native";
    let guard = guard(&[
        ("DD_TRACE_AGENT_URL", &agent.url),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("DD_SERVICE", service),
        ("DD_ENV", "test"),
        ("DD_VERSION", "1.0.0"),
    ]);
    let (answer, received) = two_services(&guard, 4, None);
    assert_eq!(answer, "order 4: 5 left");
    assert!(guard.flush(), "export completes");
    drop(guard);
    let spans = agent.wait_native_spans(service, |spans| spans.len() >= 5);
    assert_eq!(spans.len(), 5, "{spans:#?}");

    let shop = native_span(&spans, "http.server.request", "GET /checkout/{order}");
    let handler = native_span(&spans, "user_scenarios.checkout", "checkout");
    let client = native_span(&spans, "user_scenarios.reserve", "GET /stock");
    let inventory = native_span(&spans, "http.server.request", "GET /stock/{sku}");
    let stock = native_span(&spans, "user_scenarios.stock", "stock");

    // One trace, each span the child of the one before.
    let trace_id = &shop["trace_id"];
    assert!(spans.iter().all(|span| &span["trace_id"] == trace_id), "{spans:#?}");
    assert_eq!(shop["parent_id"].as_u64().unwrap_or(0), 0, "a new trace: {shop:#}");
    for (child, parent) in [(handler, shop), (client, handler), (inventory, client), (stock, inventory)] {
        assert_eq!(child["parent_id"], parent["span_id"], "{child:#} under {parent:#}");
    }

    for span in &spans {
        assert_eq!(span["meta"]["env"], "test", "{span:#}");
        assert_eq!(span["meta"]["version"], "1.0.0", "{span:#}");
        assert_eq!(span["metrics"]["_sampling_priority_v1"], 1.0, "kept: {span:#}");
    }
    assert_eq!(
        [shop, handler, client, inventory, stock].map(|span| span["meta"]["span.kind"].as_str().unwrap_or("")),
        ["server", "internal", "client", "server", "internal"]
    );
    assert_eq!([shop, inventory].map(|span| span["type"].as_str().unwrap_or("")), ["web", "web"]);
    assert_eq!(client["meta"]["peer.service"], "inventory", "{client:#}");
    assert_eq!(shop["meta"]["http.route"], "/checkout/{order}");
    assert_eq!(inventory["meta"]["http.route"], "/stock/{sku}");
    // Datadog's SDK writes OpenTelemetry's HTTP names the way Datadog's tracers do.
    for span in [shop, inventory] {
        assert_eq!((&span["meta"]["http.method"], &span["meta"]["http.status_code"]), (&"GET".into(), &"200".into()));
        assert_eq!(span["metrics"]["http.status_code"], 200.0, "{span:#}");
    }
    assert!(spans.iter().all(|span| span["error"].as_i64().unwrap_or(0) == 0), "{spans:#?}");

    // What the inventory service received from `reserve`: the client span as the parent.
    let [headers] = &received[..] else { panic!("one request: {received:?}") };
    let client_id = client["span_id"].as_u64().expect("a span id");
    let low = trace_id.as_u64().expect("a trace id");
    assert_eq!(header(headers, "x-datadog-trace-id"), low.to_string());
    assert_eq!(header(headers, "x-datadog-parent-id"), client_id.to_string());
    assert_eq!(header(headers, "x-datadog-sampling-priority"), "1");
    let tags = dd_tags(headers);
    let high = tags.get("_dd.p.tid").expect("_dd.p.tid: 128-bit trace ids");
    let traceparent = format!("00-{high}{low:016x}-{client_id:016x}-01");
    assert_eq!(header(headers, "traceparent"), traceparent);
    assert_eq!(tags.get("_dd.p.dm").map(String::as_str), Some("-0"), "{tags:?}");
    // Datadog's SDK adds OpenTelemetry's member after its own: th:0, a probability-1 sample.
    let (dd, others) = header(headers, "tracestate").split_once(',').expect("two members");
    // Its propagated tags (`t.`) come in no fixed order.
    let mut fields: Vec<&str> = dd.strip_prefix("dd=").expect("the dd= member").split(';').collect();
    fields[2..].sort_unstable();
    assert_eq!(fields.join(";"), format!("s:1;p:{client_id:016x};t.dm:-0;t.tid:{high}"));
    assert!(others.starts_with("ot=rv:") && others.ends_with(";th:0") && !others.contains(','), "{others}");
    let failures = agent.trace_check_failures();
    assert!(failures.is_empty(), "the test agent's trace checks failed: {failures}");
}

/// The OTLP spans the test agent received for `token`.
fn otlp_spans(agent: &TestAgent, token: &str) -> Vec<Value> {
    agent
        .otlp_traces(token)
        .iter()
        .flat_map(|request| request["resource_spans"].as_array().cloned().unwrap_or_default())
        .flat_map(|rs| rs["scope_spans"].as_array().cloned().unwrap_or_default())
        .flat_map(|scope| scope["spans"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[test]
fn at_sample_rate_zero_the_callee_follows_the_drop_and_nothing_is_exported() {
    let Some(agent) = test_agent("at_sample_rate_zero_the_callee_follows_the_drop_and_nothing_is_exported") else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let token = "user-scenarios-sample-rate-0";
    agent.start_session(token);
    let headers = format!("x-datadog-test-session-token={token}");
    // A rule keeps the inventory's own requests: it decides only where a trace starts.
    let rules = r#"[{"resource": "GET /stock/{sku}", "sample_rate": 1}]"#;
    let guard = guard(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &agent.otlp_http),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_HEADERS", &headers),
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("DD_SERVICE", "user-scenarios-otlp"),
        ("DD_TRACE_SAMPLE_RATE", "0"),
        ("DD_TRACE_SAMPLING_RULES", rules),
    ]);
    let (answer, received) = two_services(&guard, 3, Some(77));
    assert_eq!(answer, "order 3: 2 left");
    assert!(guard.flush(), "export completes");
    drop(guard);

    let [from_shop, direct] = &received[..] else { panic!("two requests: {received:?}") };
    assert!(direct.get("x-datadog-trace-id").is_none() && direct.get("traceparent").is_none());
    // The drop decision travels: priority -1 (auto reject by rule or rate), decision maker -3.
    assert_eq!(header(from_shop, "x-datadog-sampling-priority"), "-1");
    let tags = dd_tags(from_shop);
    assert_eq!(tags.get("_dd.p.dm").map(String::as_str), Some("-3"), "{tags:?}");
    let high = tags.get("_dd.p.tid").expect("_dd.p.tid: 128-bit trace ids");
    let low: u64 = header(from_shop, "x-datadog-trace-id").parse().expect("a decimal trace id");
    let parent: u64 = header(from_shop, "x-datadog-parent-id").parse().expect("a decimal span id");
    assert_ne!(parent, 0);
    assert_eq!(header(from_shop, "traceparent"), format!("00-{high}{low:016x}-{parent:016x}-00"));
    // The high half of the trace id is in `traceparent`: the `dd=` member does not repeat it.
    assert_eq!(header(from_shop, "tracestate"), format!("dd=s:-1;p:{parent:016x};t.dm:-3"));

    // Only the inventory's own trace, kept by the rule; nothing of the dropped one.
    let spans = otlp_spans(&agent, token);
    if std::env::var_os("DUMP").is_some() { eprintln!("{spans:#?}"); }
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let server = spans.iter().find(|s| s["kind"] == "SPAN_KIND_SERVER").expect("the server span");
    let handler = spans.iter().find(|s| s["name"] == "user_scenarios.stock").expect("the handler span");
    assert_eq!(handler["parent_span_id"], server["span_id"]);
    assert_eq!(server["trace_id"], handler["trace_id"]);
    assert_ne!(server["trace_id"].as_str().map(|id| id.ends_with(&format!("{low:016x}"))), Some(true));
    let attrs = otlp_attributes(&server["attributes"]);
    assert_eq!(attrs["resource.name"], "GET /stock/{sku}");
    for span in [server, handler] {
        assert_eq!(otlp_attributes(&span["attributes"])["sampling.priority"], "2", "kept by a rule: {span:#}");
        assert_eq!(span["trace_state"], "dd=s:2;t.dm:-3", "{span:#}");
    }
}
