//! Allocation counts: the common cases of the per-call path allocate nothing.
//!
//! A binary of its own, because counting needs a global allocator (and `unsafe`, which the
//! library forbids).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::UdpSocket;

use dd_instrument::{Detector, DogStatsdAddr, MetricsExporter, Redaction, TracesExporter, dd_slo, dd_span, dd_timed};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SimpleSpanProcessor, SpanData, SpanExporter};
use tracing_subscriber::prelude::*;

/// Counts the allocations of the current thread, to show that the common case allocates nothing.
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    }

    struct Counting;

    // SAFETY: every call is forwarded to `System` unchanged; counting touches a `Cell` of the
    // calling thread, which never allocates.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
            // SAFETY: the caller's contract is `System`'s.
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
            // SAFETY: as above.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    /// How many allocations `f` made on this thread.
    pub(crate) fn allocations(f: impl FnOnce()) -> usize {
        let before = ALLOCATIONS.with(Cell::get);
        f();
        ALLOCATIONS.with(Cell::get) - before
    }
}

fn all() -> Redaction {
    Redaction::none().apply_switch("all").unwrap()
}

#[test]
fn nothing_to_find_borrows_and_allocates_nothing() {
    let r = all();
    let long = "the quick brown fox jumps over the lazy dog, bearer of news; ".repeat(170);
    for text in ["", "eu-west-1", "ord_8f3k2", "connection refused (os error 111)", "Grüße, 世界", "a=b c: d", &long]
    {
        let mut borrowed = false;
        let allocations = counting::allocations(|| borrowed = matches!(r.redact(text), Cow::Borrowed(_)));
        assert!(borrowed, "{text}");
        assert_eq!(allocations, 0, "{text}");
    }
    let kv = Redaction::default().enable(Detector::KvSecrets);
    assert_eq!(counting::allocations(|| drop(kv.redact_tag("region", "eu-west-1"))), 0);
    // The counter counts.
    assert_eq!(counting::allocations(|| drop(r.redact("alice@example.com"))), 1);
}

#[dd_timed]
#[dd_slo(name = "allocations-untagged", target = 99.9, latency_ms = 100)]
fn untagged(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[dd_timed(tags(region = region, zone = zone))]
#[dd_slo(name = "allocations-tagged", target = 99.9, latency_ms = 100, tags(region = region))]
fn tagged(x: u64, region: &str, zone: u8) -> u64 {
    x.wrapping_mul(3)
}

/// No clock: no latency histogram, whose memory for a range of durations is allocated the first
/// time a call falls in it.
#[dd_slo(name = "allocations-counted", target = 99.9, tags(region = region, zone = zone))]
fn counted(x: u64, region: &str, zone: u8) -> u64 {
    x.wrapping_mul(3)
}

#[test]
fn timed_and_slo_calls_allocate_nothing_with_or_without_run_time_tags() {
    // Counted in their sites, as with an exporter: DogStatsD to a socket nobody reads.
    let sink = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = sink.local_addr().expect("address").port();
    let telemetry = dd_instrument::builder()
        .env_source(BTreeMap::new())
        .service("allocations")
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::DogStatsd)
        .dogstatsd(DogStatsdAddr::Udp { host: "127.0.0.1".into(), port })
        .build()
        .expect("telemetry");
    let regions = ["eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"];
    let zone = |i: usize| u8::try_from(i % 2).unwrap();
    // First calls: the sites join the list, each tag set gets its context, the thread's buffers grow.
    for (i, region) in regions.iter().enumerate() {
        assert_eq!(untagged(7) + tagged(7, region, zone(i)) + counted(7, region, zone(i)), 63);
    }
    let counted_calls = counting::allocations(|| {
        for round in 0..100 {
            for (i, region) in regions.iter().enumerate() {
                assert_eq!(counted(round, region, zone(i)), round * 3);
            }
        }
    });
    assert_eq!(counted_calls, 0);
    // With latencies: a batch of calls allocates only when one falls in a range of durations
    // not seen before, so after the first batches, batches allocate nothing.
    let batches: Vec<usize> = (0..20)
        .map(|_| {
            counting::allocations(|| {
                for round in 0..100 {
                    for (i, region) in regions.iter().enumerate() {
                        assert_eq!(untagged(round) + tagged(round, region, zone(i)), round * 6);
                    }
                }
            })
        })
        .collect();
    // 800 calls per batch: an allocation per call (or per hundred) shows in every batch; a new
    // latency range now and then (a preempted call) in few.
    assert!(batches.iter().all(|&n| n < 8), "{batches:?}");
    assert!(batches.iter().filter(|&&n| n == 0).count() >= 10, "{batches:?}");
    // A new tag set is found under the site's lock once (its context allocated), then it too is free.
    assert!(counting::allocations(|| assert_eq!(counted(1, "me-south-1", 9), 3)) > 0);
    assert_eq!(counting::allocations(|| assert_eq!(counted(1, "me-south-1", 9), 3)), 0);
    drop(telemetry);
}

/// Accepts spans and drops them, on the calling thread (simple processor): the count is the
/// whole life of a span, from creation to export.
#[derive(Debug)]
struct Discard;

impl SpanExporter for Discard {
    fn export(&self, batch: Vec<SpanData>) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        drop(batch);
        std::future::ready(Ok(()))
    }
}

#[dd_span(tags(team = "carts"))]
fn span_static(x: u64) -> u64 {
    x.wrapping_mul(3)
}

/// Allocations of one `#[dd_span]` span whose names and tags are static, exported (to a
/// discarding exporter). A ceiling, not a target: docs/PERFORMANCE.md says where each comes
/// from; fewer is better, more is a regression.
const SPAN_ALLOCATIONS: usize = 11;

#[test]
fn a_static_span_allocates_a_small_constant() {
    let telemetry = dd_instrument::builder()
        .env_source(BTreeMap::new())
        .service("allocations")
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::None)
        .span_processor(SimpleSpanProcessor::new(Discard))
        .build()
        .expect("telemetry");
    tracing::subscriber::with_default(tracing_subscriber::registry().with(telemetry.layer()), || {
        for x in 0..10 {
            assert_eq!(span_static(x), x * 3);
        }
        let per_call: Vec<usize> =
            (0..10).map(|x| counting::allocations(|| assert_eq!(span_static(x), x * 3))).collect();
        println!("allocations per #[dd_span] call: {per_call:?}");
        assert!(per_call.iter().all(|&n| n > 0 && n <= SPAN_ALLOCATIONS), "{per_call:?}");
    });
    drop(telemetry);
}
