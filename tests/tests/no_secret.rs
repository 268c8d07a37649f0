//! End to end: a program with secrets (a card number, an email address, a database password)
//! in arguments listed in tags, in errors (`Display` and the `source()` chain), in panics and in
//! logs runs with the default redaction against an OTLP receiver, a DogStatsD socket and the
//! JSON log layer; no secret appears in any byte received, and the markers do.

use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::net::UdpSocket;
use std::time::Duration;

use dd_instrument::{DdTags, dd_span, dd_timed};
use dd_instrument_tests::otlp;
use dd_instrument_tests::writer::SharedWriter;
use prost::Message as _;
use tracing_subscriber::layer::SubscriberExt as _;

const CARD: &str = "4111 1111 1111 1111";
const EMAIL: &str = "alice@example.com";
const PASSWORD: &str = "hunter2";

/// Every form a secret could take once it left the process.
const SECRETS: [&str; 6] = [CARD, "4111_1111_1111_1111", "4111", EMAIL, "alice_example.com", PASSWORD];

#[derive(Debug)]
struct Connect;

impl fmt::Display for Connect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connect postgres://shop:{PASSWORD}@db:5432/shop: refused")
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
    plan: &'a str,
}

#[dd_span(
    kind = "client",
    peer = "payments",
    tags(card = card, card.redacted = redact(card), user = hash(customer.email), ..customer),
    resource = format!("charge {card}")
)]
#[dd_timed(tags(card = card, card.redacted = redact(card), ..customer))]
fn charge(card: &str, customer: &Customer<'_>) -> Result<(), Declined> {
    tracing::warn!(card, email = customer.email, "charging {card} for {}", customer.email);
    Err(Declined(Connect))
}

#[dd_span]
fn refund(email: &str) {
    panic!("refund of {email} with card {CARD} failed");
}

fn assert_no_secret(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} carries `{secret}`: {text}");
    }
}

#[test]
fn no_secret_leaves_the_process() {
    let receiver = otlp::http();
    let statsd = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback UDP socket");
    statsd.set_read_timeout(Some(Duration::from_millis(500))).expect("read timeout");
    let env: HashMap<String, String> = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_METRICS_EXPORTER", "dogstatsd"),
        ("DD_DOGSTATSD_URL", &format!("udp://{}", statsd.local_addr().unwrap())),
        ("DD_SERVICE", "shop"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let guard = dd_instrument::builder().env_source(env).flush_interval(Duration::from_hours(1)).build().unwrap();
    let logs = SharedWriter::default();
    let subscriber = tracing_subscriber::registry()
        .with(guard.layer())
        .with(dd_instrument::logs::json_layer(guard.service_info()).with_writer(logs.clone()));
    tracing::subscriber::with_default(subscriber, || {
        let customer = Customer { email: EMAIL, password: PASSWORD, plan: "pro" };
        assert!(charge(CARD, &customer).is_err());
        assert!(std::panic::catch_unwind(|| refund(EMAIL)).is_err());
        let error = Declined(Connect);
        tracing::error!(error = &error as &dyn Error, "payment failed: {error}");
    });
    assert!(guard.flush(), "export completes");
    drop(guard);
    receiver.wait_for(|r| !r.traces.lock().unwrap().is_empty());

    // OTLP: the requests as received, encoded again, and every decoded field.
    let traces = receiver.traces();
    for request in &traces {
        assert_no_secret("an OTLP request", &request.encode_to_vec());
        assert_no_secret("an OTLP request", format!("{request:?}").as_bytes());
    }
    let spans: Vec<_> =
        traces.iter().flat_map(|r| &r.resource_spans).flat_map(|r| &r.scope_spans).flat_map(|s| &s.spans).collect();
    let charge = spans.iter().find(|s| s.name == "no_secret.charge").expect("the charge span arrived");
    let attributes = otlp::attributes(&charge.attributes);
    assert_eq!(attributes["card"], "[REDACTED:card]");
    assert_eq!(attributes["email"], "[REDACTED:email]");
    assert_eq!(attributes["password"], "[REDACTED]");
    assert_eq!(attributes["card.redacted"], "[REDACTED]");
    // No hashing key in this process: a marker, never an unkeyed hash.
    assert_eq!(attributes["user"], "[REDACTED:hash]");
    assert_eq!(attributes["resource.name"], "charge [REDACTED:card]");
    assert_eq!(attributes["error.message"], "card [REDACTED:card] of [REDACTED:email] declined");
    assert!(attributes["error.stack"].ends_with("postgres://[REDACTED:credentials]@db:5432/shop: refused"));
    let refund = spans.iter().find(|s| s.name == "no_secret.refund").expect("the refund span arrived");
    assert_eq!(
        otlp::attributes(&refund.attributes)["error.message"],
        "refund of [REDACTED:email] with card [REDACTED:card] failed"
    );

    // DogStatsD: every datagram.
    let mut datagrams = Vec::new();
    let mut buf = vec![0u8; 65_536];
    while let Ok(n) = statsd.recv(&mut buf) {
        datagrams.extend_from_slice(&buf[..n]);
        datagrams.push(b'\n');
    }
    assert_no_secret("a DogStatsD datagram", &datagrams);
    let datagrams = String::from_utf8(datagrams).unwrap();
    assert!(
        datagrams.contains("no_secret.charge.duration:")
            && datagrams.contains("card:_redacted:card")
            && datagrams.contains("card.redacted:_redacted"),
        "{datagrams}"
    );

    // JSON logs.
    let logs = logs.bytes();
    assert_no_secret("a log line", &logs);
    let logs = String::from_utf8(logs).unwrap();
    assert!(logs.contains(r#""message":"charging [REDACTED:card] for [REDACTED:email]""#), "{logs}");
    assert!(logs.contains(r#""error.message":"card [REDACTED:card] of [REDACTED:email] declined""#), "{logs}");
}

/// A value that counts how often it is formatted.
struct Counted<'a>(&'a std::sync::atomic::AtomicUsize);

impl fmt::Display for Counted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f.write_str("alice")
    }
}

#[dd_span(tags(secret = redact(secret), user = hash(user)))]
#[dd_timed(tags(secret = redact(secret)))]
fn sign_in(secret: &Counted<'_>, user: &Counted<'_>) {
    let _ = (secret, user);
}

#[test]
fn redact_never_formats_and_hash_formats_only_for_a_recorded_span() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (secret, user) = (AtomicUsize::new(0), AtomicUsize::new(0));
    // No subscriber on this thread: the span is not recorded, nothing is formatted.
    sign_in(&Counted(&secret), &Counted(&user));
    assert_eq!((secret.load(Ordering::Relaxed), user.load(Ordering::Relaxed)), (0, 0));

    let ((), captured) = dd_instrument::testing::capture(|| sign_in(&Counted(&secret), &Counted(&user)));
    assert_eq!((secret.load(Ordering::Relaxed), user.load(Ordering::Relaxed)), (0, 1));
    let span = captured.span("no_secret.sign_in");
    assert_eq!(span.attribute("secret").map(ToString::to_string).as_deref(), Some("[REDACTED]"));
    // No hashing key in this process: a marker, never an unkeyed hash.
    assert_eq!(span.attribute("user").map(ToString::to_string).as_deref(), Some("[REDACTED:hash]"));
    assert!(
        captured.metric("no_secret.sign_in.duration", &["outcome:ok", "secret:_redacted"]).is_some(),
        "{:?}",
        captured.metrics()
    );
}
