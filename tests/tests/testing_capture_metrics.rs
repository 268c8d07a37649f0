//! `dd_instrument::testing` captures the application's own metrics: what the handles record on
//! the capturing thread, as points, and the events and service checks it sends; none of it
//! reaches the exporter running in the same process, which still gets everything recorded
//! outside the capture.

use dd_instrument::metrics::{
    AlertType, Counter, Distribution, Event, Gauge, ServiceCheck, Set, Status, UpDownCounter,
};
use dd_instrument::testing::{self, MetricValue};
use dd_instrument_tests::statsd::{GLOBAL_TAGS, lock};

static ORDERS: Counter = Counter::new("captured.orders").with_tags(&["team:checkout"]);
static IN_FLIGHT: UpDownCounter = UpDownCounter::new("captured.in_flight");
static DEPTH: Gauge = Gauge::new("captured.queue.depth");
static BASKET: Distribution = Distribution::new("captured.basket.items");
static BUYERS: Set = Set::new("captured.buyers");

#[test]
fn handles_record_in_the_capture_and_never_reach_the_running_exporter() {
    let mut statsd = lock();
    ORDERS.add(100);
    let ((), captured) = testing::capture(|| {
        ORDERS.increment();
        ORDERS.add_with(2, &[("country", "FR")]);
        ORDERS.add_with(3, &[("country", "FR")]);
        IN_FLIGHT.add(4);
        IN_FLIGHT.add(-1);
        DEPTH.set(12.0);
        DEPTH.set(7.5);
        for items in [3.0, 1.0, 3.0] {
            BASKET.record(items);
        }
        for buyer in ["ann", "bob", "ann"] {
            BUYERS.insert(buyer);
        }
        // Another thread is not captured: it counts in the exporter's series.
        std::thread::spawn(|| ORDERS.add(10)).join().expect("the thread runs");
    });
    let points: Vec<(&str, Vec<String>, MetricValue)> =
        captured.metrics().iter().map(|p| (p.name(), p.tags().to_vec(), p.value().clone())).collect();
    let tags = |tags: &[&str]| tags.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        points,
        [
            ("captured.orders", tags(&["team:checkout"]), MetricValue::Count(1)),
            ("captured.orders", tags(&["team:checkout", "country:fr"]), MetricValue::Count(5)),
            ("captured.in_flight", tags(&[]), MetricValue::Gauge(3.0)),
            ("captured.queue.depth", tags(&[]), MetricValue::Gauge(7.5)),
            ("captured.basket.items", tags(&[]), MetricValue::Distribution(vec![1.0, 3.0, 3.0])),
            ("captured.buyers", tags(&[]), MetricValue::Set(2)),
        ]
    );
    assert_eq!(captured.count("captured.orders", &["country:fr", "team:checkout"]), 5);
    // The exporter got what was recorded outside the capture only.
    assert_eq!(statsd.take("captured.orders"), [format!("captured.orders:110|c|#{GLOBAL_TAGS},team:checkout")]);
    for name in ["captured.in_flight", "captured.queue.depth", "captured.basket.items", "captured.buyers"] {
        assert_eq!(statsd.take(name), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn events_and_service_checks_are_kept_by_the_capture_not_sent() {
    let mut statsd = lock();
    let ((), captured) = testing::capture(|| {
        Event::new("Deployed shop", "v1.4.2\nto eu-west-1")
            .alert_type(AlertType::Success)
            .tags(&[("git.commit.sha", "9F2C")])
            .send()
            .expect("accepted");
        ServiceCheck::new("captured.db.can_connect", Status::Critical).message("refused").send().expect("accepted");
        assert!(Event::new("", "no title").send().is_err(), "validated as when sent");
    });
    assert_eq!(
        captured.events(),
        [Event::new("Deployed shop", "v1.4.2\nto eu-west-1")
            .alert_type(AlertType::Success)
            .tags(&[("git.commit.sha", "9F2C")])]
    );
    assert_eq!(
        captured.service_checks(),
        [ServiceCheck::new("captured.db.can_connect", Status::Critical).message("refused")]
    );
    assert!(captured.metrics().is_empty());
    // Nothing was queued for the exporter: a flush sends no event or check (the binary's
    // DogStatsD capture accepts metric lines only, and fails on any other line it receives).
    assert_eq!(statsd.take("captured.db.can_connect"), Vec::<String>::new());
}

#[test]
fn captures_work_without_an_exporter_in_parallel() {
    // No `lock()`: whether the binary's exporter runs or not, each capture sees its own.
    let handles: Vec<_> = (1..=4_u64)
        .map(|n| {
            std::thread::spawn(move || {
                let ((), captured) = testing::capture(|| ORDERS.add_with(n, &[("worker", &n.to_string())]));
                captured.count("captured.orders", &["team:checkout", &format!("worker:{n}")])
            })
        })
        .collect();
    let counts: Vec<u64> = handles.into_iter().map(|h| h.join().expect("the thread runs")).collect();
    assert_eq!(counts, [1, 2, 3, 4]);
}
