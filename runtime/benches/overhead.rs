//! Per-call overhead of the macros against the floor and against what people use today, all in
//! one run so the ratios compare like with like. Results go to docs/PERFORMANCE.md.
//!
//! Run: `cargo bench -p dd-instrument --bench overhead`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::UdpSocket;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use dd_instrument::{DogStatsdAddr, MetricsExporter, TracesExporter, dd_slo, dd_span, dd_timed};
use opentelemetry::KeyValue;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SimpleSpanProcessor, SpanData, SpanExporter};
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

/// The least any "time it and count it" can do: two clock reads and two relaxed atomics.
#[inline(never)]
fn floor(x: u64) -> u64 {
    let start = Instant::now();
    let value = plain(x);
    let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    FLOOR_CALLS.fetch_add(1, Ordering::Relaxed);
    FLOOR_NANOS.fetch_add(nanos, Ordering::Relaxed);
    value
}

#[dd_timed]
#[dd_slo(name = "bench", target = 99.9, latency_ms = 100)]
#[inline(never)]
fn timed_slo(x: u64) -> u64 {
    plain(x)
}

#[dd_span]
#[inline(never)]
fn span_only(x: u64) -> u64 {
    plain(x)
}

#[dd_span(kind = "client", peer = "payments")]
#[dd_timed]
#[dd_slo(name = "bench-stacked", target = 99.9, latency_ms = 100)]
#[inline(never)]
fn stacked(x: u64) -> u64 {
    plain(x)
}

#[tracing::instrument(skip_all)]
#[inline(never)]
fn instrument_skip_all(x: u64) -> u64 {
    plain(x)
}

/// A local trace of two spans: this one and `span_only` under it.
#[dd_span]
#[inline(never)]
fn span_parent(x: u64) -> u64 {
    span_only(x)
}

/// The reference's local trace of two spans.
#[tracing::instrument(skip_all)]
#[inline(never)]
fn instrument_parent(x: u64) -> u64 {
    instrument_skip_all(x)
}

/// Four regions, as a run-time tag of bounded cardinality takes them.
const REGIONS: [&str; 4] = ["eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"];

#[dd_timed(tags(region = region))]
#[dd_slo(name = "bench-tagged", target = 99.9, latency_ms = 100, tags(region = region))]
#[inline(never)]
fn timed_slo_tagged(x: u64, region: &str) -> u64 {
    plain(x)
}

/// The untagged function given the same arguments, so the two rows differ by the tag alone.
#[dd_timed]
#[dd_slo(name = "bench-untagged", target = 99.9, latency_ms = 100)]
#[inline(never)]
fn timed_slo_untagged(x: u64, region: &str) -> u64 {
    black_box(region);
    plain(x)
}

/// What `stacked` is without its attributes: a call that makes a call.
#[inline(never)]
fn unannotated(x: u64) -> u64 {
    plain(x)
}

/// Calls of the runtime before anything is installed: no subscriber, no exporter. Runs first,
/// before any of the other benchmarks installs one.
fn uninitialised_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("per_call_uninit");
    group.measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    group.bench_function("plain_call", |b| b.iter(|| plain(black_box(7))));
    group.bench_function("unannotated_same_body", |b| b.iter(|| unannotated(black_box(7))));
    group.bench_function("dd_span_dd_timed_dd_slo", |b| b.iter(|| stacked(black_box(7))));
    group.finish();
}

#[allow(clippy::too_many_lines, reason = "one linear list of benchmarks that must run in one process")]
fn benches(c: &mut Criterion) {
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
        .build()
        .expect("telemetry");

    let mut group = c.benchmark_group("per_call");
    group.measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));

    group.bench_function("plain_call", |b| b.iter(|| plain(black_box(7))));
    group.bench_function("floor_instant_pair_two_atomics", |b| b.iter(|| floor(black_box(7))));
    group.bench_function("dd_timed_dd_slo_dogstatsd", |b| b.iter(|| timed_slo(black_box(7))));
    let mut next = 0_usize;
    let mut region = || {
        next = next.wrapping_add(1);
        REGIONS[next % REGIONS.len()]
    };
    group.bench_function("dd_timed_dd_slo_same_arguments", |b| {
        b.iter(|| timed_slo_untagged(black_box(7), black_box(region())));
    });
    group.bench_function("dd_timed_dd_slo_runtime_tag", |b| {
        b.iter(|| timed_slo_tagged(black_box(7), black_box(region())));
    });

    let ours = tracing_subscriber::registry().with(telemetry.layer());
    tracing::subscriber::with_default(ours, || {
        group.bench_function("dd_span", |b| b.iter(|| span_only(black_box(7))));
        group.bench_function("dd_span_dd_timed_dd_slo", |b| b.iter(|| stacked(black_box(7))));
    });

    // References, each with the same pipeline: a simple processor and a discarding exporter, so
    // the numbers are the calling thread's own work.
    let provider = SdkTracerProvider::builder().with_simple_exporter(Discard).build();
    let default_layer =
        tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(provider.tracer("reference")));
    tracing::subscriber::with_default(default_layer, || {
        group.bench_function("ref_instrument_skip_all_otel_layer", |b| b.iter(|| instrument_skip_all(black_box(7))));
    });
    // Floors of any span pipeline built on OpenTelemetry's SDK, whatever replaces
    // tracing-opentelemetry: the SDK span alone with what a `#[dd_span]` exports (six static
    // attributes, no string allocated), then made current as a span must be for its children
    // and logs, then with the `tracing` span the macro makes for the other layers.
    let floor_tracer = provider.tracer("floor");
    group.bench_function("floor_sdk_span_six_static_attributes", |b| {
        b.iter(|| sdk_span(&floor_tracer, || plain(black_box(7)), false));
    });
    group.bench_function("floor_sdk_span_made_current", |b| {
        b.iter(|| sdk_span(&floor_tracer, || plain(black_box(7)), true));
    });
    tracing::subscriber::with_default(
        tracing_subscriber::registry().with(tracing_subscriber::layer::Identity::new()),
        || {
            group.bench_function("floor_sdk_span_made_current_and_registry_span", |b| {
                b.iter(|| {
                    sdk_span(&floor_tracer, || tracing::info_span!("bare").in_scope(|| plain(black_box(7))), true)
                });
            });
        },
    );

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
    let histogram = meter.f64_histogram("hand.duration").with_unit("ms").build();
    let total = meter.u64_counter("hand.total").build();
    let good = meter.u64_counter("hand.good").build();
    let attributes = [KeyValue::new("service", "bench"), KeyValue::new("env", "bench"), KeyValue::new("outcome", "ok")];
    let hand_layer =
        tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(provider.tracer("hand")));
    tracing::subscriber::with_default(hand_layer, || {
        group.bench_function("ref_hand_written_span_histogram_two_counters", |b| {
            b.iter(|| {
                let span = tracing::info_span!("hand.call", otel.kind = "client", "peer.service" = "payments");
                let _entered = span.enter();
                let start = Instant::now();
                let value = plain(black_box(7));
                let elapsed = start.elapsed().as_secs_f64() * 1e3;
                histogram.record(elapsed, &attributes);
                total.add(1, &attributes);
                good.add(1, &attributes);
                value
            });
        });
    });

    let statsd_target = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let statsd_addr = statsd_target.local_addr().expect("address").to_string();
    let client = dogstatsd::Client::new(
        dogstatsd::OptionsBuilder::new().from_addr("127.0.0.1:0".into()).to_addr(statsd_addr).build(),
    )
    .expect("dogstatsd client");
    group.bench_function("ref_dogstatsd_crate_timing_and_incr", |b| {
        b.iter(|| {
            let start = Instant::now();
            let value = plain(black_box(7));
            let ms = i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX);
            let _ = client.timing("bench.duration", ms, ["outcome:ok"]);
            let _ = client.incr("bench.total", ["outcome:ok"]);
            value
        });
    });

    // Two threads calling the same function at once: contention on the site's atomics.
    group.bench_function("dd_timed_dd_slo_two_threads", |b| {
        b.iter_custom(|n| on_two_threads(n, || timed_slo(black_box(7))));
    });
    group.bench_function("floor_two_threads", |b| b.iter_custom(|n| on_two_threads(n, || floor(black_box(7)))));
    group.finish();
    drop(telemetry);
    let _ = provider.shutdown();
}

/// One span through OpenTelemetry's SDK alone, with the attributes a `#[dd_span]` exports, made
/// current around `call` when `current`.
fn sdk_span<T: opentelemetry::trace::Tracer>(tracer: &T, call: impl FnOnce() -> u64, current: bool) -> u64
where
    T::Span: Send + Sync + 'static,
{
    use opentelemetry::trace::{Span as _, SpanKind, TraceContextExt as _};
    let span = tracer
        .span_builder("overhead.span_only")
        .with_kind(SpanKind::Internal)
        .with_attributes([
            KeyValue::new("operation.name", "overhead.span_only"),
            KeyValue::new("resource.name", "span_only"),
            KeyValue::new("code.function.name", "overhead::span_only"),
            KeyValue::new("code.file.path", file!()),
            KeyValue::new("code.line.number", i64::from(line!())),
            KeyValue::new("code.module.name", module_path!()),
        ])
        .start(tracer);
    if current {
        let cx = opentelemetry::Context::current_with_span(span);
        let value = {
            let _attached = cx.clone().attach();
            call()
        };
        cx.span().end();
        value
    } else {
        let mut span = span;
        let value = call();
        span.end();
        value
    }
}

/// Wall time of two threads each calling `call` `iterations` times at once.
fn on_two_threads(iterations: u64, call: impl Fn() -> u64 + Sync) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..iterations {
                    call();
                }
            });
        }
    });
    start.elapsed()
}

/// The span benchmarks again with a batch processor, as in production: spans cross to the
/// exporter thread, which competes for the two cores and frees the spans' strings there. Noisier
/// than `per_call`, which measures the calling thread's own work.
fn batch_benches(c: &mut Criterion) {
    let telemetry = dd_instrument::builder()
        .env_source(BTreeMap::new())
        .service("bench")
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::None)
        .span_exporter(Discard)
        .build()
        .expect("telemetry");
    let mut group = c.benchmark_group("per_call_batch");
    group.measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    // The subscriber is global here: the two-thread row's threads must see it.
    let subscriber = tracing::Dispatch::new(tracing_subscriber::registry().with(telemetry.layer()));
    tracing::dispatcher::with_default(&subscriber, || {
        group.bench_function("dd_span", |b| b.iter(|| span_only(black_box(7))));
        // Two threads calling one function at once, each with the subscriber: per iteration, the
        // wall time of both threads' calls.
        group.bench_function("dd_span_two_threads", |b| {
            b.iter_custom(|n| {
                let start = Instant::now();
                std::thread::scope(|s| {
                    for _ in 0..2 {
                        s.spawn(|| {
                            tracing::dispatcher::with_default(&subscriber, || {
                                for _ in 0..n {
                                    span_only(black_box(7));
                                }
                            });
                        });
                    }
                });
                start.elapsed()
            });
        });
    });
    let provider = SdkTracerProvider::builder().with_batch_exporter(Discard).build();
    let reference =
        tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(provider.tracer("reference")));
    tracing::subscriber::with_default(reference, || {
        group.bench_function("ref_instrument_skip_all_otel_layer", |b| b.iter(|| instrument_skip_all(black_box(7))));
    });
    group.finish();
    drop(telemetry);
    let _ = provider.shutdown();
}

/// Spans of traces the head decision dropped (sample rate 0), on the calling thread as in
/// `per_call`: a span under a dropped local root, and whole local traces with keep rules on,
/// each against the reference pipeline exporting every span.
fn dropped_benches(c: &mut Criterion) {
    let guard = |vars: &[(&str, &str)]| {
        dd_instrument::builder()
            .env_source(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>())
            .service("bench")
            .traces_exporter(TracesExporter::None)
            .metrics_exporter(MetricsExporter::None)
            .span_processor(SimpleSpanProcessor::new(Discard))
            .build()
            .expect("telemetry")
    };
    let mut group = c.benchmark_group("per_call_dropped");
    group.measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));

    let dropping = guard(&[("DD_TRACE_SAMPLE_RATE", "0")]);
    tracing::subscriber::with_default(tracing_subscriber::registry().with(dropping.layer()), || {
        let root = tracing::info_span!("root");
        let _entered = root.enter();
        group.bench_function("dd_span_in_dropped_trace", |b| b.iter(|| span_only(black_box(7))));
    });
    // Another layer (a log formatter, say) keeps the `tracing` spans alive: the registry still
    // makes each span, only the OpenTelemetry layer skips it.
    let other = tracing_subscriber::layer::Identity::new();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(dropping.layer()).with(other), || {
        let root = tracing::info_span!("root");
        let _entered = root.enter();
        group.bench_function("dd_span_in_dropped_trace_other_layer", |b| b.iter(|| span_only(black_box(7))));
    });
    drop(dropping);
    // What the registry alone costs for a span that one layer wants and does nothing with.
    tracing::subscriber::with_default(
        tracing_subscriber::registry().with(tracing_subscriber::layer::Identity::new()),
        || {
            group.bench_function("ref_tracing_span_registry_only", |b| {
                b.iter(|| tracing::info_span!("bare").in_scope(|| plain(black_box(7))));
            });
        },
    );

    let keeping = guard(&[
        ("DD_TRACE_SAMPLE_RATE", "0"),
        ("DD_INSTRUMENT_KEEP_ERRORS", "true"),
        ("DD_INSTRUMENT_KEEP_SLOW_MS", "500"),
    ]);
    tracing::subscriber::with_default(tracing_subscriber::registry().with(keeping.layer()), || {
        group.bench_function("two_span_trace_dropped_keep_rules", |b| b.iter(|| span_parent(black_box(7))));
    });
    drop(keeping);
    let exporting = guard(&[]);
    tracing::subscriber::with_default(tracing_subscriber::registry().with(exporting.layer()), || {
        group.bench_function("two_span_trace_exported", |b| b.iter(|| span_parent(black_box(7))));
    });
    drop(exporting);

    let provider = SdkTracerProvider::builder().with_simple_exporter(Discard).build();
    let reference =
        tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(provider.tracer("reference")));
    tracing::subscriber::with_default(reference, || {
        group.bench_function("ref_instrument_skip_all_otel_layer", |b| b.iter(|| instrument_skip_all(black_box(7))));
        group.bench_function("ref_two_span_trace_instrument_otel_layer", |b| {
            b.iter(|| instrument_parent(black_box(7)));
        });
    });
    group.finish();
    let _ = provider.shutdown();
}

criterion_group!(overhead, uninitialised_benches, benches, batch_benches, dropped_benches);

fn main() {
    if let Ok(spec) = std::env::var("OVERHEAD_CALLS") {
        repeat(&spec);
        return;
    }
    overhead();
    Criterion::default().configure_from_args().final_summary();
}

/// `OVERHEAD_CALLS=<row>:<n>`: calls one row's function `n` times and exits, for counting
/// instructions, which the load of a shared machine does not change: the difference between two
/// runs under `valgrind --tool=callgrind` (or `perf stat -e instructions`) with different `n`,
/// divided by the difference of `n`, is the instructions per call.
fn repeat(spec: &str) {
    let (row, n) = spec.split_once(':').expect("OVERHEAD_CALLS=<row>:<n>");
    let n: u64 = n.parse().expect("a number of calls");
    let sink = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = sink.local_addr().expect("address").port();
    let installed = !row.ends_with("_uninit") && !["plain_call", "unannotated_same_body"].contains(&row);
    let dropped = row == "dd_span_in_dropped_trace";
    let keep_rules = row == "two_span_trace_dropped_keep_rules";
    let telemetry = installed.then(|| {
        let mut env = BTreeMap::new();
        if dropped || keep_rules {
            env.insert("DD_TRACE_SAMPLE_RATE".to_owned(), "0".to_owned());
        }
        if keep_rules {
            env.insert("DD_INSTRUMENT_KEEP_ERRORS".to_owned(), "true".to_owned());
            env.insert("DD_INSTRUMENT_KEEP_SLOW_MS".to_owned(), "500".to_owned());
        }
        dd_instrument::builder()
            .env_source(env)
            .service("bench")
            .traces_exporter(TracesExporter::None)
            .metrics_exporter(MetricsExporter::DogStatsd)
            .dogstatsd(DogStatsdAddr::Udp { host: "127.0.0.1".into(), port })
            .span_processor(SimpleSpanProcessor::new(Discard))
            .build()
            .expect("telemetry")
    });
    // The span rows need the layer; the dropped-trace row a dropped local root around the calls.
    let _subscriber = telemetry
        .as_ref()
        .filter(|_| row.starts_with("dd_span") || row.starts_with("two_span"))
        .map(|telemetry| tracing::subscriber::set_default(tracing_subscriber::registry().with(telemetry.layer())));
    let root = if dropped { tracing::info_span!("root") } else { tracing::Span::none() };
    let _root = root.enter();
    let mut sum = 0_u64;
    for i in 0..n {
        let region = REGIONS[usize::try_from(i % 4).expect("small")];
        sum = sum.wrapping_add(match row {
            "plain_call" => plain(black_box(7)),
            "floor_instant_pair_two_atomics" => floor(black_box(7)),
            "dd_timed_dd_slo_dogstatsd" => timed_slo(black_box(7)),
            "unannotated_same_body" => unannotated(black_box(7)),
            "dd_span_dd_timed_dd_slo_uninit" => stacked(black_box(7)),
            "dd_span" | "dd_span_in_dropped_trace" => span_only(black_box(7)),
            "two_span_trace_exported" | "two_span_trace_dropped_keep_rules" => span_parent(black_box(7)),
            "dd_timed_dd_slo_same_arguments" => timed_slo_untagged(black_box(7), black_box(region)),
            "dd_timed_dd_slo_runtime_tag" => timed_slo_tagged(black_box(7), black_box(region)),
            other => panic!("no row {other}"),
        });
    }
    black_box(sum);
    drop(telemetry);
}
