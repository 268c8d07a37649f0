//! End to end against Datadog's test agent: a program with secrets (a card number, an email
//! address, a database URL with a password, a bearer token) in tagged arguments, in an error's
//! `Display` and `source()` chain, in a panic message and in log events runs with the default
//! redaction plus `DD_INSTRUMENT_REDACT=bearer` and a hashing key. On the native path (traces to
//! the agent's trace API, metrics over DogStatsD) and on the OTLP path (traces and metrics to the
//! agent's OTLP receiver), no secret, nor the card's digits, appears in any byte the agent, the
//! DogStatsD socket or the JSON log output received, and the redaction markers do. `DD_TAGS`
//! values (the operator's configuration) are only normalized, never redacted.
//!
//! Skipped, saying why, when the test agent is not running (see `scripts/test-agent`); under
//! `CI` it fails instead.

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::fmt;
use std::net::UdpSocket;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use dd_instrument::{DdTags, Redaction, dd_span, dd_timed};
use dd_instrument_tests::agent::{TestAgent, otlp_attributes, test_agent};
use dd_instrument_tests::writer::SharedWriter;
use serde_json::Value;
use tracing_subscriber::layer::SubscriberExt as _;

const CARD: &str = "4111 1111 1111 1111";
const EMAIL: &str = "alice@example.com";
const PASSWORD: &str = "hunter2";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const HASH_KEY: &str = "a per-deployment key, 32 bytes.";

/// Every form a secret could take once it left the process: as written, without separators, as a
/// normalized metric tag, and pieces of it.
const SECRETS: [&str; 10] = [
    CARD,
    "4111111111111111",
    "4111_1111_1111_1111",
    "4111-1111",
    "1111 1111",
    EMAIL,
    "alice_example.com",
    PASSWORD,
    TOKEN,
    "eyJhbGciOiJIUzI1NiJ9",
];

/// One telemetry pipeline at a time in this binary.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[derive(Debug)]
struct Connect;

impl fmt::Display for Connect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connect postgres://shop:{PASSWORD}@db:5432/shop with Authorization: Bearer {TOKEN}: refused")
    }
}

impl Error for Connect {}

#[derive(Debug)]
struct Declined(Connect);

impl fmt::Display for Declined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "card {CARD} of {EMAIL} declined")
    }
}

impl Error for Declined {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

#[derive(DdTags)]
struct Customer<'a> {
    email: &'a str,
    #[dd_tag(redact)]
    password: &'a str,
    #[dd_tag(hash, rename = "customer.hash")]
    id: &'a str,
    plan: &'a str,
}

/// Not `Display`: only `redact(..)` can tag with it.
struct Card<'a> {
    number: &'a str,
}

#[dd_span(
    kind = "client",
    peer = "payments",
    resource = format!("charge {}", card.number),
    tags(
        card = card.number,
        card.redacted = redact(card),
        user = hash(customer.email),
        authorization = format!("Bearer {TOKEN}"),
        db.url = format!("postgres://shop:{PASSWORD}@db:5432/shop"),
        ..customer
    )
)]
#[dd_timed(tags(card = card.number, card.redacted = redact(card), ..customer))]
fn charge(card: &Card<'_>, customer: &Customer<'_>) -> Result<(), Declined> {
    tracing::warn!(card = card.number, email = customer.email, "charging {} for {}", card.number, customer.email);
    tracing::info!(url = %format_args!("postgres://shop:{PASSWORD}@db/shop"), "Authorization: Bearer {TOKEN}");
    Err(Declined(Connect))
}

#[dd_span]
fn refund(email: &str) {
    panic!("refund of {email} with card {CARD} failed");
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} carries `{secret}`: {text}");
    }
}

/// The hash `user = hash(email)` sends: HMAC-SHA256 with the deployment's key, 16 hex digits.
fn email_hash() -> String {
    Redaction::default().hash_key(HASH_KEY).unwrap().hash(EMAIL)
}

/// Runs the program with `env` (plus the redaction settings) and returns the JSON log output.
fn run(env: &[(&str, &str)]) -> String {
    let env: HashMap<String, String> = env
        .iter()
        .chain(&[
            ("DD_SERVICE", "no-secret"),
            // The operator's configuration: sent as it is, never redacted.
            ("DD_TAGS", "owner:ops@example.com"),
            ("DD_INSTRUMENT_REDACT", "bearer"),
            ("DD_INSTRUMENT_REDACT_HASH_KEY", HASH_KEY),
        ])
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let guard = dd_instrument::builder().env_source(env).flush_interval(Duration::from_hours(1)).build().unwrap();
    let logs = SharedWriter::default();
    let subscriber = tracing_subscriber::registry()
        .with(guard.layer())
        .with(dd_instrument::logs::json_layer(guard.service_info()).with_writer(logs.clone()));
    tracing::subscriber::with_default(subscriber, || {
        let customer = Customer { email: EMAIL, password: PASSWORD, id: EMAIL, plan: "pro" };
        assert!(charge(&Card { number: CARD }, &customer).is_err());
        assert!(std::panic::catch_unwind(|| refund(EMAIL)).is_err());
        let error = Declined(Connect);
        tracing::error!(error = &error as &dyn Error, "payment failed: {error}");
    });
    assert!(guard.flush(), "export completes");
    drop(guard);
    logs.text()
}

/// The span attributes every path must show for `charge` and `refund`, as `key -> text`.
fn check_attributes(charge: &BTreeMap<String, String>, refund: &BTreeMap<String, String>) {
    let hash = email_hash();
    let expected = [
        ("card", "[REDACTED:card]"),
        ("card.redacted", "[REDACTED]"),
        ("user", hash.as_str()),
        ("authorization", "Bearer [REDACTED:token]"),
        ("db.url", "postgres://[REDACTED:credentials]@db:5432/shop"),
        ("email", "[REDACTED:email]"),
        ("password", "[REDACTED]"),
        ("customer.hash", hash.as_str()),
        ("plan", "pro"),
        ("error.message", "card [REDACTED:card] of [REDACTED:email] declined"),
    ];
    for (key, value) in expected {
        assert_eq!(charge.get(key).map(String::as_str), Some(value), "`{key}` of the charge span: {charge:#?}");
    }
    assert!(
        charge["error.stack"].ends_with(
            "caused by: connect postgres://[REDACTED:credentials]@db:5432/shop with Authorization: Bearer \
             [REDACTED:token]: refused"
        ),
        "{charge:#?}"
    );
    assert_eq!(
        refund.get("error.message").map(String::as_str),
        Some("refund of [REDACTED:email] with card [REDACTED:card] failed"),
        "{refund:#?}"
    );
}

fn check_logs(logs: &str) {
    assert_no_secret("a log line", logs);
    for expected in [
        r#""message":"charging [REDACTED:card] for [REDACTED:email]""#,
        r#""card":"[REDACTED:card]""#,
        r#""message":"Authorization: Bearer [REDACTED:token]""#,
        r#""url":"postgres://[REDACTED:credentials]@db/shop""#,
        r#""error.message":"card [REDACTED:card] of [REDACTED:email] declined""#,
    ] {
        assert!(logs.contains(expected), "the logs lack {expected}: {logs}");
    }
}

#[test]
fn native_path_no_secret_reaches_the_test_agent() {
    let Some(agent) = test_agent("native_path_no_secret_reaches_the_test_agent") else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    agent.start_session("");
    let statsd = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback UDP socket");
    statsd.set_read_timeout(Some(Duration::from_millis(500))).expect("read timeout");
    let dogstatsd = format!("udp://{}", statsd.local_addr().unwrap());
    let logs = run(&[
        ("DD_TRACE_AGENT_URL", &agent.url),
        ("OTEL_TRACES_EXPORTER", "datadog"),
        ("OTEL_METRICS_EXPORTER", "dogstatsd"),
        ("DD_DOGSTATSD_URL", &dogstatsd),
    ]);

    // Every byte of every trace the agent holds, then the two spans' tags.
    let spans = agent.wait_native_spans("no-secret", |spans| spans.len() >= 2);
    assert_no_secret("the test agent's native traces", &Value::from(agent.native_traces()).to_string());
    let meta = |name: &str| -> BTreeMap<String, String> {
        let span = spans.iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("no {name} span: {spans:#?}"));
        let meta = span["meta"].as_object().expect("meta");
        meta.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect()
    };
    let charge_span = spans.iter().find(|s| s["name"] == "no_secret_agent.charge").expect("the charge span");
    assert_eq!(charge_span["resource"], "charge [REDACTED:card]");
    check_attributes(&meta("no_secret_agent.charge"), &meta("no_secret_agent.refund"));
    // `DD_TAGS`: normalized by Datadog's tag rules (`@` is not a tag character), never redacted.
    assert_eq!(meta("no_secret_agent.charge").get("owner").map(String::as_str), Some("ops_example.com"));

    let mut datagrams = Vec::new();
    let mut buf = vec![0u8; 65_536];
    while let Ok(n) = statsd.recv(&mut buf) {
        datagrams.extend_from_slice(&buf[..n]);
        datagrams.push(b'\n');
    }
    let datagrams = String::from_utf8(datagrams).expect("UTF-8 datagrams");
    assert_no_secret("a DogStatsD datagram", &datagrams);
    let timer = datagrams
        .lines()
        .find(|line| line.starts_with("no_secret_agent.charge.duration:"))
        .unwrap_or_else(|| panic!("no timer datagram: {datagrams}"));
    let hash = email_hash();
    for tag in [
        "card:_redacted:card",
        "card.redacted:_redacted",
        "email:_redacted:email",
        "password:_redacted",
        &format!("customer.hash:{hash}"),
    ] {
        assert!(timer.split(['|', '#', ',']).any(|t| t == tag), "the timer lacks `{tag}`: {timer}");
    }

    check_logs(&logs);
}

#[test]
fn otlp_path_no_secret_reaches_the_test_agent() {
    let Some(agent) = test_agent("otlp_path_no_secret_reaches_the_test_agent") else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let token = "no-secret-otlp";
    agent.start_session(token);
    let endpoint = agent.otlp_http.clone();
    let logs = run(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_HEADERS", &format!("x-datadog-test-session-token={token}")),
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_METRICS_EXPORTER", "otlp"),
    ]);

    let traces = wait_otlp(&agent, token);
    assert_no_secret("the test agent's OTLP traces", &Value::from(traces.clone()).to_string());
    let spans: Vec<&Value> = traces
        .iter()
        .flat_map(|request| request["resource_spans"].as_array().into_iter().flatten())
        .flat_map(|rs| rs["scope_spans"].as_array().into_iter().flatten())
        .flat_map(|scope| scope["spans"].as_array().into_iter().flatten())
        .collect();
    let attributes = |name: &str| {
        let span = spans.iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("no {name} span: {spans:#?}"));
        otlp_attributes(&span["attributes"])
    };
    for resource_spans in traces.iter().flat_map(|request| request["resource_spans"].as_array().into_iter().flatten()) {
        let resource = otlp_attributes(&resource_spans["resource"]["attributes"]);
        assert_eq!(resource.get("owner").map(String::as_str), Some("ops_example.com"), "{resource:#?}");
    }
    let charge = attributes("no_secret_agent.charge");
    assert_eq!(charge["resource.name"], "charge [REDACTED:card]");
    check_attributes(&charge, &attributes("no_secret_agent.refund"));
    let charge_span = spans.iter().find(|s| s["name"] == "no_secret_agent.charge").expect("the charge span");
    assert_eq!(charge_span["status"]["message"], "card [REDACTED:card] of [REDACTED:email] declined");

    let metrics = agent.otlp_metrics(token);
    let metrics_text = Value::from(metrics.clone()).to_string();
    assert_no_secret("the test agent's OTLP metrics", &metrics_text);
    let timer = metrics
        .iter()
        .flat_map(|request| request["resource_metrics"].as_array().into_iter().flatten())
        .flat_map(|rm| rm["scope_metrics"].as_array().into_iter().flatten())
        .flat_map(|sm| sm["metrics"].as_array().into_iter().flatten())
        .find(|m| m["name"] == "no_secret_agent.charge.duration")
        .unwrap_or_else(|| panic!("no timer: {metrics_text}"));
    let point = otlp_attributes(&timer["histogram"]["data_points"][0]["attributes"]);
    let hash = email_hash();
    for (key, value) in [
        ("card", "_redacted:card"),
        ("card.redacted", "_redacted"),
        ("email", "_redacted:email"),
        ("password", "_redacted"),
        ("customer.hash", hash.as_str()),
    ] {
        assert_eq!(point.get(key).map(String::as_str), Some(value), "`{key}` of the timer: {point:#?}");
    }

    check_logs(&logs);
}

/// The OTLP trace requests of `token`, once both spans arrived.
fn wait_otlp(agent: &TestAgent, token: &str) -> Vec<Value> {
    for _ in 0..200 {
        let traces = agent.otlp_traces(token);
        let text = Value::from(traces.clone()).to_string();
        if text.contains("no_secret_agent.charge") && text.contains("no_secret_agent.refund") {
            return traces;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the test agent did not get both OTLP spans: {:#?}", agent.otlp_traces(token));
}
