//! Acceptance: the checkout example, run as a real process, exports natively to Datadog's own
//! test agent, and every span has the Datadog fields a Datadog tracer would give it; its DogStatsD
//! datagrams parse by the protocol's grammar with valid names and tags. Skipped, saying why, when
//! the test agent is not running (see `scripts/test-agent`).

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use dd_instrument_tests::agent::{otlp_attributes, test_agent};
use dd_instrument_tests::statsd::assert_valid_datagram;
use serde_json::Value;

/// The tests share the test agent's default session (native traces carry no session token).
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn meta<'a>(span: &'a Value, key: &str) -> Option<&'a str> {
    span["meta"][key].as_str()
}

#[test]
fn checkout_example_spans_have_datadog_fields() {
    let Some(agent) = test_agent("checkout_example_spans_have_datadog_fields") else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    agent.start_session("");
    let statsd = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback UDP socket");
    statsd.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let output = Command::new(env!("CARGO_BIN_EXE_checkout"))
        .env_clear()
        .env("DD_TRACE_AGENT_URL", &agent.url)
        .env("DD_ENV", "acceptance")
        .env("DD_DOGSTATSD_URL", format!("udp://{}", statsd.local_addr().expect("address")))
        .env("DD_LOGS_INJECTION", "true")
        .env("RUST_LOG", "info")
        .output()
        .expect("the example runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the example failed: {stderr}");

    let spans = agent.wait_native_spans("checkout", |spans| spans.len() >= 11);
    check_log_correlation(&stderr, &spans);
    assert_eq!(spans.len(), 11, "4 orders: 3 + 3 + 2 + 3 spans");
    let by_id: BTreeMap<u64, &Value> = spans.iter().map(|s| (s["span_id"].as_u64().unwrap(), s)).collect();
    let version = env!("CARGO_PKG_VERSION");
    for span in &spans {
        assert_eq!(span["service"], "checkout");
        assert_eq!(meta(span, "env"), Some("acceptance"), "{span}");
        assert_eq!(meta(span, "version"), Some(version), "{span}");
        let name = span["name"].as_str().unwrap();
        let error = span["error"].as_i64().unwrap_or(0);
        match name {
            "checkout.checkout" => {
                assert_eq!((span["resource"].as_str(), span["type"].as_str()), (Some("POST /checkout"), Some("web")));
                assert_eq!(meta(span, "span.kind"), Some("server"));
                assert!(span["parent_id"].as_u64().unwrap_or(0) == 0, "the server span is a root");
                // `order.id` is a `u64`: kept as text, since Datadog stores numbers as f64.
                let order: u64 = meta(span, "order.id").expect("order.id tag").parse().expect("a number");
                let expected_error = match order {
                    1001 | 1004 => None,
                    1002 => Some(("checkout::CheckoutError::Payment", "the payment failed")),
                    1003 => Some(("checkout::CheckoutError::OutOfStock", "an item is out of stock")),
                    other => panic!("unexpected order {other}"),
                };
                match expected_error {
                    None => assert_eq!(error, 0, "{span}"),
                    Some((kind, message)) => {
                        assert_eq!(error, 1, "{span}");
                        assert_eq!(
                            (meta(span, "error.type"), meta(span, "error.message")),
                            (Some(kind), Some(message))
                        );
                    }
                }
            }
            "checkout.reserve_stock" => {
                // `db(..)`: the obfuscated statement, the inferred database's attributes.
                let statement = "UPDATE stock SET reserved = reserved + ? WHERE warehouse = ?";
                assert_eq!((span["type"].as_str(), span["resource"].as_str()), (Some("sql"), Some(statement)));
                assert_eq!(meta(span, "span.kind"), Some("client"));
                assert_eq!(
                    ["db.system", "db.name", "db.operation", "db.statement", "out.host"].map(|key| meta(span, key)),
                    [Some("postgresql"), Some("shop"), Some("UPDATE"), Some(statement), Some("db.internal")]
                );
                assert_eq!(span["metrics"]["out.port"], 5432.0);
                assert!(!span.to_string().contains("eu-1"), "a literal of the statement left the process: {span}");
                let parent = by_id[&span["parent_id"].as_u64().unwrap()];
                assert_eq!(parent["name"], "checkout.checkout");
            }
            "checkout.charge" => {
                assert_eq!((span["resource"].as_str(), span["type"].as_str()), (Some("POST /charge"), Some("http")));
                assert_eq!(meta(span, "span.kind"), Some("client"));
                assert_eq!(meta(span, "peer.service"), Some("payment-service"));
                let parent = by_id[&span["parent_id"].as_u64().unwrap()];
                assert_eq!(parent["name"], "checkout.checkout");
                assert_eq!(parent["trace_id"], span["trace_id"]);
                if error == 1 {
                    assert_eq!(meta(span, "error.type"), Some("checkout::PayError::Declined"));
                    assert_eq!(meta(span, "error.message"), Some("card declined by the issuer"));
                }
            }
            other => panic!("unexpected span {other}: {span}"),
        }
    }
    let failures = agent.trace_check_failures();
    assert!(failures.is_empty(), "the test agent's trace checks failed: {failures}");

    let mut buf = vec![0u8; 65_536];
    let mut lines = Vec::new();
    statsd.set_read_timeout(Some(Duration::from_millis(500))).expect("timeout");
    while let Ok(n) = statsd.recv(&mut buf) {
        let payload = std::str::from_utf8(&buf[..n]).expect("UTF-8");
        assert!(n <= 1432, "payload of {n} bytes");
        lines.extend(payload.lines().map(str::to_owned));
    }
    assert!(lines.iter().any(|l| l.starts_with("slo.requests.total:4|c|")), "{lines:?}");
    for line in &lines {
        assert_valid_datagram(line);
        // Datadog's SDK also reports its own health (`datadog.tracer.*`), as Datadog's tracers do.
        if !line.starts_with("datadog.tracer.") {
            assert!(line.contains("|#env:acceptance,service:checkout,version:"), "unified tags on {line}");
        }
    }
}

/// Every `order paid` log line (JSON, `DD_LOGS_INJECTION=true`) carries the ids of the server span
/// it was logged in, in Datadog's formats, and the unified service tags.
fn check_log_correlation(stderr: &str, spans: &[Value]) {
    let lines: Vec<Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let paid: Vec<&Value> = lines.iter().filter(|line| line["message"] == "order paid").collect();
    assert_eq!(paid.len(), 2, "orders 1001 and 1004: {lines:#?}");
    for line in paid {
        assert_eq!((line["status"].as_str(), line["logger.name"].as_str()), (Some("info"), Some("checkout")));
        assert_eq!((line["dd.service"].as_str(), line["dd.env"].as_str()), (Some("checkout"), Some("acceptance")));
        assert_eq!(line["dd.version"].as_str(), Some(env!("CARGO_PKG_VERSION")));
        let order = line["order"].as_u64().expect("the order field").to_string();
        let span = spans
            .iter()
            .find(|s| s["name"] == "checkout.checkout" && meta(s, "order.id") == Some(order.as_str()))
            .expect("the order's server span");
        assert_eq!(line["dd.span_id"].as_str(), Some(span["span_id"].as_u64().unwrap().to_string().as_str()));
        // 128-bit trace ids are logged as 32 hex digits, 64-bit ones in decimal.
        let trace_id = meta(span, "otel.trace_id").expect("the 128-bit trace id");
        let expected = if trace_id.starts_with("0000000000000000") {
            span["trace_id"].as_u64().unwrap().to_string()
        } else {
            trace_id.to_owned()
        };
        assert_eq!(line["dd.trace_id"].as_str(), Some(expected.as_str()));
    }
    assert!(
        lines.iter().filter(|line| line["message"] == "declared SLO").all(|line| line.get("dd.trace_id").is_none()),
        "outside spans: no ids"
    );
}

#[test]
fn two_services_make_one_trace_and_follow_the_upstream_sampling_decision() {
    let Some(agent) = test_agent("two_services_make_one_trace_and_follow_the_upstream_sampling_decision") else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    agent.start_session("");
    // Rules that only match the frontend: whatever the backend keeps, it keeps because the
    // frontend's decision came with the request. `red-kettle` is dropped, the rest kept by rule.
    let rules = r#"[{"service":"frontend","tags":{"sku":"red-kettle"},"sample_rate":0},{"service":"frontend","sample_rate":1}]"#;
    let output = Command::new(env!("CARGO_BIN_EXE_two-services"))
        .env_clear()
        .env("DD_TRACE_AGENT_URL", &agent.url)
        .env("DD_ENV", "acceptance")
        .env("DD_TRACE_SAMPLING_RULES", rules)
        .env("OTEL_METRICS_EXPORTER", "none")
        .env("RUST_LOG", "error")
        .output()
        .expect("the example runs");
    assert!(output.status.success(), "the example failed: {}", String::from_utf8_lossy(&output.stderr));

    let spans = |service| agent.wait_native_spans(service, |spans| spans.len() >= 4);
    let (frontend, backend) = (spans("frontend"), spans("backend"));
    let mut traces: BTreeMap<u64, Vec<&Value>> = BTreeMap::new();
    for span in frontend.iter().chain(&backend) {
        traces.entry(span["trace_id"].as_u64().unwrap()).or_default().push(span);
        assert_eq!(span["metrics"]["_sampling_priority_v1"], 2.0, "kept by the frontend's rule: {span}");
        assert_eq!(meta(span, "_dd.p.dm"), Some("-3"), "decided by a rule upstream: {span}");
        assert_ne!(meta(span, "sku"), Some("red-kettle"), "the dropped request must not arrive: {span}");
    }
    assert_eq!(traces.len(), 2, "blue-mug and broken, one trace each across both services");
    for spans in traces.values() {
        let find = |service: &str, name: &str| -> &Value {
            spans
                .iter()
                .find(|s| s["service"] == service && s["name"] == name)
                .unwrap_or_else(|| panic!("{service} {name}"))
        };
        let checkout = find("frontend", "two_services.checkout");
        let client = find("frontend", "http.client.request");
        let server = find("backend", "http.server.request");
        let query = find("backend", "two_services.stock_of");
        assert_eq!(spans.len(), 4);
        assert_eq!(checkout["parent_id"].as_u64().unwrap_or(0), 0);
        assert_eq!(
            (meta(checkout, "span.kind"), checkout["resource"].as_str()),
            (Some("server"), Some("GET /checkout/{sku}"))
        );
        assert_eq!(client["parent_id"], checkout["span_id"]);
        assert_eq!((meta(client, "span.kind"), meta(client, "peer.service")), (Some("client"), Some("backend")));
        assert_eq!(server["parent_id"], client["span_id"], "the backend continues the frontend's span");
        assert_eq!(
            (meta(server, "span.kind"), server["resource"].as_str()),
            (Some("server"), Some("GET /stock/{sku}"))
        );
        assert_eq!(meta(server, "http.route"), Some("/stock/{sku}"));
        assert_eq!(query["parent_id"], server["span_id"]);
        assert_eq!(query["type"], "sql");
        if meta(checkout, "sku") == Some("broken") {
            assert_eq!(
                (checkout["error"].as_i64(), server["error"].as_i64(), query["error"].as_i64()),
                (Some(1), Some(1), Some(1))
            );
            assert_eq!(
                server["metrics"]["http.status_code"]
                    .as_f64()
                    .or_else(|| meta(server, "http.status_code").and_then(|c| c.parse().ok())),
                Some(503.0)
            );
        } else {
            assert_eq!(server["error"].as_i64().unwrap_or(0), 0);
        }
    }
    let failures = agent.trace_check_failures();
    assert!(failures.is_empty(), "the test agent's trace checks failed: {failures}");
}

#[test]
fn two_services_over_otlp_make_one_trace_and_follow_the_upstream_sampling_decision() {
    let Some(agent) = test_agent("two_services_over_otlp_make_one_trace_and_follow_the_upstream_sampling_decision")
    else {
        return;
    };
    let token = "two-services-otlp";
    agent.start_session(token);
    let rules = r#"[{"service":"frontend","tags":{"sku":"red-kettle"},"sample_rate":0},{"service":"frontend","sample_rate":1}]"#;
    let output = Command::new(env!("CARGO_BIN_EXE_two-services"))
        .env_clear()
        .env("OTEL_TRACES_EXPORTER", "otlp")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &agent.otlp_http)
        .env("OTEL_EXPORTER_OTLP_HEADERS", format!("x-datadog-test-session-token={token}"))
        .env("DD_TRACE_SAMPLING_RULES", rules)
        .env("OTEL_METRICS_EXPORTER", "none")
        .env("RUST_LOG", "error")
        .output()
        .expect("the example runs");
    assert!(output.status.success(), "the example failed: {}", String::from_utf8_lossy(&output.stderr));

    let mut spans: Vec<(String, Value)> = Vec::new();
    for request in agent.otlp_traces(token) {
        for resource_spans in request["resource_spans"].as_array().into_iter().flatten() {
            let resource = otlp_attributes(&resource_spans["resource"]["attributes"]);
            let service = resource["service.name"].clone();
            for scope in resource_spans["scope_spans"].as_array().into_iter().flatten() {
                for span in scope["spans"].as_array().into_iter().flatten() {
                    spans.push((service.clone(), span.clone()));
                }
            }
        }
    }
    assert_eq!(spans.len(), 8, "two kept requests, four spans each: {spans:#?}");
    let mut traces: BTreeMap<String, Vec<&(String, Value)>> = BTreeMap::new();
    for entry in &spans {
        let (_, span) = entry;
        traces.entry(span["trace_id"].as_str().unwrap_or_default().to_owned()).or_default().push(entry);
        let attributes = otlp_attributes(&span["attributes"]);
        assert_eq!(attributes.get("sampling.priority").map(String::as_str), Some("2"), "kept by rule upstream: {span}");
        assert_ne!(attributes.get("sku").map(String::as_str), Some("red-kettle"), "dropped upstream: {span}");
    }
    assert_eq!(traces.len(), 2);
    for spans in traces.values() {
        let find = |service: &str, name: &str| -> &Value {
            &spans
                .iter()
                .find(|(s, span)| s == service && span["name"] == name)
                .unwrap_or_else(|| panic!("{service} {name}"))
                .1
        };
        let client = find("frontend", "http.client.request");
        let server = find("backend", "http.server.request");
        assert_eq!(client["kind"], "SPAN_KIND_CLIENT");
        assert_eq!(server["kind"], "SPAN_KIND_SERVER");
        assert_eq!(server["parent_span_id"], client["span_id"], "the backend continues the frontend's span");
        assert_eq!(find("backend", "two_services.stock_of")["parent_span_id"], server["span_id"]);
        assert_eq!(client["parent_span_id"], find("frontend", "two_services.checkout")["span_id"]);
    }
}
