//! Programs written the way a reader of the README would write them, checked on what leaves the
//! process (acceptance tests skip without Datadog's test agent, see `dd_instrument_tests::agent`):
//!
//! - two axum services in one process over loopback: one trace at the test agent (native), with
//!   parents, kinds, `peer.service`, resources, and the exact headers the callee receives;
//! - the same at `DD_TRACE_SAMPLE_RATE=0` (OTLP): the callee receives priority -1 and
//!   `_dd.p.dm=-3`, nothing of the dropped trace is exported, a rule still keeps the callee's own;
//! - error spans of the function shapes the README lists (async, generic methods, `?`, boxed and
//!   `anyhow` errors, `impl Future`), through `testing::capture_async`;
//! - the Quick start's `charge` and the README's own metrics as DogStatsD datagrams on a UDP socket;
//! - the README's `client_layer` over `hyper-util`, and message headers (`inject_span`,
//!   `extract(..).attach()`, `set_parent`) at the test agent (OTLP);
//! - a caller's decision (kept with an origin, dropped, W3C only) wins over the local sample rate:
//!   what is exported and what the callee receives, exactly;
//! - the HTTP layers' request metrics of the two services as DogStatsD datagrams;
//! - propagation checked with `testing::capture_with`: the capture's header styles, and a
//!   consumer loop (itself a span) continuing its producer's trace;
//! - JSON log lines (`json_layer` in the user's subscriber) carrying the ids of the span the test
//!   agent received (native).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::get;
use dd_instrument::{Guard, dd_slo, dd_span, dd_timed};
use dd_instrument_tests::agent::{TestAgent, otlp_attributes, test_agent};
use dd_instrument_tests::writer::SharedWriter;
use http::HeaderMap;
use serde_json::Value;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::prelude::*;

/// Each scenario installs its own telemetry (the propagator and the metrics pipeline are
/// global): they take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn guard(env: &[(&str, &str)]) -> Guard {
    let env: HashMap<String, String> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    dd_instrument::builder().env_source(env).build().expect("telemetry builds")
}

/// Telemetry of `service` exporting traces over OTLP/HTTP to the test agent's session `token`
/// (started here), metrics off, with the `extra` variables.
fn otlp_guard(agent: &TestAgent, token: &str, service: &str, extra: &[(&str, &str)]) -> Guard {
    agent.start_session(token);
    let headers = format!("x-datadog-test-session-token={token}");
    let mut env = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", agent.otlp_http.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_HEADERS", &headers),
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("DD_SERVICE", service),
    ];
    env.extend_from_slice(extra);
    guard(&env)
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
    two_services_from(guard, order, direct, &HeaderMap::new())
}

/// [`two_services`], the request to the shop carrying `incoming` (a caller's trace headers).
fn two_services_from(guard: &Guard, order: u64, direct: Option<u64>, incoming: &HeaderMap) -> (String, Vec<HeaderMap>) {
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
            let response = reqwest::Client::new()
                .get(format!("http://{shop}/checkout/{order}"))
                .headers(incoming.clone())
                .send()
                .await
                .expect("shop answers");
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

#[test]
fn at_sample_rate_zero_the_callee_follows_the_drop_and_nothing_is_exported() {
    let Some(agent) = test_agent("at_sample_rate_zero_the_callee_follows_the_drop_and_nothing_is_exported") else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let token = "user-scenarios-sample-rate-0";
    // A rule keeps the inventory's own requests: it decides only where a trace starts.
    let rules = r#"[{"resource": "GET /stock/{sku}", "sample_rate": 1}]"#;
    let guard = otlp_guard(
        &agent,
        token,
        "user-scenarios-otlp",
        &[("DD_TRACE_SAMPLE_RATE", "0"), ("DD_TRACE_SAMPLING_RULES", rules)],
    );
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
    let spans = agent.otlp_spans(token);
    if std::env::var_os("DUMP").is_some() {
        eprintln!("{spans:#?}");
    }
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

// ---------------------------------------------------------------------------------------------
// Function shapes of the README's list, failing the way user code fails: `?` on an `io::Error`,
// a boxed error, `anyhow`, a generic method, a function returning `impl Future`.

/// A user's error with a cause, as `thiserror` would write it.
#[derive(Debug)]
struct LoadError {
    key: String,
    source: std::num::ParseIntError,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot load {}", self.key)
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

struct Repo<T> {
    prefix: T,
}

impl<T: std::fmt::Display + Send + Sync> Repo<T> {
    #[dd_span]
    async fn load(&self, raw: &str) -> Result<u64, LoadError> {
        tokio::task::yield_now().await;
        let key = format!("{}/{raw}", self.prefix);
        let value = raw.parse::<u64>().map_err(|source| LoadError { key, source })?;
        Ok(value)
    }
}

#[dd_span]
async fn read_config(path: &str) -> Result<String, std::io::Error> {
    let text = tokio::fs::read_to_string(path).await?;
    Ok(text)
}

#[dd_span]
async fn boxed(raw: &str) -> Result<u64, Box<dyn std::error::Error + Send + Sync>> {
    Ok(raw.parse::<u64>()?)
}

#[dd_span]
async fn with_anyhow(raw: &str) -> anyhow::Result<u64> {
    use anyhow::Context as _;
    let value = raw.parse::<u64>().context("the quantity")?;
    Ok(value)
}

#[dd_span]
fn later(raw: &str) -> impl std::future::Future<Output = Result<u64, std::num::ParseIntError>> + use<'_> {
    async move { raw.parse::<u64>() }
}

#[dd_span(resource = "GET /orders")]
async fn handle(raw: &str) -> Result<u64, String> {
    let repo = Repo { prefix: "orders" };
    let a = repo.load(raw).await.map_err(|e| e.to_string())?;
    let _ = read_config("/nonexistent/dd-instrument/config.toml").await;
    let _ = boxed("x").await;
    let _ = with_anyhow("-1").await;
    let b = later("35").await.map_err(|e| e.to_string())?;
    let _ = later("y").await;
    let c = repo.load("z").await.map_err(|e| e.to_string())?;
    Ok(a + b + c)
}

#[test]
fn error_spans_of_async_generic_boxed_and_impl_future_functions() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (result, captured) = runtime.block_on(dd_instrument::testing::capture_async(handle("1")));
    assert_eq!(result, Err("cannot load orders/z".to_owned()));
    let root = captured.span("user_scenarios.handle");
    let seen: Vec<_> = captured
        .spans()
        .iter()
        .map(|span| {
            assert_eq!(span.trace_id(), root.trace_id());
            assert_eq!(span.kind(), "internal");
            let parent = captured.parent(span).map(dd_instrument::testing::CapturedSpan::operation);
            (
                span.operation(),
                span.resource(),
                parent,
                span.is_error(),
                span.error_type(),
                span.error_message(),
                span.error_stack(),
            )
        })
        .collect();
    let boxed = "alloc::boxed::Box<dyn core::error::Error + core::marker::Send + core::marker::Sync>";
    let handle = Some("user_scenarios.handle");
    let digit = "invalid digit found in string";
    let enoent = "No such file or directory (os error 2)";
    assert_eq!(
        seen,
        [
            ("user_scenarios.load", "Repo::load", handle, false, None, None, None),
            (
                "user_scenarios.read_config",
                "read_config",
                handle,
                true,
                Some("std::io::error::Error"),
                Some(enoent),
                Some(format!("std::io::error::Error: {enoent}").as_str()),
            ),
            // A boxed error is named by its static type: `dyn Error` cannot say what it holds.
            (
                "user_scenarios.boxed",
                "boxed",
                handle,
                true,
                Some(boxed),
                Some(digit),
                Some(format!("{boxed}: {digit}").as_str())
            ),
            (
                "user_scenarios.with_anyhow",
                "with_anyhow",
                handle,
                true,
                Some("anyhow::Error"),
                Some("the quantity"),
                Some(format!("anyhow::Error: the quantity\ncaused by: {digit}").as_str()),
            ),
            ("user_scenarios.later", "later", handle, false, None, None, None),
            (
                "user_scenarios.later",
                "later",
                handle,
                true,
                Some("core::num::error::ParseIntError"),
                Some(digit),
                Some(format!("core::num::error::ParseIntError: {digit}").as_str()),
            ),
            (
                "user_scenarios.load",
                "Repo::load",
                handle,
                true,
                Some("user_scenarios::LoadError"),
                Some("cannot load orders/z"),
                Some(format!("user_scenarios::LoadError: cannot load orders/z\ncaused by: {digit}").as_str()),
            ),
            // A `String` error has a message, and no `source()` chain.
            (
                "user_scenarios.handle",
                "GET /orders",
                None,
                true,
                Some("alloc::string::String"),
                Some("cannot load orders/z"),
                None
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// The Quick start's `charge` and the README's own metrics, as DogStatsD datagrams on a real UDP
// socket.

#[dd_span(kind = "client", peer = "payment-service", resource = "POST /charge")]
#[dd_timed]
#[dd_slo(name = "checkout-payment", target = 99.9, latency_ms = 500)]
async fn charge(_order_id: u64, cents: u32) -> Result<(), std::fmt::Error> {
    tokio::task::yield_now().await;
    if cents == 0 { Err(std::fmt::Error) } else { Ok(()) }
}

#[dd_timed]
#[dd_slo(name = "sync-payment", target = 99.9)]
fn sync_charge(cents: u32) -> u32 {
    cents
}

static ORDERS: dd_instrument::metrics::Counter =
    dd_instrument::metrics::Counter::new("shop.orders").with_tags(&["team:checkout"]);
static QUEUE_DEPTH: dd_instrument::metrics::Gauge = dd_instrument::metrics::Gauge::new("shop.queue.depth");
static BUYERS: dd_instrument::metrics::Set = dd_instrument::metrics::Set::new("shop.buyers");

#[test]
fn quick_start_metrics_as_dogstatsd_datagrams() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(Duration::from_millis(300))).expect("read timeout");
    let url = format!("udp://{}", socket.local_addr().expect("address"));
    let guard = guard(&[
        ("DD_DOGSTATSD_URL", &url),
        ("OTEL_TRACES_EXPORTER", "none"),
        ("DD_SERVICE", "shop"),
        ("DD_ENV", "prod"),
        ("DD_VERSION", "1.4.2"),
        ("DD_TAGS", "team:payments region:eu"),
    ]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), || {
        runtime.block_on(async {
            assert!(charge(1, 500).await.is_ok());
            assert!(charge(2, 0).await.is_err());
            assert!(charge(3, 250).await.is_ok());
        });
        sync_charge(5);
        ORDERS.add_with(1, &[("country", "fr")]);
        ORDERS.add_with(2, &[("country", "fr")]);
        QUEUE_DEPTH.set(17.0);
        BUYERS.insert("alice");
        BUYERS.insert("alice");
    });
    assert!(guard.flush(), "flushed");
    let mut lines = Vec::new();
    let mut buffer = [0_u8; 2048];
    while let Ok(n) = socket.recv(&mut buffer) {
        lines.extend(String::from_utf8_lossy(&buffer[..n]).lines().map(str::to_owned));
    }
    drop(guard);

    // Latencies differ per run: each distribution line is checked for its number of values,
    // then written with `V` in their place.
    let unified = "env:prod,service:shop,version:1.4.2,team:payments,region:eu";
    let lines: Vec<String> = lines
        .iter()
        .map(|line| {
            let (name_values, rest) = line.split_once('|').expect("name:values|type|#tags");
            let (name, values) = name_values.split_once(':').expect("name:values");
            let rest = rest.replace(unified, "U");
            if rest.starts_with("d|") {
                assert!(values.split(':').all(|ms| ms.parse::<f64>().is_ok_and(|ms| ms >= 0.0)), "{line}");
                format!("{name}:{}|{rest}", vec!["V"; values.split(':').count()].join(":"))
            } else if rest.starts_with("s|") {
                // One member (a 64-bit hash of "alice"), however often it was inserted.
                assert!(values.parse::<u64>().is_ok(), "{line}");
                format!("{name}:H|{rest}")
            } else {
                format!("{name}:{values}|{rest}")
            }
        })
        .collect();
    assert_eq!(
        lines,
        [
            "user_scenarios.charge.duration:V:V|d|#U,outcome:ok",
            "user_scenarios.charge.duration:V|d|#U,outcome:error",
            "slo.requests.total:3|c|#U,slo:checkout-payment",
            "slo.requests.success:2|c|#U,slo:checkout-payment",
            "slo.requests.fast:2|c|#U,slo:checkout-payment",
            "user_scenarios.sync_charge.duration:V|d|#U,outcome:ok",
            // Without `latency_ms`, no `fast` counter.
            "slo.requests.total:1|c|#U,slo:sync-payment",
            "slo.requests.success:1|c|#U,slo:sync-payment",
            "shop.orders:3|c|#U,team:checkout,country:fr",
            "shop.queue.depth:17|g|#U",
            "shop.buyers:H|s|#U",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// The README's other carriers: its `client_layer` over `hyper-util`, and a message queue's
// headers (`inject_span` on the producer, `extract(..).attach()` and `set_parent` on the consumer).

#[dd_span(kind = "producer", peer = "orders-queue", resource = "orders publish")]
fn publish(message: &str) -> (String, HeaderMap) {
    let mut headers = HeaderMap::new();
    dd_instrument::propagation::inject_span(&tracing::Span::current(), &mut headers);
    (message.to_owned(), headers)
}

#[dd_span(kind = "consumer", resource = "orders consume")]
fn consume(message: &str) -> usize {
    message.len()
}

#[dd_span(kind = "server", resource = "POST /orders")]
async fn place_order(inventory: SocketAddr) -> (String, HeaderMap) {
    use http_body_util::BodyExt as _;
    use tower::{ServiceBuilder, ServiceExt as _};
    let client = ServiceBuilder::new()
        .layer(dd_instrument::http::client_layer("inventory"))
        .service(hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http());
    let request = http::Request::get(format!("http://{inventory}/stock/42")).body(String::new()).expect("a request");
    let response = client.oneshot(request).await.expect("inventory answers");
    assert_eq!(response.status(), http::StatusCode::OK);
    let body = response.into_body().collect().await.expect("a body").to_bytes();
    assert_eq!(&body[..], b"0");
    publish("order 42")
}

#[test]
fn readme_client_layer_and_message_headers_at_the_test_agent() {
    let Some(agent) = test_agent("readme_client_layer_and_message_headers_at_the_test_agent") else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let token = "user-scenarios-carriers";
    let guard = otlp_guard(&agent, token, "user-scenarios-carriers", &[]);
    let requests = Seen::default();
    let inventory_app = axum::Router::new()
        .route("/stock/{sku}", get(stock))
        .route_layer(dd_instrument::http::server_layer())
        .with_state(requests.clone());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), || {
        let (message, message_headers) = runtime.block_on(async {
            let (inventory, server) = serve(inventory_app).await;
            let sent = place_order(inventory).await;
            server.abort();
            sent
        });
        // The consumer, outside any span: the extracted context is the parent.
        {
            let _incoming = dd_instrument::propagation::extract(&message_headers).attach();
            assert_eq!(consume(&message), 8);
        }
        let span = tracing::info_span!("consume.by_hand");
        let _ = span.set_parent(dd_instrument::propagation::extract(&message_headers));
        span.in_scope(|| ());
    });
    assert!(guard.flush(), "export completes");
    drop(guard);

    let spans = agent.otlp_spans(token);
    assert_carrier_spans(&spans);
    let hex = |span: &Value| -> String {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD.decode(span.as_str().expect("base64")).expect("base64");
        bytes.iter().fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
    };
    let client = spans.iter().find(|span| span["name"] == "http.client.request").expect("the client span");
    let (trace, span_id) = (hex(&client["trace_id"]), hex(&client["span_id"]));
    let received = std::mem::take(&mut *requests.0.lock().unwrap_or_else(PoisonError::into_inner));
    let [headers] = &received[..] else { panic!("one request: {received:?}") };
    assert_eq!(header(headers, "traceparent"), format!("00-{trace}-{span_id}-01"));
    let low = u64::from_str_radix(&trace[16..], 16).expect("hex");
    let parent = u64::from_str_radix(&span_id, 16).expect("hex");
    assert_eq!(header(headers, "x-datadog-trace-id"), low.to_string());
    assert_eq!(header(headers, "x-datadog-parent-id"), parent.to_string());
    assert_eq!(header(headers, "x-datadog-sampling-priority"), "1");
    assert_eq!(dd_tags(headers).get("_dd.p.tid"), Some(&trace[..16].to_owned()));
}

/// A span as (name, kind, its parent's name, its attributes but the code location).
type Shape = (String, String, Option<String>, BTreeMap<String, String>);

/// The spans of `readme_client_layer_and_message_headers_at_the_test_agent`: one trace.
fn assert_carrier_spans(spans: &[Value]) {
    let name_of: HashMap<&str, &str> = spans
        .iter()
        .map(|span| (span["span_id"].as_str().expect("a span id"), span["name"].as_str().expect("a name")))
        .collect();
    let trace_id = &spans[0]["trace_id"];
    let mut seen: Vec<Shape> = spans
        .iter()
        .map(|span| {
            assert_eq!(&span["trace_id"], trace_id, "one trace: {spans:#?}");
            assert_eq!(span["status"], serde_json::json!({}), "no error: {span:#}");
            let parent = span["parent_span_id"].as_str().map(|id| name_of[id].to_owned());
            let mut attrs = otlp_attributes(&span["attributes"]);
            attrs.retain(|key, _| !key.starts_with("code."));
            (
                span["name"].as_str().unwrap_or("").to_owned(),
                span["kind"].as_str().unwrap_or("").to_owned(),
                parent,
                attrs,
            )
        })
        .collect();
    seen.sort();
    let attrs = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    let owned = |name: &str, kind: &str, parent: Option<&str>, pairs: &[(&str, &str)]| {
        (name.to_owned(), format!("SPAN_KIND_{kind}"), parent.map(str::to_owned), attrs(pairs))
    };
    assert_eq!(
        seen,
        [
            // `set_parent` on a span made by hand.
            owned("consume.by_hand", "INTERNAL", Some("user_scenarios.publish"), &[]),
            owned(
                "http.client.request",
                "CLIENT",
                Some("user_scenarios.place_order"),
                &[
                    ("http.request.method", "GET"),
                    ("http.response.status_code", "200"),
                    ("operation.name", "http.client.request"),
                    ("peer.service", "inventory"),
                    ("resource.name", "GET"),
                    ("server.address", "127.0.0.1"),
                    ("span.type", "http"),
                ],
            ),
            owned(
                "http.server.request",
                "SERVER",
                Some("http.client.request"),
                &[
                    ("http.request.method", "GET"),
                    ("http.response.status_code", "200"),
                    ("http.route", "/stock/{sku}"),
                    ("operation.name", "http.server.request"),
                    ("resource.name", "GET /stock/{sku}"),
                    ("span.type", "web"),
                ],
            ),
            // `extract(..).attach()`, then the consumer's `#[dd_span]`.
            owned(
                "user_scenarios.consume",
                "CONSUMER",
                Some("user_scenarios.publish"),
                &[("operation.name", "user_scenarios.consume"), ("resource.name", "orders consume")],
            ),
            owned(
                "user_scenarios.place_order",
                "SERVER",
                None,
                &[("operation.name", "user_scenarios.place_order"), ("resource.name", "POST /orders")],
            ),
            owned(
                "user_scenarios.publish",
                "PRODUCER",
                Some("user_scenarios.place_order"),
                &[
                    ("operation.name", "user_scenarios.publish"),
                    ("peer.service", "orders-queue"),
                    ("resource.name", "orders publish"),
                ],
            ),
            owned(
                "user_scenarios.stock",
                "INTERNAL",
                Some("http.server.request"),
                &[("operation.name", "user_scenarios.stock"), ("resource.name", "stock")],
            ),
        ]
    );
    // The inventory service got the client span as its parent, in both header styles.
}

/// Incoming trace headers of `pairs`.
fn incoming(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(name, value)| (http::HeaderName::from_static(name), http::HeaderValue::from_static(value)))
        .collect()
}

#[test]
fn the_callers_decision_wins_over_the_local_sample_rate() {
    let Some(agent) = test_agent("the_callers_decision_wins_over_the_local_sample_rate") else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let token = "user-scenarios-callers-decision";
    let guard = otlp_guard(&agent, token, "user-scenarios-callers-decision", &[("DD_TRACE_SAMPLE_RATE", "0")]);
    // A synthetic test's request, kept by its caller (user keep), in Datadog's headers.
    let kept = incoming(&[
        ("x-datadog-trace-id", "1234"),
        ("x-datadog-parent-id", "5678"),
        ("x-datadog-sampling-priority", "2"),
        ("x-datadog-origin", "synthetics"),
        ("x-datadog-tags", "_dd.p.dm=-4"),
    ]);
    let (_, kept_received) = two_services_from(&guard, 1, None, &kept);
    // Dropped by the caller (auto reject), in Datadog's headers, then in W3C's alone.
    let dropped = incoming(&[
        ("x-datadog-trace-id", "4321"),
        ("x-datadog-parent-id", "8765"),
        ("x-datadog-sampling-priority", "0"),
    ]);
    let (_, dropped_received) = two_services_from(&guard, 2, None, &dropped);
    let w3c = incoming(&[("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")]);
    let (_, w3c_received) = two_services_from(&guard, 3, None, &w3c);
    assert!(guard.flush(), "export completes");
    drop(guard);

    let spans = agent.otlp_spans(token);
    assert_eq!(spans.len(), 5, "the kept request's five spans, nothing of the dropped ones: {spans:#?}");
    let shop = spans
        .iter()
        .find(|span| {
            otlp_attributes(&span["attributes"]).get("resource.name").map(String::as_str)
                == Some("GET /checkout/{order}")
        })
        .expect("the shop's server span");
    assert_eq!(shop["trace_id"], "AAAAAAAAAAAAAAAAAAAE0g==", "trace 1234: {shop:#}");
    assert_eq!(shop["parent_span_id"], "AAAAAAAAFi4=", "parent 5678: {shop:#}");
    for span in &spans {
        assert_eq!(span["trace_id"], shop["trace_id"], "{span:#}");
        assert_eq!(otlp_attributes(&span["attributes"])["sampling.priority"], "2", "{span:#}");
    }

    let [kept_headers] = &kept_received[..] else { panic!("one request: {kept_received:?}") };
    let parent = header(kept_headers, "x-datadog-parent-id").to_owned();
    let parent_hex = format!("{:016x}", parent.parse::<u64>().expect("a decimal span id"));
    assert_eq!(header(kept_headers, "x-datadog-trace-id"), "1234");
    assert_eq!(header(kept_headers, "x-datadog-sampling-priority"), "2");
    assert_eq!(header(kept_headers, "x-datadog-origin"), "synthetics");
    assert_eq!(header(kept_headers, "x-datadog-tags"), "_dd.p.dm=-4");
    assert_eq!(header(kept_headers, "traceparent"), format!("00-000000000000000000000000000004d2-{parent_hex}-01"));
    assert_eq!(header(kept_headers, "tracestate"), format!("dd=s:2;o:synthetics;p:{parent_hex};t.dm:-4"));

    let [dropped_headers] = &dropped_received[..] else { panic!("one request: {dropped_received:?}") };
    let parent_hex =
        format!("{:016x}", header(dropped_headers, "x-datadog-parent-id").parse::<u64>().expect("a decimal span id"));
    assert_eq!(header(dropped_headers, "x-datadog-trace-id"), "4321");
    assert_eq!(header(dropped_headers, "x-datadog-sampling-priority"), "0");
    assert!(dropped_headers.get("x-datadog-tags").is_none(), "{dropped_headers:?}");
    assert_eq!(header(dropped_headers, "traceparent"), format!("00-000000000000000000000000000010e1-{parent_hex}-00"));
    assert_eq!(header(dropped_headers, "tracestate"), format!("dd=s:0;p:{parent_hex}"));

    let [w3c_headers] = &w3c_received[..] else { panic!("one request: {w3c_received:?}") };
    let parent: u64 = header(w3c_headers, "x-datadog-parent-id").parse().expect("a decimal span id");
    assert_eq!(
        header(w3c_headers, "x-datadog-trace-id"),
        u64::from_str_radix("8448eb211c80319c", 16).unwrap().to_string()
    );
    assert_eq!(header(w3c_headers, "x-datadog-sampling-priority"), "0");
    assert_eq!(header(w3c_headers, "x-datadog-tags"), "_dd.p.tid=0af7651916cd43dd");
    assert_eq!(header(w3c_headers, "traceparent"), format!("00-0af7651916cd43dd8448eb211c80319c-{parent:016x}-00"));
    assert_eq!(header(w3c_headers, "tracestate"), format!("dd=s:0;p:{parent:016x}"));
}

#[test]
fn http_request_metrics_of_two_axum_services_as_dogstatsd_datagrams() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(Duration::from_millis(300))).expect("read timeout");
    let url = format!("udp://{}", socket.local_addr().expect("address"));
    let guard = guard(&[("DD_DOGSTATSD_URL", &url), ("OTEL_TRACES_EXPORTER", "none"), ("DD_SERVICE", "shop")]);
    // The shop once, the inventory twice (through the shop, then directly).
    let (answer, _) = two_services(&guard, 4, Some(9));
    assert_eq!(answer, "order 4: 5 left");
    assert!(guard.flush(), "flushed");
    let mut lines = Vec::new();
    let mut buffer = [0_u8; 4096];
    while let Ok(n) = socket.recv(&mut buffer) {
        lines.extend(String::from_utf8_lossy(&buffer[..n]).lines().map(str::to_owned));
    }
    drop(guard);
    // Durations in seconds, written `V`; route templates as Datadog writes them in tags.
    let lines: Vec<String> = lines
        .iter()
        .map(|line| {
            let (name_values, rest) = line.split_once('|').expect("name:values|type|#tags");
            let (name, values) = name_values.split_once(':').expect("name:values");
            if rest.starts_with("d|") {
                assert!(values.split(':').all(|s| s.parse::<f64>().is_ok_and(|s| s >= 0.0)), "{line}");
                format!("{name}:{}|{rest}", vec!["V"; values.split(':').count()].join(":"))
            } else {
                line.clone()
            }
        })
        .collect();
    let tags = |route: &str| {
        format!(
            "#service:shop,http.request.method:get,http.route:{route},http.response.status_code:200,http.status_class:2xx"
        )
    };
    assert_eq!(
        lines,
        [
            format!("http.server.request.duration:V|d|{}", tags("/checkout/_order")),
            format!("http.server.request.duration:V:V|d|{}", tags("/stock/_sku")),
            format!("http.server.requests:1|c|{}", tags("/checkout/_order")),
            format!("http.server.requests:2|c|{}", tags("/stock/_sku")),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Propagation tested the README's way, with `testing::capture`: a producer's headers, then a
// consumer loop (itself a span) that continues the producer's trace.

#[dd_span(kind = "consumer", resource = "orders consume")]
fn consume_one(message: &str) -> usize {
    message.len()
}

#[dd_span]
fn poll_loop(messages: &[(String, HeaderMap)]) -> usize {
    let mut total = 0;
    for (message, headers) in messages {
        let _incoming = dd_instrument::propagation::extract(headers).attach();
        total += consume_one(message);
    }
    total
}

#[test]
fn propagation_inside_testing_captures_uses_the_builders_styles() {
    // W3C headers only: the capture's own styles, whatever propagator another test installed.
    let builder = || {
        dd_instrument::builder()
            .env_source(BTreeMap::<String, String>::new())
            .propagation(vec![dd_instrument::propagation::PropagationStyle::TraceContext])
    };
    let ((message, headers), on_producer) = dd_instrument::testing::capture_with(builder(), || publish("order 7"));
    let producer = on_producer.span("user_scenarios.publish");
    let names: Vec<&str> = headers.keys().map(http::HeaderName::as_str).collect();
    assert_eq!(names, ["traceparent", "tracestate"], "{headers:?}");
    let (trace, span) = (producer.trace_id(), producer.span_id());
    assert_eq!(header(&headers, "traceparent"), format!("00-{trace}-{span}-01"));
    // Kept by the default decision: priority 1 by the default mechanism, as Datadog's tracers send it.
    assert_eq!(header(&headers, "tracestate"), format!("dd=s:1;p:{span};t.dm:-0"));

    let (total, on_consumer) = dd_instrument::testing::capture_with(builder(), || poll_loop(&[(message, headers)]));
    assert_eq!(total, 7);
    let consumer = on_consumer.span("user_scenarios.consume_one");
    assert_eq!((consumer.trace_id(), consumer.parent_span_id()), (trace, Some(span)), "the producer's trace");
    assert!(consumer.has_remote_parent());
    let poll = on_consumer.span("user_scenarios.poll_loop");
    assert_eq!(poll.parent_span_id(), None, "the loop is a trace of its own");
}

// ---------------------------------------------------------------------------------------------
// Logs correlated with traces, the README's way (`json_layer` in the user's own subscriber):
// the ids of a log line are those of the span Datadog received.

#[dd_span(kind = "server", resource = "POST /pay")]
fn pay(order: u64) {
    tracing::info!(order, "order paid");
}

#[test]
fn log_lines_carry_the_ids_of_the_span_at_the_test_agent() {
    let Some(agent) = test_agent("log_lines_carry_the_ids_of_the_span_at_the_test_agent") else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    agent.start_session("");
    let service = "user-scenarios-logs";
    let guard = guard(&[
        ("DD_TRACE_AGENT_URL", &agent.url),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("DD_SERVICE", service),
        ("DD_ENV", "test"),
        ("DD_VERSION", "1.0.0"),
        ("DD_HOSTNAME", "node-7"),
    ]);
    let lines = SharedWriter::default();
    let json = dd_instrument::logs::json_layer(guard.service_info()).with_writer(lines.clone());
    tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()).with(json), || pay(1001));
    assert!(guard.flush(), "export completes");
    drop(guard);
    let spans = agent.wait_native_spans(service, |spans| !spans.is_empty());
    let [span] = &spans[..] else { panic!("one span: {spans:#?}") };

    let text = lines.text();
    let logs: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect();
    let [line] = &logs[..] else { panic!("one line: {text}") };
    // 128-bit trace ids are written as 32 hex digits: Datadog's full id, as on the span.
    let trace_id = span["meta"]["otel.trace_id"].as_str().expect("the 128-bit trace id");
    let expected = serde_json::json!({
        "status": "info",
        "message": "order paid",
        "logger.name": "user_scenarios",
        "logger.thread_name": "log_lines_carry_the_ids_of_the_span_at_the_test_agent",
        "ddsource": "rust",
        "host": "node-7",
        "dd.service": service,
        "dd.env": "test",
        "dd.version": "1.0.0",
        "dd.trace_id": trace_id,
        "dd.span_id": span["span_id"].as_u64().expect("a span id").to_string(),
        "order": 1001,
    });
    let mut line = line.clone();
    let timestamp = line.as_object_mut().expect("an object").remove("timestamp");
    assert!(timestamp.as_ref().and_then(Value::as_str).is_some_and(|t| t.ends_with('Z')), "{timestamp:?}");
    assert_eq!(line, expected);
    assert_eq!(
        format!("{:032x}", u128::from_str_radix(trace_id, 16).expect("hex"))[16..],
        format!("{:016x}", span["trace_id"].as_u64().expect("the low 64 bits"))
    );
}
