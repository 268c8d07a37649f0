//! The application's own metrics (`dd_instrument::metrics`) on the wire: the exact DogStatsD
//! lines of counters, up-down counters, gauges, distributions and sets, with static, run-time
//! and global tags, received on a loopback socket.

use dd_instrument::metrics::{Counter, Distribution, Gauge, Set, UpDownCounter};
use dd_instrument_tests::statsd::{GLOBAL_TAGS, lock, parse};

static ORDERS: Counter = Counter::new("custom.orders").with_tags(&["team:Checkout"]);

#[test]
fn counters_add_up_per_tag_set_with_static_tags_after_the_global_ones() {
    let mut statsd = lock();
    ORDERS.increment();
    ORDERS.add(2);
    ORDERS.add_with(5, &[("country", "FR")]);
    ORDERS.add_with(1, &[("country", "FR")]);
    ORDERS.add_with(4, &[("country", "de"), ("channel", "App")]);
    assert_eq!(
        statsd.take("custom.orders"),
        [
            format!("custom.orders:3|c|#{GLOBAL_TAGS},team:checkout"),
            format!("custom.orders:4|c|#{GLOBAL_TAGS},team:checkout,country:de,channel:app"),
            format!("custom.orders:6|c|#{GLOBAL_TAGS},team:checkout,country:fr"),
        ]
    );
    assert!(statsd.take("custom.orders").is_empty(), "counts are per interval");
}

static PER_ROUTE: Counter = Counter::new("custom.per_route").max_series(2);

#[test]
fn tag_sets_past_the_cap_share_the_overflow_series() {
    let mut statsd = lock();
    for route in ["/a", "/b", "/c", "/d", "/a"] {
        PER_ROUTE.add_with(1, &[("route", route)]);
    }
    assert_eq!(
        statsd.take("custom.per_route"),
        [
            format!("custom.per_route:2|c|#{GLOBAL_TAGS},route:/a"),
            format!("custom.per_route:1|c|#{GLOBAL_TAGS},route:/b"),
            format!("custom.per_route:2|c|#{GLOBAL_TAGS},dd_instrument.tags_overflow:true"),
        ]
    );
}

static CONNECTIONS: UpDownCounter = UpDownCounter::new("custom.connections");
static QUEUE_DEPTH: Gauge = Gauge::new("custom.queue.depth");

#[test]
fn levels_are_gauges_an_up_down_counter_keeps_its_level_a_gauge_its_last_value() {
    let mut statsd = lock();
    CONNECTIONS.add(3);
    CONNECTIONS.add(-1);
    QUEUE_DEPTH.set(12.0);
    QUEUE_DEPTH.set(7.5);
    QUEUE_DEPTH.set_with(1.0, &[("queue", "emails")]);
    assert_eq!(statsd.take("custom.connections"), [format!("custom.connections:2|g|#{GLOBAL_TAGS}")]);
    assert_eq!(
        statsd.take("custom.queue.depth"),
        [
            format!("custom.queue.depth:7.5|g|#{GLOBAL_TAGS}"),
            format!("custom.queue.depth:1|g|#{GLOBAL_TAGS},queue:emails")
        ]
    );
    // Every flush sends the level again (the one `take` of the gauge made, then the next), the
    // gauge only when set again.
    CONNECTIONS.add(-2);
    assert_eq!(
        statsd.take("custom.connections"),
        [format!("custom.connections:2|g|#{GLOBAL_TAGS}"), format!("custom.connections:0|g|#{GLOBAL_TAGS}")]
    );
    assert!(statsd.take("custom.queue.depth").is_empty());
}

static BASKET: Distribution = Distribution::new("custom.basket.items");

#[test]
fn distributions_send_every_value_small_integers_exactly() {
    let mut statsd = lock();
    for items in [3.0, 1.0, 3.0, 250.0, 0.0, -2.0] {
        BASKET.record(items);
    }
    BASKET.record(1234.5);
    BASKET.record(f64::NAN);
    assert_eq!(
        statsd.take("custom.basket.items"),
        [format!("custom.basket.items:-2:0:1:3:3:250:1236|d|#{GLOBAL_TAGS}")]
    );
}

#[test]
fn frequent_values_are_sent_with_a_sample_rate_the_agent_counts_exactly() {
    static SIZES: Distribution = Distribution::new("custom.sizes");
    let mut statsd = lock();
    for _ in 0..1000 {
        SIZES.record(64.0);
    }
    let lines = statsd.take("custom.sizes");
    assert_eq!(lines.len(), 1);
    let line = parse(&lines[0]);
    assert_eq!((line.values.as_slice(), line.kind.as_str()), (&["64".to_owned()][..], "d"));
    let rate: f64 = line.rate.unwrap().parse().unwrap();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let counted = (1.0 / rate) as u64;
    assert_eq!(counted, 1000);
}

static USERS: Set = Set::new("custom.users");

#[test]
fn sets_send_each_distinct_member_once() {
    let mut statsd = lock();
    for user in ["ann", "bob", "ann", "cid", "bob"] {
        USERS.insert(user);
    }
    let lines = statsd.take("custom.users");
    assert_eq!(lines.len(), 3, "{lines:?}");
    let mut members = Vec::new();
    for line in &lines {
        let line = parse(line);
        assert_eq!((line.kind.as_str(), line.tags.join(",")), ("s", GLOBAL_TAGS.to_owned()));
        members.extend(line.values);
    }
    members.sort();
    members.dedup();
    assert_eq!(members.len(), 3, "distinct members: {members:?}");
    // The same member hashes the same way every time (and in every process of this build).
    USERS.insert("ann");
    let again = parse(&statsd.take("custom.users")[0]).values;
    assert!(members.contains(&again[0]));
}
