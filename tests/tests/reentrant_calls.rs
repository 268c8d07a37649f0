//! Calls made from where a telemetry library is easy to break: from inside another call's tag
//! values (re-entrancy), and from a thread-local destructor (the thread's locals are going).
//! Each must run, count, and leave the host alone.

use std::fmt;

use dd_instrument::testing::{Captured, capture};
use dd_instrument::{DdTags, TagValue, TagVisitor, dd_slo, dd_timed};
use dd_instrument_tests::statsd::{GLOBAL_TAGS, lock, parse};

#[dd_timed(tags(tenant = tenant))]
fn lookup(tenant: &str) -> usize {
    tenant.len()
}

/// A tag value whose `Display` calls an instrumented function with run-time tags.
struct Tenant;

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tenant-{}", lookup("inner"))
    }
}

/// Tags whose visit calls an instrumented function with run-time tags.
struct Plan;

impl DdTags for Plan {
    fn visit_tags(&self, visitor: &mut dyn TagVisitor) {
        let size = lookup("plan");
        visitor.visit_tag("plan", TagValue::U64(size as u64));
    }
}

#[dd_timed(tags(tenant = tenant, ..plan))]
#[dd_slo(name = "reentrant-checkout", target = 99.9, tags(tenant = tenant))]
fn checkout(tenant: &Tenant, plan: &Plan) -> u8 {
    let _ = (tenant, plan);
    7
}

fn distribution_len(captured: &Captured, name: &str, tags: &[&str]) -> usize {
    captured.metric(name, tags).and_then(|point| point.values_ms()).map_or(0, <[f64]>::len)
}

#[test]
fn tag_values_may_call_instrumented_functions() {
    let (value, captured) = capture(|| checkout(&Tenant, &Plan));
    assert_eq!(value, 7);
    let timer = "reentrant_calls.checkout.duration";
    // `Tenant` is displayed once (the timer and the SLO tags share its text), `Plan` visited
    // once: two nested calls.
    assert_eq!(distribution_len(&captured, "reentrant_calls.lookup.duration", &["tenant:inner", "outcome:ok"]), 1);
    assert_eq!(distribution_len(&captured, "reentrant_calls.lookup.duration", &["tenant:plan", "outcome:ok"]), 1);
    assert_eq!(distribution_len(&captured, timer, &["tenant:tenant-5", "plan:4", "outcome:ok"]), 1);
    assert_eq!(captured.count("slo.requests.total", &["slo:reentrant-checkout", "tenant:tenant-5"]), 1);
    assert_eq!(captured.count("slo.requests.success", &["slo:reentrant-checkout", "tenant:tenant-5"]), 1);
}

/// Calls instrumented functions with run-time tags when the thread's locals are destroyed.
struct CallsOnDrop;

impl Drop for CallsOnDrop {
    fn drop(&mut self) {
        lookup("destructor");
        checkout(&Tenant, &Plan);
    }
}

thread_local! {
    static CALLS_ON_DROP: CallsOnDrop = const { CallsOnDrop };
}

/// The number of calls of each tag set of the distribution `name`, from its DogStatsD lines.
fn calls_by_tags(statsd: &mut dd_instrument_tests::statsd::Capture, name: &str) -> Vec<(String, usize)> {
    let mut calls: Vec<(String, usize)> = statsd
        .take(name)
        .iter()
        .map(|line| {
            let line = parse(line);
            let own: Vec<&str> =
                line.tags.iter().map(String::as_str).filter(|tag| !GLOBAL_TAGS.split(',').any(|g| g == *tag)).collect();
            (own.join(","), line.values.len())
        })
        .collect();
    calls.sort();
    calls
}

#[test]
fn nested_calls_and_calls_from_thread_local_destructors_reach_the_exporter() {
    let mut statsd = lock();
    assert_eq!(checkout(&Tenant, &Plan), 7);
    std::thread::spawn(|| {
        // Registered before the library's own thread-locals (the call below creates them), so
        // destroyed after them: thread-local destructors run in reverse order of registration.
        CALLS_ON_DROP.with(|_| ());
        lookup("warm");
    })
    .join()
    .expect("the thread ends without a panic");
    assert_eq!(
        calls_by_tags(&mut statsd, "reentrant_calls.lookup.duration"),
        [
            ("tenant:destructor,outcome:ok".to_owned(), 1),
            ("tenant:inner,outcome:ok".to_owned(), 2),
            ("tenant:plan,outcome:ok".to_owned(), 2),
            ("tenant:warm,outcome:ok".to_owned(), 1),
        ]
    );
    assert_eq!(
        calls_by_tags(&mut statsd, "reentrant_calls.checkout.duration"),
        [("tenant:tenant-5,plan:4,outcome:ok".to_owned(), 2)]
    );
    let total = statsd.take("slo.requests.total");
    assert_eq!(total.len(), 1, "{total:?}");
    assert!(total[0].starts_with("slo.requests.total:2|c|#"), "{total:?}");
}
