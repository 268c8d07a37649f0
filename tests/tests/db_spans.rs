//! `#[dd_span(db(..))]`: database client spans with the attributes Datadog reads to show the
//! database as an inferred service, the obfuscated statement as resource and `db.statement`, and
//! no literal of the statement anywhere; exactly, in a capture, and as Datadog's test agent
//! receives them on both export paths (OTLP, native). The acceptance tests are skipped, saying
//! why, when the test agent is not running (see `scripts/test-agent`), and fail under `CI`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use dd_instrument::dd_span;
use dd_instrument_tests::agent::{otlp_attributes, test_agent};
use dd_instrument_tests::spans::{attribute, capture, expected, kind, named};
use opentelemetry::Value;
use serde_json::Value as Json;
use tracing_subscriber::prelude::*;

/// One acceptance test at a time: starting a session (OTLP's included) starts one on the native
/// side too, which would hide the native spans of a test running meanwhile.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A statement as an application writes it: with literals.
const FIND_ORDER: &str = "SELECT id, total FROM orders WHERE customer = 'alice@example.com' AND status IN (3, 4, 5)";

/// Its shape, as Datadog's obfuscator gives it.
const FIND_ORDER_SHAPE: &str = "SELECT id, total FROM orders WHERE customer = ? AND status IN (?)";

/// Every literal of the statements sent below: none may leave the process.
const LITERALS: [&str; 5] = ["alice@example.com", "alice", "4111", "'paid'", "98765"];

#[dd_span(db(system = "postgresql", name = "shop", statement = FIND_ORDER, host = "db.internal", port = 5432))]
fn find_order() -> u32 {
    7
}

#[dd_span(peer = "orders-db", db(system = "mysql", name = tenant, statement = sql, host = host, port = port))]
fn run_query(sql: &str, tenant: &str, host: &String, port: u16) -> usize {
    sql.len() + tenant.len() + host.len() + usize::from(port)
}

struct Cache;

impl Cache {
    #[dd_span(db(system = "redis", statement = command))]
    fn get(&self, command: &str) -> Option<&'static str> {
        command.strip_prefix("GET ").map(|_| "hit")
    }

    #[dd_span(db(system = "postgresql", name = "shop"))]
    fn ping(&self) -> bool {
        true
    }
}

/// The attributes of a captured span, without the code location ones.
fn db_attributes(span: &opentelemetry_sdk::trace::SpanData) -> BTreeMap<String, String> {
    let keys: Vec<&str> = span.attributes.iter().map(|kv| kv.key.as_str()).collect();
    let mut unique = keys.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "every attribute once: {keys:?}");
    span.attributes
        .iter()
        .filter(|kv| !kv.key.as_str().starts_with("code."))
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect()
}

#[test]
fn a_constant_statement_becomes_the_obfuscated_resource() {
    let ((), spans) = capture(|| {
        find_order();
        find_order();
    });
    assert_eq!(spans.len(), 2);
    for span in &spans {
        assert_eq!(kind(span), "client");
        assert_eq!(
            db_attributes(span),
            expected([
                ("operation.name", "db_spans.find_order"),
                ("resource.name", FIND_ORDER_SHAPE),
                ("span.type", "sql"),
                ("db.system", "postgresql"),
                ("db.name", "shop"),
                ("db.operation", "SELECT"),
                ("db.statement", FIND_ORDER_SHAPE),
                ("server.address", "db.internal"),
                ("out.host", "db.internal"),
                ("server.port", "5432"),
                ("out.port", "5432"),
            ])
        );
        // Ports are integers: Datadog keeps them as metrics.
        assert_eq!(attribute(span, "server.port"), Some(&Value::I64(5432)));
    }
}

#[test]
fn statements_and_peers_computed_per_call() {
    let host = String::from("replica-2.db");
    let ((), spans) = capture(|| {
        run_query("UPDATE orders SET status = 'paid' WHERE id = 98765", "eu_shop", &host, 3306);
        run_query("DELETE FROM carts WHERE owner = 'alice'", "us_shop", &host, 3307);
    });
    let resources: Vec<String> = spans.iter().map(|s| db_attributes(s)["resource.name"].clone()).collect();
    assert_eq!(resources, ["UPDATE orders SET status = ? WHERE id = ?", "DELETE FROM carts WHERE owner = ?"]);
    assert_eq!(
        db_attributes(&spans[0]),
        expected([
            ("operation.name", "db_spans.run_query"),
            ("resource.name", "UPDATE orders SET status = ? WHERE id = ?"),
            ("span.type", "sql"),
            ("peer.service", "orders-db"),
            ("db.system", "mysql"),
            ("db.name", "eu_shop"),
            ("db.operation", "UPDATE"),
            ("db.statement", "UPDATE orders SET status = ? WHERE id = ?"),
            ("server.address", "replica-2.db"),
            ("out.host", "replica-2.db"),
            ("server.port", "3306"),
            ("out.port", "3306"),
        ])
    );
    assert_eq!(db_attributes(&spans[1])["db.operation"], "DELETE");
    assert_eq!(attribute(&spans[1], "out.port"), Some(&Value::I64(3307)));
}

#[test]
fn key_value_commands_and_calls_without_a_statement() {
    let ((), spans) = capture(|| {
        Cache.get("GET session:alice@example.com");
        Cache.ping();
    });
    assert_eq!(
        db_attributes(named(&spans, "db_spans.get")),
        expected([
            ("operation.name", "db_spans.get"),
            ("resource.name", "GET"),
            ("span.type", "redis"),
            ("db.system", "redis"),
            ("db.operation", "GET"),
        ])
    );
    // No statement: the method's own resource, no operation.
    assert_eq!(
        db_attributes(named(&spans, "db_spans.ping")),
        expected([
            ("operation.name", "db_spans.ping"),
            ("resource.name", "Cache::ping"),
            ("span.type", "sql"),
            ("db.system", "postgresql"),
            ("db.name", "shop"),
        ])
    );
}

fn calls() {
    find_order();
    let host = String::from("db.internal");
    run_query("UPDATE payments SET card = '4111111111111111', state = 'paid' WHERE id = 98765", "shop", &host, 5432);
    Cache.get("GET session:alice");
}

/// The spans each path must deliver, by operation name: resource, span type, and `(key, value)`
/// pairs among the attributes (native: `meta` and `metrics`).
/// Operation name, resource, span type, and `(key, value)` attributes of one expected span.
type Expected = (&'static str, &'static str, &'static str, Vec<(&'static str, &'static str)>);

fn expected_spans() -> Vec<Expected> {
    vec![
        (
            "db_spans.find_order",
            FIND_ORDER_SHAPE,
            "sql",
            vec![
                ("db.system", "postgresql"),
                ("db.name", "shop"),
                ("db.operation", "SELECT"),
                ("db.statement", FIND_ORDER_SHAPE),
                ("server.address", "db.internal"),
                ("out.host", "db.internal"),
                ("server.port", "5432"),
                ("out.port", "5432"),
            ],
        ),
        (
            "db_spans.run_query",
            "UPDATE payments SET card = ?, state = ? WHERE id = ?",
            "sql",
            vec![
                ("db.system", "mysql"),
                ("db.name", "shop"),
                ("db.operation", "UPDATE"),
                ("db.statement", "UPDATE payments SET card = ?, state = ? WHERE id = ?"),
                ("peer.service", "orders-db"),
                ("server.address", "db.internal"),
                ("server.port", "5432"),
                ("out.port", "5432"),
            ],
        ),
        ("db_spans.get", "GET", "redis", vec![("db.system", "redis"), ("db.operation", "GET")]),
    ]
}

fn assert_no_literal(what: &str, text: &str) {
    for literal in LITERALS {
        assert!(!text.contains(literal), "{what} carries the literal `{literal}`: {text}");
    }
}

fn run(env: &[(&str, &str)]) {
    let env: HashMap<String, String> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let guard = dd_instrument::builder().env_source(env).build().expect("telemetry builds");
    tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), calls);
    assert!(guard.flush(), "every span delivered");
    drop(guard);
}

#[test]
fn database_spans_reach_the_test_agent_over_otlp() {
    let Some(agent) = test_agent("database_spans_reach_the_test_agent_over_otlp") else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let token = "db-spans-otlp";
    agent.start_session(token);
    run(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &agent.otlp_http),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_HEADERS", &format!("x-datadog-test-session-token={token}")),
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("DD_SERVICE", "db-spans-otlp"),
    ]);
    let traces = agent.otlp_traces(token);
    assert_no_literal("the OTLP traces", &serde_json::to_string(&traces).unwrap());
    let spans: Vec<&Json> = traces
        .iter()
        .flat_map(|request| request["resource_spans"].as_array().into_iter().flatten())
        .flat_map(|rs| rs["scope_spans"].as_array().into_iter().flatten())
        .flat_map(|scope| scope["spans"].as_array().into_iter().flatten())
        .collect();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    for (name, resource, span_type, pairs) in expected_spans() {
        let span = spans.iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{name}: {spans:#?}"));
        assert_eq!(span["kind"], "SPAN_KIND_CLIENT", "{name}");
        let attrs = otlp_attributes(&span["attributes"]);
        assert_eq!((attrs["resource.name"].as_str(), attrs["span.type"].as_str()), (resource, span_type), "{name}");
        for &(key, value) in &pairs {
            assert_eq!(attrs.get(key).map(String::as_str), Some(value), "{name} {key}: {attrs:#?}");
        }
        // Ports travel as integers (`int_value`), not text.
        for (key, _) in pairs.iter().filter(|(key, _)| matches!(*key, "server.port" | "out.port")) {
            let port = span["attributes"].as_array().unwrap().iter().find(|kv| kv["key"] == *key).expect("a port");
            assert!(port["value"].get("int_value").is_some(), "{name} {port}");
        }
    }
}

#[test]
fn database_spans_reach_the_test_agent_natively() {
    let Some(agent) = test_agent("database_spans_reach_the_test_agent_natively") else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    agent.start_session("");
    run(&[
        ("DD_TRACE_AGENT_URL", &agent.url),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("DD_SERVICE", "db-spans-native"),
        ("DD_ENV", "test"),
    ]);
    let spans = agent.wait_native_spans("db-spans-native", |spans| spans.len() >= 3);
    assert_no_literal("the native traces", &serde_json::to_string(&spans).unwrap());
    assert_eq!(spans.len(), 3, "{spans:#?}");
    for (name, resource, span_type, pairs) in expected_spans() {
        let span = spans.iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{name}: {spans:#?}"));
        assert_eq!((span["resource"].as_str(), span["type"].as_str()), (Some(resource), Some(span_type)), "{name}");
        assert_eq!(span["meta"]["span.kind"], "client", "{name}");
        // Datadog computes trace metrics for client spans (`_dd.measured`).
        assert_eq!(span["metrics"]["_dd.measured"], 1.0, "{name}");
        for (key, value) in pairs {
            // datadog-opentelemetry's OpenTelemetry -> Datadog mapping renames `server.address`
            // (`out.host` carries the host all the same).
            let key = if key == "server.address" { "http.server_name" } else { key };
            if matches!(key, "server.port" | "out.port") {
                // Ports are numbers: Datadog metrics, not text tags.
                assert!(span["meta"].get(key).is_none(), "{name} {key} as text: {span:#}");
            }
            let found = span["meta"][key]
                .as_str()
                .map(str::to_owned)
                .or_else(|| span["metrics"][key].as_f64().map(|number| format!("{number}")));
            assert_eq!(found.as_deref(), Some(value), "{name} {key}: {span:#}");
        }
        // The resource is not also sent as an attribute, and the statement only obfuscated.
        assert!(span["meta"].get("resource.name").is_none(), "{span:#}");
    }
    let failures = agent.trace_check_failures();
    assert!(failures.is_empty(), "the test agent's trace checks failed: {failures}");
}
