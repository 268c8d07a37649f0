//! Cost of one call of the application's metric handles (`dd_instrument::metrics`) against a
//! plain relaxed atomic add and against OpenTelemetry's SDK instruments. Results go to
//! docs/PERFORMANCE.md.
//!
//! Run: `cargo bench -p dd-instrument --bench instruments`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::UdpSocket;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dd_instrument::metrics::{Counter, Distribution, Gauge, Set};
use dd_instrument::{DogStatsdAddr, MetricsExporter, TracesExporter};
use opentelemetry::KeyValue;
use opentelemetry::metrics::MeterProvider as _;

static PLAIN: AtomicU64 = AtomicU64::new(0);
static REQUESTS: Counter = Counter::new("bench.requests").with_tags(&["team:bench"]);
static SIZES: Distribution = Distribution::new("bench.sizes");
static DEPTH: Gauge = Gauge::new("bench.depth");
static USERS: Set = Set::new("bench.users");
static TICK: Gauge = Gauge::new("bench.runtime.gauge");
/// As many series as a runtime metrics sample has points.
const SERIES: [&str; 12] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"];

fn handles(c: &mut Criterion) {
    // DogStatsD to a bound socket that nobody reads; the flusher drains every 2 s meanwhile.
    let sink = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = sink.local_addr().expect("address").port();
    let telemetry = dd_instrument::builder()
        .env_source(BTreeMap::new())
        .service("bench")
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::DogStatsd)
        .dogstatsd(DogStatsdAddr::Udp { host: "127.0.0.1".into(), port })
        .build()
        .expect("telemetry");

    let mut group = c.benchmark_group("instruments");
    group.measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    group.bench_function("plain_atomic_fetch_add", |b| b.iter(|| PLAIN.fetch_add(black_box(1), Ordering::Relaxed)));
    group.bench_function("counter_add", |b| b.iter(|| REQUESTS.add(black_box(1))));
    group.bench_function("counter_add_with_two_tags", |b| {
        b.iter(|| REQUESTS.add_with(black_box(1), &[("route", black_box("/orders/{id}")), ("status", "200")]));
    });
    group.bench_function("distribution_record", |b| b.iter(|| SIZES.record(black_box(1234.5))));
    group.bench_function("gauge_set", |b| b.iter(|| DEPTH.set(black_box(17.0))));
    group.bench_function("set_insert_u64", |b| b.iter(|| USERS.insert(&black_box(8812_u64))));

    let meter_provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
        .with_reader(
            opentelemetry_sdk::metrics::PeriodicReader::builder(
                opentelemetry_sdk::metrics::InMemoryMetricExporter::default(),
            )
            .with_interval(Duration::from_hours(1))
            .build(),
        )
        .build();
    let meter = meter_provider.meter("reference");
    let counter = meter.u64_counter("ref.requests").build();
    let histogram = meter.f64_histogram("ref.sizes").build();
    let none: [KeyValue; 0] = [];
    let two = [KeyValue::new("route", "/orders/{id}"), KeyValue::new("status", "200")];
    group.bench_function("ref_otel_counter_add", |b| b.iter(|| counter.add(black_box(1), &none)));
    group.bench_function("ref_otel_counter_add_two_attributes", |b| b.iter(|| counter.add(black_box(1), &two)));
    group.bench_function("ref_otel_histogram_record", |b| b.iter(|| histogram.record(black_box(1234.5), &none)));
    group.finish();
    drop(telemetry);
    let _ = meter_provider.shutdown();
}

/// What runtime metrics cost: one sample of the collector (every 10 s, on the flusher thread),
/// the flush of that many gauges, and a counter call while they are on (the per-call path does
/// not look at them).
fn runtime_metrics(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let sink = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = sink.local_addr().expect("address").port();
    let telemetry = runtime.block_on(async {
        dd_instrument::builder()
            .env_source(BTreeMap::new())
            .service("bench")
            .traces_exporter(TracesExporter::None)
            .metrics_exporter(MetricsExporter::DogStatsd)
            .dogstatsd(DogStatsdAddr::Udp { host: "127.0.0.1".into(), port })
            .runtime_metrics(true)
            .flush_interval(Duration::from_hours(1))
            .build()
            .expect("telemetry")
    });

    let mut group = c.benchmark_group("runtime_metrics");
    group.measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    let mut with_tokio = dd_instrument::metrics::BenchSampler::new(Some(runtime.handle().clone()));
    assert!(with_tokio.sample() >= 7, "process and tokio figures");
    group.bench_function("sample_process_and_tokio", |b| b.iter(|| black_box(with_tokio.sample())));
    let mut process_only = dd_instrument::metrics::BenchSampler::new(None);
    group.bench_function("sample_process_only", |b| b.iter(|| black_box(process_only.sample())));
    group.bench_function("flush_12_gauges_dogstatsd", |b| {
        b.iter(|| {
            for n in SERIES {
                TICK.set_with(black_box(1.0), &[("n", n)]);
            }
            telemetry.flush()
        });
    });
    group.bench_function("counter_add_runtime_metrics_on", |b| b.iter(|| REQUESTS.add(black_box(1))));
    group.finish();
    drop(telemetry);
}

criterion_group!(benches, handles, runtime_metrics);
criterion_main!(benches);
