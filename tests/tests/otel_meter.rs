//! The global OpenTelemetry `MeterProvider` `init`/`build` install (feature `otel-metrics`):
//! `opentelemetry::global::meter(..)` counters, up-down counters, gauges, observable gauges and
//! histograms as the exact DogStatsD lines a loopback socket receives and the exact OTLP points
//! a receiver decodes, with the unified service tags; counts per flush (delta temporality),
//! levels every flush, the last flush at shutdown, and the opt-out.

use std::collections::{BTreeMap, HashMap};
use std::net::UdpSocket;
use std::sync::{Mutex, PoisonError};

use dd_instrument::{DogStatsdAddr, MetricsExporter, TracesExporter};
use dd_instrument_tests::otlp::{self, attributes};
use dd_instrument_tests::statsd::parse;
use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Gauge, Histogram, UpDownCounter};
use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, Metric, metric, number_data_point};

/// One pipeline and one global provider per process: the tests take turns.
static SERIAL: Mutex<()> = Mutex::new(());

const GLOBAL_TAGS: &str = "env:test,service:shop,version:1.2.3";

/// Instruments of a library, made from the global meter after `build`.
struct Library {
    orders: Counter<u64>,
    bytes: Counter<f64>,
    connections: UpDownCounter<i64>,
    depth: Gauge<f64>,
    latency: Histogram<f64>,
}

impl Library {
    fn new() -> Self {
        let meter = opentelemetry::global::meter("lib");
        // Read at every flush.
        let _observed = meter.u64_observable_gauge("otel.cache.entries").with_callback(|o| o.observe(42, &[])).build();
        Self {
            orders: meter.u64_counter("otel.orders").build(),
            bytes: meter.f64_counter("otel.bytes").build(),
            connections: meter.i64_up_down_counter("otel.connections").build(),
            depth: meter.f64_gauge("otel.queue.depth").build(),
            latency: meter.f64_histogram("otel.latency").with_unit("ms").build(),
        }
    }

    /// The first interval's measurements.
    fn record(&self) {
        self.orders.add(2, &[KeyValue::new("country", "FR")]);
        self.orders.add(3, &[KeyValue::new("country", "FR")]);
        self.orders.add(1, &[]);
        self.bytes.add(1.5, &[]);
        self.bytes.add(0.25, &[]);
        self.connections.add(3, &[KeyValue::new("pool", "main")]);
        self.connections.add(-1, &[KeyValue::new("pool", "main")]);
        self.depth.record(12.0, &[]);
        self.depth.record(7.5, &[]);
        for value in [3.0, 3.0, 3.0] {
            self.latency.record(value, &[KeyValue::new("route", "/cart"), KeyValue::new("ok", true)]);
        }
        for value in [1.0, 2.0, 100.0] {
            self.latency.record(value, &[KeyValue::new("route", "/pay"), KeyValue::new("ok", true)]);
        }
    }
}

/// A loopback DogStatsD socket and a pipeline that flushes only when told.
fn dogstatsd(env: BTreeMap<String, String>) -> (UdpSocket, dd_instrument::Guard) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback UDP socket");
    let port = socket.local_addr().expect("local address").port();
    let guard = dd_instrument::builder()
        .env_source(env)
        .service("shop")
        .env("test")
        .version("1.2.3")
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::DogStatsd)
        .dogstatsd(DogStatsdAddr::Udp { host: "127.0.0.1".into(), port })
        .flush_interval(std::time::Duration::from_hours(1))
        .build()
        .expect("telemetry builds");
    (socket, guard)
}

/// The `otel.*` lines received so far, sorted.
fn received(socket: &UdpSocket) -> Vec<String> {
    socket.set_nonblocking(true).expect("non-blocking");
    let mut buf = vec![0u8; 65_536];
    let mut lines = Vec::new();
    while let Ok(n) = socket.recv(&mut buf) {
        let payload = std::str::from_utf8(&buf[..n]).expect("datagrams are UTF-8");
        lines.extend(payload.split('\n').filter(|line| line.starts_with("otel.")).map(str::to_owned));
    }
    for line in &lines {
        parse(line);
    }
    lines.sort();
    lines
}

#[test]
fn global_meter_instruments_reach_dogstatsd_with_the_unified_service_tags() {
    let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let (socket, guard) = dogstatsd(BTreeMap::new());
    let library = Library::new();
    library.record();
    assert!(guard.flush(), "flush completes");
    // The spread histogram: the minimum and maximum are exact, other values stand as the
    // midpoint of their exponential bucket (here 64 per power of two): 2 as 1.9883. Attributes
    // become tags sorted by key.
    assert_eq!(
        received(&socket),
        [
            format!("otel.bytes:1.75|c|#{GLOBAL_TAGS}"),
            format!("otel.cache.entries:42|g|#{GLOBAL_TAGS}"),
            format!("otel.connections:2|g|#{GLOBAL_TAGS},pool:main"),
            format!("otel.latency:1:1.9883:100|d|#{GLOBAL_TAGS},ok:true,route:/pay"),
            format!("otel.latency:3:3:3|d|#{GLOBAL_TAGS},ok:true,route:/cart"),
            format!("otel.orders:1|c|#{GLOBAL_TAGS}"),
            format!("otel.orders:5|c|#{GLOBAL_TAGS},country:fr"),
            format!("otel.queue.depth:7.5|g|#{GLOBAL_TAGS}"),
        ]
    );

    // Counts, histograms and gauges are per interval; levels and observations come every flush.
    library.orders.add(4, &[]);
    assert!(guard.flush(), "flush completes");
    assert_eq!(
        received(&socket),
        [
            format!("otel.cache.entries:42|g|#{GLOBAL_TAGS}"),
            format!("otel.connections:2|g|#{GLOBAL_TAGS},pool:main"),
            format!("otel.orders:4|c|#{GLOBAL_TAGS}"),
        ]
    );

    // Dropping the guard flushes the provider once more, then shuts it down.
    library.orders.add(6, &[]);
    library.connections.add(-2, &[KeyValue::new("pool", "main")]);
    drop(guard);
    assert_eq!(
        received(&socket),
        [
            format!("otel.cache.entries:42|g|#{GLOBAL_TAGS}"),
            format!("otel.connections:0|g|#{GLOBAL_TAGS},pool:main"),
            format!("otel.orders:6|c|#{GLOBAL_TAGS}"),
        ]
    );
}

#[test]
fn the_provider_is_not_installed_when_turned_off() {
    let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let env = BTreeMap::from([("DD_INSTRUMENT_OTEL_METRICS".to_owned(), "false".to_owned())]);
    let (socket, guard) = dogstatsd(env);
    let orders = opentelemetry::global::meter("lib").u64_counter("otel.off.orders").build();
    orders.add(1, &[]);
    assert!(guard.flush(), "flush completes");
    drop(guard);
    assert_eq!(received(&socket), Vec::<String>::new(), "the application's own provider (none here) is kept");
}

fn find<'a>(metrics: &'a [&Metric], name: &str) -> &'a Metric {
    metrics.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("{name} missing"))
}

fn number(value: Option<&number_data_point::Value>) -> (&'static str, f64) {
    #[allow(clippy::cast_precision_loss)]
    match value {
        Some(number_data_point::Value::AsInt(n)) => ("int", *n as f64),
        Some(number_data_point::Value::AsDouble(x)) => ("double", *x),
        None => panic!("no value"),
    }
}

#[test]
fn global_meter_instruments_reach_otlp_as_delta_sums_gauges_and_histograms() {
    let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let receiver = otlp::http();
    let env: HashMap<String, String> = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_METRICS_EXPORTER", "otlp"),
        ("OTEL_TRACES_EXPORTER", "none"),
        ("DD_SERVICE", "shop"),
        ("DD_ENV", "test"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let guard = dd_instrument::builder()
        .env_source(env)
        .flush_interval(std::time::Duration::from_hours(1))
        .build()
        .expect("telemetry builds");
    let library = Library::new();
    library.record();
    drop(guard);
    receiver.wait_for(|r| !r.metrics.lock().unwrap_or_else(PoisonError::into_inner).is_empty());

    let requests = receiver.metrics();
    assert_eq!(requests.len(), 1, "one flush, at shutdown");
    let resource = requests[0].resource_metrics[0].resource.as_ref().expect("a resource");
    let resource = attributes(&resource.attributes);
    assert_eq!((resource["service.name"].as_str(), resource["deployment.environment.name"].as_str()), ("shop", "test"));
    let metrics: Vec<&Metric> = requests
        .iter()
        .flat_map(|r| &r.resource_metrics)
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .filter(|m| m.name.starts_with("otel."))
        .collect();

    let sums = |name: &str| {
        let Some(metric::Data::Sum(sum)) = &find(&metrics, name).data else { panic!("{name}: a sum") };
        assert_eq!(sum.aggregation_temporality, AggregationTemporality::Delta as i32, "{name}");
        assert!(sum.is_monotonic, "{name}");
        sum.data_points.iter().map(|p| (attributes(&p.attributes), number(p.value.as_ref()))).collect::<Vec<_>>()
    };
    assert_eq!(
        sums("otel.orders"),
        [(BTreeMap::new(), ("int", 1.0)), (BTreeMap::from([("country".to_owned(), "fr".to_owned())]), ("int", 5.0))]
    );
    assert_eq!(sums("otel.bytes"), [(BTreeMap::new(), ("double", 1.75))]);

    let gauges = |name: &str| {
        let Some(metric::Data::Gauge(gauge)) = &find(&metrics, name).data else { panic!("{name}: a gauge") };
        gauge.data_points.iter().map(|p| (attributes(&p.attributes), number(p.value.as_ref()))).collect::<Vec<_>>()
    };
    assert_eq!(
        gauges("otel.connections"),
        [(BTreeMap::from([("pool".to_owned(), "main".to_owned())]), ("double", 2.0))]
    );
    assert_eq!(gauges("otel.queue.depth"), [(BTreeMap::new(), ("double", 7.5))]);
    assert_eq!(gauges("otel.cache.entries"), [(BTreeMap::new(), ("double", 42.0))]);

    let Some(metric::Data::Histogram(histogram)) = &find(&metrics, "otel.latency").data else { panic!("a histogram") };
    assert_eq!(histogram.aggregation_temporality, AggregationTemporality::Delta as i32);
    let points: Vec<_> = histogram
        .data_points
        .iter()
        .map(|p| (attributes(&p.attributes)["route"].clone(), p.count, p.sum, p.min, p.max))
        .collect();
    assert_eq!(
        points,
        [
            ("/cart".to_owned(), 3, Some(9.0), Some(3.0), Some(3.0)),
            ("/pay".to_owned(), 3, Some(1.0 + 1.9883 + 100.0), Some(1.0), Some(100.0)),
        ]
    );
}
