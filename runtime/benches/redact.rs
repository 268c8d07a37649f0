//! What redaction and SQL obfuscation cost on the values the crate sends: a typical tag value,
//! a typical error message, an error message with a card number and an email address, a value
//! of 10,000 characters; and the obfuscation of a typical statement, against Datadog's own
//! obfuscator when the `datadog` feature builds it. Results go to docs/PERFORMANCE.md.
//!
//! Run: `cargo bench -p dd-instrument --bench redact` (add `--features datadog` for the
//! comparison with `libdd-trace-obfuscation`).
//!
//! The `per_call` group measures whole calls through the wired path (span, metric tags, error
//! record) with the process's redaction: on (the default detectors) unless `BENCH_REDACTION=off`
//! (then `Redaction::none()`). A process has one redaction, set by its first start, so on and off
//! are two runs: `BENCH_REDACTION=off cargo bench -p dd-instrument --bench redact -- per_call`.

use std::collections::BTreeMap;
use std::fmt;
use std::hint::black_box;
use std::net::UdpSocket;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dd_instrument::db::{DbCall, obfuscate_statement};
use dd_instrument::{Detector, DogStatsdAddr, MetricsExporter, Redaction, TracesExporter, dd_span, dd_timed};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SimpleSpanProcessor, SpanData, SpanExporter};
use tracing_subscriber::prelude::*;

const ERROR: &str = "connection refused (os error 111)";
const ERROR_WITH_PII: &str = "payment declined for card 4111 1111 1111 1111 of alice@example.com: insufficient funds";
const STATEMENT: &str = "SELECT o.id, o.total FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = 'alice@example.com' \
     AND o.status IN ('paid', 'shipped', 'delivered') AND o.total > 100.50 ORDER BY o.created_at DESC LIMIT 20";

fn long_value() -> String {
    let value = "the quick brown fox jumps over the lazy dog, again and again; ".repeat(162);
    assert!(value.len() >= 10_000);
    value
}

fn redaction(c: &mut Criterion) {
    let default = Redaction::default();
    let all = Redaction::none().apply_switch("all").unwrap();
    let keyed = Redaction::default().hash_key("a per-deployment key of 32 bytes").unwrap();
    let long = long_value();
    let long_with_pii = format!("{long}{ERROR_WITH_PII}");

    let mut group = c.benchmark_group("redact");
    // What every exporter pays anyway: the value copied into an attribute.
    group.bench_function("baseline: copy tag eu-west-1", |b| b.iter(|| black_box("eu-west-1").to_owned()));
    group.bench_function("baseline: copy error message", |b| b.iter(|| black_box(ERROR).to_owned()));
    group.bench_function("baseline: copy 10k chars", |b| b.iter(|| black_box(long.as_str()).to_owned()));
    for (name, redaction) in [("default", &default), ("all", &all)] {
        group.bench_function(format!("{name}/tag eu-west-1"), |b| b.iter(|| redaction.redact(black_box("eu-west-1"))));
        group.bench_function(format!("{name}/tag ord_8f3k2"), |b| b.iter(|| redaction.redact(black_box("ord_8f3k2"))));
        group.bench_function(format!("{name}/error message"), |b| b.iter(|| redaction.redact(black_box(ERROR))));
        group.bench_function(format!("{name}/error with card and email"), |b| {
            b.iter(|| redaction.redact(black_box(ERROR_WITH_PII)));
        });
        group.bench_function(format!("{name}/10k chars, nothing found"), |b| {
            b.iter(|| redaction.redact(black_box(&long)));
        });
        group.bench_function(format!("{name}/10k chars, card and email at the end"), |b| {
            b.iter(|| redaction.redact(black_box(&long_with_pii)));
        });
    }
    let kv = Redaction::default().enable(Detector::KvSecrets);
    group.bench_function("kv_secrets/tag region (key checked)", |b| {
        b.iter(|| kv.redact_tag(black_box("region"), black_box("eu-west-1")));
    });
    group.bench_function("hash/email", |b| b.iter(|| keyed.hash(black_box("alice@example.com"))));
    group.finish();
}

fn obfuscation(c: &mut Criterion) {
    let mut group = c.benchmark_group("sql");
    group.bench_function("obfuscate (ours)", |b| {
        b.iter(|| obfuscate_statement(black_box("postgresql"), black_box(STATEMENT)));
    });
    #[cfg(feature = "datadog")]
    {
        use libdd_trace_obfuscation::obfuscation_config::{DbmsKind, SqlConfig};
        let config = SqlConfig::default();
        group.bench_function("obfuscate (libdd-trace-obfuscation)", |b| {
            b.iter(|| libdd_trace_obfuscation::sql::obfuscate_sql(black_box(STATEMENT), &config, DbmsKind::Postgresql));
        });
    }
    let call = DbCall {
        system: "postgresql",
        name: Some("shop"),
        statement: Some(STATEMENT),
        host: Some("db.internal"),
        port: Some(5432),
        peer_service: None,
    };
    group.bench_function("DbCall::span (all attributes)", |b| b.iter(|| black_box(&call).span()));
    group.finish();
}

/// Accepts spans and drops them: measures the pipeline, not an exporter.
#[derive(Debug)]
struct Discard;

impl SpanExporter for Discard {
    fn export(&self, batch: Vec<SpanData>) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        drop(batch);
        std::future::ready(Ok(()))
    }
}

/// An error whose `Display` is `message`.
#[derive(Debug)]
struct Failed(&'static str);

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Failed {}

#[dd_span(tags(region = region))]
#[dd_timed(tags(region = region))]
#[inline(never)]
fn tagged(region: &str, x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

#[dd_span(tags(card = redact(card)))]
#[dd_timed(tags(card = redact(card)))]
#[inline(never)]
fn tagged_redact(card: &str, x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

#[dd_span(tags(user = hash(user)))]
#[dd_timed]
#[inline(never)]
fn tagged_hash(user: &str, x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

#[dd_span]
#[dd_timed]
#[inline(never)]
fn failing(message: &'static str) -> Result<u64, Failed> {
    Err(Failed(black_box(message)))
}

fn per_call(c: &mut Criterion) {
    let off = std::env::var("BENCH_REDACTION").is_ok_and(|mode| mode == "off");
    let (mode, redaction) = if off { ("off", Redaction::none()) } else { ("on", Redaction::default()) };
    let redaction = redaction.hash_key("a per-deployment key of 32 bytes").expect("a long enough key");
    // DogStatsD to a bound socket that nobody reads: the per-call path never sees the network.
    let sink = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = sink.local_addr().expect("address").port();
    let telemetry = dd_instrument::builder()
        .env_source(BTreeMap::new())
        .service("bench")
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::DogStatsd)
        .dogstatsd(DogStatsdAddr::Udp { host: "127.0.0.1".into(), port })
        .span_processor(SimpleSpanProcessor::new(Discard))
        .redaction(redaction)
        .build()
        .expect("telemetry");
    let mut group = c.benchmark_group(format!("per_call (redaction {mode})"));
    group.measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    tracing::subscriber::with_default(tracing_subscriber::registry().with(telemetry.layer()), || {
        group.bench_function("dd_span dd_timed, tag eu-west-1", |b| b.iter(|| tagged(black_box("eu-west-1"), 7)));
        group.bench_function("dd_span dd_timed, tag with a card number", |b| {
            b.iter(|| tagged(black_box("4111 1111 1111 1111"), 7));
        });
        group.bench_function("dd_span dd_timed, tag redact(card)", |b| {
            b.iter(|| tagged_redact(black_box("4111 1111 1111 1111"), 7));
        });
        group.bench_function("dd_span dd_timed, tag hash(email)", |b| {
            b.iter(|| tagged_hash(black_box("alice@example.com"), 7));
        });
        group.bench_function("dd_span dd_timed, failing: error message", |b| b.iter(|| failing(ERROR)));
        group.bench_function("dd_span dd_timed, failing: error with card and email", |b| {
            b.iter(|| failing(ERROR_WITH_PII));
        });
    });
    group.finish();
    drop(telemetry);
}

criterion_group!(benches, redaction, obfuscation, per_call);
criterion_main!(benches);
