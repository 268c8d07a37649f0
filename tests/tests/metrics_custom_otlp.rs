//! The application's own metrics over OTLP/HTTP: the exact data points of counters, gauges,
//! up-down counters, distributions and sets in the request a real receiver decodes, and events
//! dropped (OTLP cannot carry them) without disturbing the metrics.

use std::collections::{BTreeMap, HashMap};

use dd_instrument::metrics::{Counter, Distribution, Event, Gauge, Set, UpDownCounter};
use dd_instrument_tests::otlp::{self, attributes};
use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, Metric, metric, number_data_point};

static ORDERS: Counter = Counter::new("otlp_custom.orders").with_tags(&["team:checkout"]);
static IN_FLIGHT: UpDownCounter = UpDownCounter::new("otlp_custom.in_flight");
static DEPTH: Gauge = Gauge::new("otlp_custom.queue.depth");
static BASKET: Distribution = Distribution::new("otlp_custom.basket.items");
static USERS: Set = Set::new("otlp_custom.users");

fn find<'a>(metrics: &'a [&Metric], name: &str) -> &'a Metric {
    metrics.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("{name} missing"))
}

fn number(value: Option<&number_data_point::Value>) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    match value {
        Some(number_data_point::Value::AsInt(n)) => *n as f64,
        Some(number_data_point::Value::AsDouble(x)) => *x,
        None => panic!("no value"),
    }
}

#[test]
fn each_type_becomes_its_otlp_data_point() {
    let receiver = otlp::http();
    let env: HashMap<String, String> = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_METRICS_EXPORTER", "otlp"),
        ("OTEL_TRACES_EXPORTER", "none"),
        ("DD_SERVICE", "shop"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let guard = dd_instrument::builder().env_source(env).build().expect("telemetry builds");

    ORDERS.add(2);
    ORDERS.add_with(3, &[("country", "fr")]);
    IN_FLIGHT.add(5);
    IN_FLIGHT.add(-2);
    DEPTH.set(17.5);
    for items in [1.0, 3.0, 3.0, 250.0] {
        BASKET.record(items);
    }
    for user in ["ann", "bob", "ann"] {
        USERS.insert(user);
    }
    Event::new("Deployed", "").send().expect("queued: dropped by the OTLP sink, with a warning");
    assert!(!guard.flush(), "the flush says that not everything was delivered: the event");
    let stats = guard.stats().metrics;
    assert_eq!((stats.dropped, stats.failed), (1, 0), "OTLP cannot carry the event: counted as dropped");
    drop(guard);
    receiver.wait_for(|r| !r.metrics.lock().unwrap().is_empty());

    let requests = receiver.metrics();
    let metrics: Vec<&Metric> = requests
        .iter()
        .flat_map(|r| &r.resource_metrics)
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .collect();

    let Some(metric::Data::Sum(sum)) = &find(&metrics, "otlp_custom.orders").data else { panic!("a sum") };
    assert_eq!(sum.aggregation_temporality, AggregationTemporality::Delta as i32);
    assert!(sum.is_monotonic);
    let points: Vec<(BTreeMap<String, String>, f64)> =
        sum.data_points.iter().map(|p| (attributes(&p.attributes), number(p.value.as_ref()))).collect();
    assert_eq!(points.len(), 2);
    assert_eq!(points[0].0, BTreeMap::from([("team".to_owned(), "checkout".to_owned())]));
    assert!((points[0].1 - 2.0).abs() < f64::EPSILON);
    assert_eq!(points[1].0["country"], "fr");
    assert!((points[1].1 - 3.0).abs() < f64::EPSILON);

    for (name, level) in [("otlp_custom.in_flight", 3.0), ("otlp_custom.queue.depth", 17.5), ("otlp_custom.users", 2.0)]
    {
        let Some(metric::Data::Gauge(gauge)) = &find(&metrics, name).data else { panic!("{name}: a gauge") };
        assert_eq!(gauge.data_points.len(), 1, "{name}");
        assert!((number(gauge.data_points[0].value.as_ref()) - level).abs() < f64::EPSILON, "{name}: {gauge:?}");
    }

    let Some(metric::Data::Histogram(histogram)) = &find(&metrics, "otlp_custom.basket.items").data else {
        panic!("a histogram")
    };
    assert_eq!(histogram.aggregation_temporality, AggregationTemporality::Delta as i32);
    let point = &histogram.data_points[0];
    assert_eq!(point.count, 4);
    assert_eq!(point.sum, Some(257.0));
    assert_eq!((point.min, point.max), (Some(1.0), Some(250.0)));
    // Bounds: the edges of the non-empty buckets, with the counts in between.
    assert_eq!(point.explicit_bounds, [1.0, 1.007_812_5, 3.0, 3.015_625, 250.0, 251.0]);
    assert_eq!(point.bucket_counts, [0, 1, 0, 2, 0, 1, 0]);

    assert!(metrics.iter().all(|m| !m.name.is_empty()), "no event became a metric");
}
