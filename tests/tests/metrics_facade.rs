//! The `metrics` facade's recorder (feature `metrics-facade`): what `metrics::counter!`,
//! `gauge!` and `histogram!` become on the wire, as exact DogStatsD lines.

use dd_instrument_tests::statsd::{GLOBAL_TAGS, lock};

#[test]
fn facade_metrics_reach_dogstatsd_with_labels_as_tags() {
    let mut statsd = lock();
    dd_instrument::metrics::facade::install().expect("the first recorder installs");
    assert!(dd_instrument::metrics::facade::install().is_err(), "a second one is refused");

    metrics::counter!("facade.orders", "country" => "FR").increment(2);
    metrics::counter!("facade.orders", "country" => "FR").increment(1);
    metrics::counter!("facade.orders").increment(1);
    // Absolute values become increments, whichever handle reports them.
    metrics::counter!("facade.total").absolute(10);
    metrics::counter!("facade.total").absolute(15);
    metrics::gauge!("facade.level").set(4.0);
    metrics::gauge!("facade.level").increment(1.5);
    metrics::gauge!("facade.level").decrement(0.5);
    let sizes = metrics::histogram!("facade.sizes", "kind" => "basket");
    for value in [3.0, 1.0, 3.0] {
        sizes.record(value);
    }

    assert_eq!(
        statsd.take("facade.orders"),
        [format!("facade.orders:1|c|#{GLOBAL_TAGS}"), format!("facade.orders:3|c|#{GLOBAL_TAGS},country:fr")]
    );
    assert_eq!(statsd.take("facade.total"), [format!("facade.total:15|c|#{GLOBAL_TAGS}")]);
    assert_eq!(statsd.take("facade.sizes"), [format!("facade.sizes:1:3:3|d|#{GLOBAL_TAGS},kind:basket")]);
    // A gauge of the facade is a level: sent on every flush (three `take`s so far, one more now).
    assert_eq!(statsd.take("facade.level"), vec![format!("facade.level:5|g|#{GLOBAL_TAGS}"); 4]);

    metrics::counter!("facade.total").absolute(18);
    assert_eq!(statsd.take("facade.total"), [format!("facade.total:3|c|#{GLOBAL_TAGS}")]);
}
