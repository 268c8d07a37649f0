//! What continuous profiling at 99 Hz costs an instrumented call: the stacked row of the
//! `overhead` benchmark (`#[dd_span]` + `#[dd_timed]` + `#[dd_slo]`) and the floor, with
//! profiling off and on, in one run. Results go to docs/PERFORMANCE.md.
//!
//! Run: `cargo bench -p dd-instrument --features profiling --bench profiling`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::UdpSocket;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use dd_instrument::{DogStatsdAddr, MetricsExporter, TracesExporter, dd_slo, dd_span, dd_timed};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SimpleSpanProcessor, SpanData, SpanExporter};
use tracing_subscriber::prelude::*;

/// Accepts spans and drops them: measures the pipeline, not an exporter.
#[derive(Debug)]
struct Discard;

impl SpanExporter for Discard {
    fn export(&self, batch: Vec<SpanData>) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        drop(batch);
        std::future::ready(Ok(()))
    }
}

#[inline(never)]
fn plain(x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

static FLOOR_CALLS: AtomicU64 = AtomicU64::new(0);
static FLOOR_NANOS: AtomicU64 = AtomicU64::new(0);

/// Two clock reads and two relaxed atomics, as in the `overhead` benchmark.
#[inline(never)]
fn floor(x: u64) -> u64 {
    let start = Instant::now();
    let value = plain(x);
    let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    FLOOR_CALLS.fetch_add(1, Ordering::Relaxed);
    FLOOR_NANOS.fetch_add(nanos, Ordering::Relaxed);
    value
}

#[dd_span(kind = "client", peer = "payments")]
#[dd_timed]
#[dd_slo(name = "bench-profiled", target = 99.9, latency_ms = 100)]
#[inline(never)]
fn stacked(x: u64) -> u64 {
    plain(x)
}

fn with_profiling(c: &mut Criterion, profiling: bool) {
    // DogStatsD to a bound socket that nobody reads; profiles to a port nobody listens on (the
    // first upload would come after 60 s; the last one, at drop, is refused at once).
    let sink = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = sink.local_addr().expect("address").port();
    let no_agent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let telemetry = dd_instrument::builder()
        .env_source(BTreeMap::from([("DD_TRACE_AGENT_URL".to_owned(), format!("http://127.0.0.1:{no_agent}"))]))
        .service("bench")
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::DogStatsd)
        .dogstatsd(DogStatsdAddr::Udp { host: "127.0.0.1".into(), port })
        .span_processor(SimpleSpanProcessor::new(Discard))
        .profiling(profiling)
        .profiling_hz(99)
        .shutdown_timeout(Duration::from_secs(1))
        .build()
        .expect("telemetry");
    let suffix = if profiling { "profiling_99hz" } else { "profiling_off" };
    let mut group = c.benchmark_group("profiling");
    group.measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    group.bench_function(format!("floor_{suffix}"), |b| b.iter(|| floor(black_box(7))));
    let ours = tracing_subscriber::registry().with(telemetry.layer());
    tracing::subscriber::with_default(ours, || {
        group.bench_function(format!("dd_span_dd_timed_dd_slo_{suffix}"), |b| b.iter(|| stacked(black_box(7))));
    });
    group.finish();
    drop(telemetry);
}

fn benches(c: &mut Criterion) {
    with_profiling(c, false);
    with_profiling(c, true);
}

criterion_group!(profiling, benches);
criterion_main!(profiling);
