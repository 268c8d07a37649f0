//! `#[dd_timed]` and `#[dd_slo]`: what each call counts, captured with `dd_instrument::testing`
//! (no socket, tests in parallel). How the points look on the wire is in `metrics_dogstatsd.rs`.

use std::future::Future;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use dd_instrument::testing::{MetricPoint, MetricValue, capture, capture_with};
use dd_instrument::{DdTags, dd_slo, dd_span, dd_timed};

/// The name, tags and value of every point, for exact comparisons; distributions as their
/// number of values.
fn summary(captured: &dd_instrument::testing::Captured) -> Vec<(String, Vec<String>, u64)> {
    let mut points: Vec<_> = captured
        .metrics()
        .iter()
        .map(|point| {
            let value = match point.value() {
                MetricValue::Count(count) => *count,
                MetricValue::Distribution(values) => values.len() as u64,
                other => panic!("unexpected value {other:?}"),
            };
            (point.name().to_owned(), point.tags().to_vec(), value)
        })
        .collect();
    points.sort();
    points
}

fn point(name: &str, tags: &[&str], value: u64) -> (String, Vec<String>, u64) {
    (name.to_owned(), tags.iter().map(|t| (*t).to_owned()).collect(), value)
}

#[dd_timed]
fn quick(n: u64) -> u64 {
    n * 2
}

#[test]
fn timed_records_one_distribution_value_per_call() {
    let ((), captured) = capture(|| {
        for n in 0..3 {
            quick(n);
        }
    });
    let [point] = captured.metrics() else { panic!("one point: {:?}", captured.metrics()) };
    assert_eq!((point.name(), point.tags()), ("metrics_counts.quick.duration", &["outcome:ok".to_owned()][..]));
    let values = point.values_ms().expect("a distribution");
    assert_eq!(values.len(), 3);
    assert!(values.iter().all(|ms| (0.0..50.0).contains(ms)), "{values:?}");
}

#[dd_timed(name = "shop.sleep.latency", tags(region = "EU West", tier = 1))]
fn sleepy(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[test]
fn names_and_static_tags_are_exact_and_values_are_milliseconds() {
    let ((), captured) = capture(|| sleepy(20));
    let [point] = captured.metrics() else { panic!("one point: {:?}", captured.metrics()) };
    assert_eq!(point.name(), "shop.sleep.latency");
    assert_eq!(point.tags(), ["region:eu_west", "tier:1", "outcome:ok"]);
    let [ms] = point.values_ms().expect("a distribution") else { panic!("one value: {point:?}") };
    // A value is the midpoint of its histogram bucket: within 0.4 % of the latency.
    assert!((20.0 * 0.996..200.0).contains(ms), "a 20 ms sleep measured {ms} ms");
}

#[derive(Debug)]
struct Failure;

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failure")
    }
}

impl std::error::Error for Failure {}

#[dd_timed]
fn outcome(kind: u8) -> Result<(), Failure> {
    match kind {
        0 => Ok(()),
        1 => Err(Failure),
        _ => panic!("kind {kind}"),
    }
}

#[test]
fn outcomes_tag_ok_error_and_panic() {
    let ((), captured) = capture(|| {
        let _ = outcome(0);
        let _ = outcome(1);
        let _ = outcome(1);
        assert!(std::panic::catch_unwind(|| outcome(2)).is_err());
    });
    let name = "metrics_counts.outcome.duration";
    assert_eq!(
        summary(&captured),
        [point(name, &["outcome:error"], 2), point(name, &["outcome:ok"], 1), point(name, &["outcome:panic"], 1)]
    );
}

#[dd_timed]
async fn never_finishes() {
    std::future::pending::<()>().await;
}

#[test]
fn dropped_futures_count_as_cancelled() {
    let ((), captured) = capture(|| {
        let mut future = Box::pin(never_finishes());
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(future.as_mut().poll(&mut cx), Poll::Pending);
    });
    assert_eq!(summary(&captured), [point("metrics_counts.never_finishes.duration", &["outcome:cancelled"], 1)]);
}

#[dd_timed]
#[dd_span]
async fn never_polled() {}

#[test]
fn futures_dropped_before_their_first_poll_are_not_calls() {
    // An `async fn`'s body, the call's start included, runs at the first poll: a future that is
    // never polled (a losing `select!` branch built but never run) did no work and is no call.
    let (((), spans), captured) = capture(|| dd_instrument_tests::spans::capture(|| drop(never_polled())));
    assert_eq!(summary(&captured), []);
    assert!(spans.is_empty(), "{spans:?}");
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self) -> u8;
}

struct Db;

#[async_trait::async_trait]
impl Store for Db {
    #[dd_timed]
    async fn load(&self) -> u8 {
        1
    }
}

#[test]
fn returned_futures_dropped_unpolled_count_as_cancelled() {
    // A function that returns a future (`#[async_trait]`) is called, and its call starts, when
    // the future is made: dropped unpolled, it counts as cancelled like one dropped later.
    let ((), captured) = capture(|| drop(Db.load()));
    assert_eq!(summary(&captured), [point("metrics_counts.load.duration", &["outcome:cancelled"], 1)]);
}

#[dd_slo(name = "checkout", target = 99.9, latency_ms = 30)]
fn checkout(fail: bool, slow: bool) -> Result<(), Failure> {
    if slow {
        std::thread::sleep(Duration::from_millis(40));
    }
    if fail { Err(Failure) } else { Ok(()) }
}

#[test]
fn slo_counters_count_every_call_exactly() {
    let ((), captured) = capture(|| {
        for _ in 0..3 {
            checkout(false, false).unwrap();
        }
        checkout(false, true).unwrap();
        checkout(true, false).unwrap_err();
        checkout(true, true).unwrap_err();
    });
    assert_eq!(
        summary(&captured),
        [
            point("slo.requests.fast", &["slo:checkout"], 3),
            point("slo.requests.success", &["slo:checkout"], 4),
            point("slo.requests.total", &["slo:checkout"], 6),
        ]
    );

    let registered = dd_instrument::slo::find("checkout").expect("registered at link time");
    assert_eq!((registered.target(), registered.latency_ms()), (99.9, Some(30)));
    assert_eq!(registered.function(), "metrics_counts::checkout");
    assert_eq!(registered.good_events_query(), "sum:slo.requests.fast{slo:checkout}.as_count()");
}

#[dd_slo(name = "all-failing", target = 99.0, latency_ms = 100)]
fn always_fails() -> Result<(), Failure> {
    Err(Failure)
}

#[test]
fn counters_with_no_good_calls_are_sent_as_zero() {
    let ((), captured) = capture(|| {
        let _ = always_fails();
    });
    assert_eq!(captured.count("slo.requests.total", &["slo:all-failing"]), 1);
    assert_eq!(captured.metric("slo.requests.success", &["slo:all-failing"]).and_then(MetricPoint::count), Some(0));
    assert_eq!(captured.metric("slo.requests.fast", &["slo:all-failing"]).and_then(MetricPoint::count), Some(0));
}

#[derive(DdTags)]
struct Plan<'a> {
    plan: &'a str,
}

#[dd_timed(tags(tenant = tenant, ..plan))]
#[dd_slo(name = "search-availability", target = 99.5, tags(tenant = tenant))]
fn search(tenant: &str, plan: &Plan<'_>) -> usize {
    tenant.len() + plan.plan.len()
}

#[test]
fn runtime_tags_are_normalized_and_split_contexts() {
    let ((), captured) = capture(|| {
        search("Acme Corp", &Plan { plan: "Pro" });
        search("Acme Corp", &Plan { plan: "Pro" });
        search("globex", &Plan { plan: "free" });
    });
    let timer = "metrics_counts.search.duration";
    let slo = "search-availability";
    assert_eq!(
        summary(&captured),
        [
            point(timer, &["tenant:acme_corp", "plan:pro", "outcome:ok"], 2),
            point(timer, &["tenant:globex", "plan:free", "outcome:ok"], 1),
            point("slo.requests.success", &["slo:search-availability", "tenant:acme_corp"], 2),
            point("slo.requests.success", &["slo:search-availability", "tenant:globex"], 1),
            point("slo.requests.total", &["slo:search-availability", "tenant:acme_corp"], 2),
            point("slo.requests.total", &["slo:search-availability", "tenant:globex"], 1),
        ]
    );
    assert_eq!(captured.count("slo.requests.total", &["tenant:globex", &format!("slo:{slo}")]), 1);
}

#[dd_span(kind = "client", peer = "payments")]
#[dd_timed]
#[dd_slo(name = "stacked", target = 99.0, latency_ms = 1000)]
fn stacked(fail: bool) -> Result<u8, Failure> {
    if fail { Err(Failure) } else { Ok(1) }
}

#[dd_slo(name = "stacked-reverse", target = 99.0)]
#[dd_timed]
#[dd_span]
async fn stacked_reverse() -> u8 {
    2
}

#[test]
fn stacked_attributes_wrap_once() {
    let (_, captured) = capture(|| {
        let _ = stacked(false);
        let _ = stacked(true);
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(stacked_reverse())
    });
    let spans = captured.spans();
    assert_eq!(spans.len(), 3, "one span per call, never two");
    assert_eq!(spans[1].error_type(), Some("metrics_counts::Failure"));
    let timer = "metrics_counts.stacked.duration";
    let reverse_timer = "metrics_counts.stacked_reverse.duration";
    assert_eq!(
        summary(&captured),
        [
            point(timer, &["outcome:error"], 1),
            point(timer, &["outcome:ok"], 1),
            point(reverse_timer, &["outcome:ok"], 1),
            point("slo.requests.fast", &["slo:stacked"], 1),
            point("slo.requests.success", &["slo:stacked"], 1),
            point("slo.requests.success", &["slo:stacked-reverse"], 1),
            point("slo.requests.total", &["slo:stacked"], 2),
            point("slo.requests.total", &["slo:stacked-reverse"], 1),
        ],
        "no latency_ms, no fast counter"
    );
}

#[dd_timed]
#[allow(dead_code)]
fn uncalled() {}

#[test]
fn nothing_is_counted_for_functions_not_called() {
    let (_, captured) = capture(|| quick(1));
    assert!(captured.metric("metrics_counts.uncalled.duration", &["outcome:ok"]).is_none());
    assert_eq!(captured.metrics().len(), 1);
}

#[dd_span]
#[dd_slo(name = "unsampled", target = 99.0)]
fn unsampled_call() {}

#[test]
fn metrics_count_every_call_even_when_traces_are_sampled_out() {
    let ((), captured) =
        capture_with(dd_instrument::builder().env_source(std::collections::BTreeMap::new()).sample_rate(0.0), || {
            for _ in 0..5 {
                unsampled_call();
            }
        });
    assert!(captured.spans().is_empty(), "a sample rate of 0 keeps no trace");
    assert_eq!(captured.count("slo.requests.total", &["slo:unsampled"]), 5);
}

#[dd_timed(name = "shared.latency")]
fn shared_a() {}

#[dd_timed(name = "shared.latency")]
fn shared_b() {}

#[test]
fn functions_sharing_a_metric_make_one_point() {
    let ((), captured) = capture(|| {
        shared_a();
        shared_b();
        shared_b();
    });
    assert_eq!(summary(&captured), [point("shared.latency", &["outcome:ok"], 3)]);
}

#[dd_timed(name = "shop.lookup.latency", tags(key = key))]
fn lookup(key: u32) -> u32 {
    key
}

#[test]
fn tag_sets_beyond_the_cap_count_under_the_overflow_tag() {
    // 1000 distinct run-time tag sets per function, then one shared context.
    let ((), captured) = capture(|| {
        for key in 0..1010 {
            lookup(key);
        }
    });
    assert_eq!(captured.metrics().len(), 1001);
    let overflow = captured
        .metric("shop.lookup.latency", &["dd_instrument.tags_overflow:true", "outcome:ok"])
        .expect("the overflow context");
    assert_eq!(overflow.values_ms().map(<[f64]>::len), Some(10));
    assert!(captured.metric("shop.lookup.latency", &["key:999", "outcome:ok"]).is_some());
    assert!(captured.metric("shop.lookup.latency", &["key:1000", "outcome:ok"]).is_none());
}
