//! Export throughput: how many spans per second the whole pipeline sustains, from `#[dd_span]`
//! calls to bytes on a socket, over OTLP/HTTP and natively to the Agent API. The receiver is a
//! minimal HTTP server on 127.0.0.1 that reads each request whole and answers at once, so the
//! numbers are the process's own work (creating, batching, encoding, sending) on this machine's
//! two cores. Results go to docs/PERFORMANCE.md.
//!
//! Run: `cargo bench -p dd-instrument --bench export --features datadog`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dd_instrument::{MetricsExporter, TracesExporter, dd_span};
use tracing_subscriber::prelude::*;

/// Spans per flush: the batch processor's default queue, so that nothing is dropped.
const BURST: u64 = 2048;

#[dd_span(kind = "client", peer = "payments", resource = "POST /charge")]
#[inline(never)]
fn charge(x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

/// Request bodies received, and their bytes.
#[derive(Default)]
struct Received {
    requests: AtomicU64,
    bytes: AtomicU64,
}

/// A loopback HTTP/1.1 server that answers every request with what an Agent or an OTLP
/// receiver would: `/info` with the Agent's endpoints, trace payloads with empty rates, the rest
/// with an empty 200.
fn sink() -> (String, Arc<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let received = Arc::new(Received::default());
    let counts = Arc::clone(&received);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counts = Arc::clone(&counts);
            std::thread::spawn(move || serve(stream, &counts));
        }
    });
    (url, received)
}

fn serve(stream: TcpStream, received: &Received) {
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let (mut length, mut chunked) = (0usize, false);
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let header = line.trim_end().to_ascii_lowercase();
            if header.is_empty() {
                break;
            }
            if let Some(value) = header.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            chunked |= header.starts_with("transfer-encoding:") && header.contains("chunked");
        }
        let body = if chunked { read_chunked(&mut reader) } else { read_exact(&mut reader, length) };
        let Some(body) = body else { return };
        received.requests.fetch_add(1, Ordering::Relaxed);
        received.bytes.fetch_add(body as u64, Ordering::Relaxed);
        let answer = match path.as_str() {
            "/info" => {
                r#"{"version":"7.60.0","endpoints":["/v0.4/traces","/v0.5/traces","/v0.6/stats"],"client_drop_p0s":false}"#
            }
            p if p.starts_with("/v0.") => r#"{"rate_by_service":{}}"#,
            _ => "",
        };
        let kind = if answer.is_empty() { "application/x-protobuf" } else { "application/json" };
        let head = format!("HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n\r\n", answer.len());
        if writer.write_all(head.as_bytes()).and_then(|()| writer.write_all(answer.as_bytes())).is_err() {
            return;
        }
    }
}

fn read_exact(reader: &mut BufReader<TcpStream>, length: usize) -> Option<usize> {
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok().map(|()| length)
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Option<usize> {
    let mut total = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let size = usize::from_str_radix(line.trim().split(';').next()?, 16).ok()?;
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).ok()?;
        total += size;
        if size == 0 {
            return Some(total);
        }
    }
}

fn throughput(c: &mut Criterion) {
    let (url, received) = sink();
    let mut group = c.benchmark_group("export");
    group.throughput(Throughput::Elements(BURST)).sample_size(20).measurement_time(Duration::from_secs(8));

    let mut paths: Vec<(&str, dd_instrument::Builder)> = vec![
        ("otlp_http", dd_instrument::builder().traces_exporter(TracesExporter::Otlp).otlp_endpoint(url.clone())),
        // The same OTLP/HTTP export through OpenTelemetry's exporter (as `init` built it before its
        // own encoder), behind the SDK's batch processor: the baseline of the row above.
        (
            "otlp_http_sdk",
            dd_instrument::builder().traces_exporter(TracesExporter::None).span_exporter(sdk_http_exporter(&url)),
        ),
    ];
    if cfg!(feature = "datadog") {
        paths.push((
            "native",
            dd_instrument::builder().traces_exporter(TracesExporter::Datadog).trace_agent_url(url.clone()),
        ));
    }
    for (name, builder) in paths {
        let telemetry = builder
            .env_source(BTreeMap::new())
            .service("bench")
            .metrics_exporter(MetricsExporter::None)
            .build()
            .expect("telemetry");
        let before = received.bytes.load(Ordering::Relaxed);
        let subscriber = tracing_subscriber::registry().with(telemetry.layer());
        tracing::subscriber::with_default(subscriber, || {
            group.bench_function(name, |b| {
                b.iter_custom(|bursts| {
                    let start = Instant::now();
                    for _ in 0..bursts {
                        for i in 0..BURST {
                            charge(i);
                        }
                        telemetry.flush();
                    }
                    start.elapsed()
                });
            });
        });
        let stats = telemetry.stats().spans;
        println!(
            "{name}: {} bytes received in {} requests; spans sent {}, dropped {}, failed {}",
            received.bytes.load(Ordering::Relaxed) - before,
            received.requests.load(Ordering::Relaxed),
            stats.sent,
            stats.dropped,
            stats.failed
        );
    }
    group.finish();
}

/// Encoding and sending alone: batches of finished spans, as the batch processor hands them
/// over, through OpenTelemetry's OTLP/HTTP exporter (as `init` built it before its own encoder)
/// to the same receiver. `init`'s own OTLP/HTTP exporter is crate-private: its encode-and-send
/// timing is the ignored unit test `otlp::spans::tests::encode_and_send_timing`.
/// The spans are copies of one `#[dd_span]` span, each with its own ids; making the copies is
/// outside the measurement.
fn encode_and_send(c: &mut Criterion) {
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanExporter as _};

    let captured = InMemorySpanExporter::default();
    let telemetry = dd_instrument::builder()
        .env_source(BTreeMap::new())
        .service("bench")
        .traces_exporter(TracesExporter::None)
        .span_exporter(captured.clone())
        .metrics_exporter(MetricsExporter::None)
        .build()
        .expect("telemetry");
    tracing::subscriber::with_default(tracing_subscriber::registry().with(telemetry.layer()), || charge(7));
    assert!(telemetry.flush());
    let span = captured.get_finished_spans().expect("spans").pop().expect("one span");
    drop(telemetry);
    let batch: Vec<_> = (1..=BURST)
        .map(|i| {
            let mut copy = span.clone();
            let trace = TraceId::from(u128::from(i) << 64 | u128::from(i));
            copy.span_context =
                SpanContext::new(trace, SpanId::from(i), TraceFlags::SAMPLED, false, TraceState::default());
            copy
        })
        .collect();

    let (url, received) = sink();
    let mut exporter = sdk_http_exporter(&url);
    exporter.set_resource(&opentelemetry_sdk::Resource::builder().with_service_name("bench").build());
    let mut group = c.benchmark_group("export_encode_and_send");
    group.throughput(Throughput::Elements(BURST)).sample_size(20).measurement_time(Duration::from_secs(8));
    group.bench_function("otlp_http_sdk", |b| {
        b.iter_batched(
            || batch.clone(),
            |batch| assert!(ready(exporter.export(batch)).is_ok()),
            criterion::BatchSize::LargeInput,
        );
    });
    group.finish();
    println!(
        "encode_and_send: {} bytes received in {} requests",
        received.bytes.load(Ordering::Relaxed),
        received.requests.load(Ordering::Relaxed)
    );
}

/// OpenTelemetry's OTLP/HTTP protobuf span exporter, posting to `url`'s `/v1/traces`.
fn sdk_http_exporter(url: &str) -> opentelemetry_otlp::SpanExporter {
    use opentelemetry_otlp::{Protocol, WithExportConfig as _};
    opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(format!("{url}/v1/traces"))
        .build()
        .expect("exporter")
}

/// The output of a future that does its work when first polled, as the blocking HTTP client's
/// exports do.
fn ready<T>(future: impl std::future::Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::yield_now();
    }
}

criterion_group!(benches, throughput, encode_and_send);
criterion_main!(benches);
