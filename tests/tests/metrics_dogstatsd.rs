//! `#[dd_timed]` and `#[dd_slo]`: the exact DogStatsD datagrams, received on a loopback socket.

use std::future::Future;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use dd_instrument::{DdTags, dd_slo, dd_span, dd_timed};
use dd_instrument_tests::spans::{attributes, capture, capture_with};
use dd_instrument_tests::statsd::{GLOBAL_TAGS, Line, lock, parse};

/// Number of calls a distribution line stands for (values, times `1/rate` when sampled), the way
/// the Agent counts them: `uint(1 / rate)`, truncating.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn calls(line: &Line) -> u64 {
    let weight = line.rate.as_ref().map_or(1, |rate| (1.0 / rate.parse::<f64>().unwrap()) as u64);
    line.values.len() as u64 * weight
}

fn milliseconds(line: &Line) -> Vec<f64> {
    line.values.iter().map(|v| v.parse().unwrap()).collect()
}

fn tags(extra: &[&str]) -> Vec<String> {
    GLOBAL_TAGS.split(',').chain(extra.iter().copied()).map(str::to_owned).collect()
}

#[dd_timed]
fn quick(n: u64) -> u64 {
    n * 2
}

#[test]
fn timed_sends_one_distribution_value_per_call() {
    let mut statsd = lock();
    for n in 0..3 {
        quick(n);
    }
    let lines = statsd.take("metrics_dogstatsd.quick.duration");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = parse(&lines[0]);
    assert_eq!((line.kind.as_str(), line.rate.as_deref()), ("d", None));
    assert_eq!(line.tags, tags(&["outcome:ok"]));
    assert_eq!(calls(&line), 3);
    assert!(milliseconds(&line).iter().all(|ms| (0.0..50.0).contains(ms)), "{line:?}");
}

#[dd_timed(name = "shop.sleep.latency", tags(region = "EU West", tier = 1))]
fn sleepy(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[test]
fn names_and_static_tags_are_exact_and_values_are_milliseconds() {
    let mut statsd = lock();
    sleepy(20);
    let lines = statsd.take("shop.sleep.latency");
    assert_eq!(lines.len(), 1);
    let line = parse(&lines[0]);
    assert_eq!(line.tags, tags(&["region:eu_west", "tier:1", "outcome:ok"]));
    let [ms] = milliseconds(&line)[..] else { panic!("one value: {line:?}") };
    assert!((20.0..200.0).contains(&ms), "a 20 ms sleep measured {ms} ms");
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
    let mut statsd = lock();
    let _ = outcome(0);
    let _ = outcome(1);
    let _ = outcome(1);
    assert!(std::panic::catch_unwind(|| outcome(2)).is_err());
    let mut by_outcome: Vec<(String, u64)> = statsd
        .take("metrics_dogstatsd.outcome.duration")
        .iter()
        .map(|l| {
            let line = parse(l);
            (line.tags.last().unwrap().clone(), calls(&line))
        })
        .collect();
    by_outcome.sort();
    assert_eq!(
        by_outcome,
        [("outcome:error".to_owned(), 2), ("outcome:ok".to_owned(), 1), ("outcome:panic".to_owned(), 1)]
    );
}

#[dd_timed]
async fn never_finishes() {
    std::future::pending::<()>().await;
}

#[test]
fn dropped_futures_count_as_cancelled() {
    let mut statsd = lock();
    let mut future = Box::pin(never_finishes());
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(future.as_mut().poll(&mut cx), Poll::Pending);
    drop(future);
    let lines = statsd.take("metrics_dogstatsd.never_finishes.duration");
    assert_eq!(lines.len(), 1);
    assert_eq!(parse(&lines[0]).tags, tags(&["outcome:cancelled"]));
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
    let mut statsd = lock();
    for _ in 0..3 {
        checkout(false, false).unwrap();
    }
    checkout(false, true).unwrap();
    checkout(true, false).unwrap_err();
    checkout(true, true).unwrap_err();
    let slo = tags(&["slo:checkout"]).join(",");
    let mine = |line: &Line| line.tags.contains(&"slo:checkout".to_owned());
    assert_eq!(statsd.take_matching("slo.requests.total", mine), [format!("slo.requests.total:6|c|#{slo}")]);
    assert_eq!(statsd.take_matching("slo.requests.success", mine), [format!("slo.requests.success:4|c|#{slo}")]);
    assert_eq!(statsd.take_matching("slo.requests.fast", mine), [format!("slo.requests.fast:3|c|#{slo}")]);

    let registered = dd_instrument::slo::find("checkout").expect("registered at link time");
    assert_eq!((registered.target(), registered.latency_ms()), (99.9, Some(30)));
    assert_eq!(registered.function(), "metrics_dogstatsd::checkout");
    assert_eq!(registered.good_events_query(), "sum:slo.requests.fast{slo:checkout}.as_count()");
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
    let mut statsd = lock();
    search("Acme Corp", &Plan { plan: "Pro" });
    search("Acme Corp", &Plan { plan: "Pro" });
    search("globex", &Plan { plan: "free" });
    let mut timers: Vec<(Vec<String>, u64)> = statsd
        .take("metrics_dogstatsd.search.duration")
        .iter()
        .map(|l| {
            let line = parse(l);
            (line.tags.clone(), calls(&line))
        })
        .collect();
    timers.sort();
    assert_eq!(
        timers,
        [
            (tags(&["tenant:acme_corp", "plan:pro", "outcome:ok"]), 2),
            (tags(&["tenant:globex", "plan:free", "outcome:ok"]), 1),
        ]
    );
    let mut totals =
        statsd.take_matching("slo.requests.total", |l| l.tags.contains(&"slo:search-availability".to_owned()));
    totals.sort();
    assert_eq!(
        totals,
        [
            format!("slo.requests.total:1|c|#{GLOBAL_TAGS},slo:search-availability,tenant:globex"),
            format!("slo.requests.total:2|c|#{GLOBAL_TAGS},slo:search-availability,tenant:acme_corp"),
        ]
    );
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
    let mut statsd = lock();
    let (_, spans) = capture(|| {
        let _ = stacked(false);
        let _ = stacked(true);
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(stacked_reverse())
    });
    assert_eq!(spans.len(), 3, "one span per call, never two");
    assert_eq!(attributes(&spans[1])["error.type"], "metrics_dogstatsd::Failure");
    let mut timers: Vec<(String, u64)> = statsd
        .take("metrics_dogstatsd.stacked.duration")
        .iter()
        .map(|l| {
            let line = parse(l);
            (line.tags.last().unwrap().clone(), calls(&line))
        })
        .collect();
    timers.sort();
    assert_eq!(timers, [("outcome:error".to_owned(), 1), ("outcome:ok".to_owned(), 1)]);
    let stacked = tags(&["slo:stacked"]).join(",");
    let reverse = tags(&["slo:stacked-reverse"]).join(",");
    let ours = |line: &Line| line.tags.iter().any(|t| t == "slo:stacked" || t == "slo:stacked-reverse");
    let mut totals = statsd.take_matching("slo.requests.total", ours);
    totals.sort();
    assert_eq!(totals, [format!("slo.requests.total:1|c|#{reverse}"), format!("slo.requests.total:2|c|#{stacked}")]);
    let fast = statsd.take_matching("slo.requests.fast", ours);
    assert_eq!(fast, [format!("slo.requests.fast:1|c|#{stacked}")], "no latency_ms, no fast counter");
    let _ = statsd.take("metrics_dogstatsd.stacked_reverse.duration");
}

#[dd_timed]
fn hot() {}

#[test]
fn many_calls_stay_exact_and_within_payload_limits() {
    let mut statsd = lock();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..50_000 {
                    hot();
                }
            });
        }
    });
    let lines = statsd.take("metrics_dogstatsd.hot.duration");
    let total: u64 = lines.iter().map(|l| calls(&parse(l))).sum();
    assert_eq!(total, 100_000);
    assert!(lines.iter().all(|l| l.len() <= 1432));
}

#[test]
fn nothing_is_sent_for_functions_not_called() {
    let mut statsd = lock();
    assert!(statsd.take("metrics_dogstatsd.uncalled.duration").is_empty());
}

#[dd_timed]
#[allow(dead_code)]
fn uncalled() {}

#[dd_span]
#[dd_slo(name = "unsampled", target = 99.0)]
fn unsampled_call() {}

#[test]
fn metrics_count_every_call_even_when_traces_are_sampled_out() {
    let mut statsd = lock();
    let ((), spans) = capture_with(
        |builder| builder.sample_rate(0.0),
        || {
            for _ in 0..5 {
                unsampled_call();
            }
        },
    );
    assert!(spans.is_empty(), "a sample rate of 0 keeps no trace");
    let slo = tags(&["slo:unsampled"]).join(",");
    assert_eq!(
        statsd.take_matching("slo.requests.total", |l| l.tags.contains(&"slo:unsampled".to_owned())),
        [format!("slo.requests.total:5|c|#{slo}")]
    );
}
