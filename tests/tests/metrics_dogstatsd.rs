//! `#[dd_timed]` and `#[dd_slo]` on the wire: the exact DogStatsD datagrams, received on a
//! loopback socket (line format, global tags, packing under the 1432-byte UDP limit). What each
//! call counts is tested without sockets, in parallel, in `metrics_counts.rs`.

use std::time::Duration;

use dd_instrument::{dd_slo, dd_timed};
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
fn a_distribution_is_one_line_of_millisecond_values() {
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
    // A value is the midpoint of its histogram bucket: within 0.4 % of the latency.
    assert!((20.0 * 0.996..200.0).contains(&ms), "a 20 ms sleep measured {ms} ms");
}

#[derive(Debug)]
struct Failure;

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failure")
    }
}

impl std::error::Error for Failure {}

#[dd_slo(name = "wire-checkout", target = 99.9, latency_ms = 30)]
fn checkout(fail: bool, slow: bool) -> Result<(), Failure> {
    if slow {
        std::thread::sleep(Duration::from_millis(40));
    }
    if fail { Err(Failure) } else { Ok(()) }
}

#[test]
fn slo_counters_are_counter_lines_with_the_global_tags_first() {
    let mut statsd = lock();
    for _ in 0..3 {
        checkout(false, false).unwrap();
    }
    checkout(false, true).unwrap();
    checkout(true, false).unwrap_err();
    checkout(true, true).unwrap_err();
    let slo = tags(&["slo:wire-checkout"]).join(",");
    let mine = |line: &Line| line.tags.contains(&"slo:wire-checkout".to_owned());
    assert_eq!(statsd.take_matching("slo.requests.total", mine), [format!("slo.requests.total:6|c|#{slo}")]);
    assert_eq!(statsd.take_matching("slo.requests.success", mine), [format!("slo.requests.success:4|c|#{slo}")]);
    assert_eq!(statsd.take_matching("slo.requests.fast", mine), [format!("slo.requests.fast:3|c|#{slo}")]);
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
