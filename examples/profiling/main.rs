//! A CPU-bound job under continuous profiling, or a local flame graph of it.
//!
//! ```sh
//! # Profiles to the Datadog Agent (DD_TRACE_AGENT_URL, or DD_AGENT_HOST, or localhost:8126), one a minute,
//! # the last one when the job ends:
//! DD_SERVICE=pricing cargo run -p dd-instrument-examples --bin profiling -- --seconds 130
//! # No Agent: a flame graph and a pprof file of 5 s of the job.
//! cargo run -p dd-instrument-examples --bin profiling -- --flamegraph cpu.svg
//! ```

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use dd_instrument::dd_span;

/// The job: price baskets of items, CPU-bound.
#[dd_span(resource = "price basket")]
fn price_basket(items: u64) -> u64 {
    (0..items).map(price).sum()
}

/// The hot function, where the profile shows the CPU going.
#[inline(never)]
fn price(item: u64) -> u64 {
    let mut x = item;
    for _ in 0..20_000 {
        x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407));
    }
    x % 1000
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--flamegraph", svg] => flame_graph(Path::new(svg)),
        ["--seconds", seconds] => continuous(Duration::from_secs(seconds.parse()?)),
        [] => continuous(Duration::from_secs(70)),
        _ => Err("usage: profiling [--seconds N | --flamegraph FILE.svg]".into()),
    }
}

/// Continuous profiling while the job runs for `length`.
fn continuous(length: Duration) -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = dd_instrument::builder()
        .profiling(true)
        .fallback_traces_exporter(dd_instrument::TracesExporter::None)
        .fallback_metrics_exporter(dd_instrument::MetricsExporter::None)
        .init()?;
    let start = Instant::now();
    let mut baskets = 0_u64;
    while start.elapsed() < length {
        std::hint::black_box(price_basket(100));
        baskets += 1;
    }
    tracing::info!(baskets, "done");
    // Sends the last profile (within the shutdown timeout).
    drop(telemetry);
    Ok(())
}

/// A flame graph (`.svg`) and a pprof file (`.pprof`) of 5 s of the job, on a thread named `pricing`.
fn flame_graph(svg: &Path) -> Result<(), Box<dyn std::error::Error>> {
    std::thread::Builder::new().name("pricing".to_owned()).spawn(|| {
        loop {
            std::hint::black_box(price_basket(100));
        }
    })?;
    let profile = dd_instrument::profiling::capture(Duration::from_secs(5), 99)?;
    profile.write_flamegraph(File::create(svg)?)?;
    let pprof = svg.with_extension("pprof");
    profile.write_pprof(File::create(&pprof)?)?;
    println!("{} samples: {} and {}", profile.samples(), svg.display(), pprof.display());
    Ok(())
}
