//! OTLP end to end: spans and metrics sent to real receivers over HTTP/protobuf and gRPC, decoded
//! with the official OpenTelemetry protobuf definitions.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use dd_instrument::{dd_slo, dd_span, dd_timed};
use dd_instrument_tests::otlp::{self, Receiver, attributes, value_text};
use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, metric, number_data_point};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use tracing_subscriber::prelude::*;

/// One metrics pipeline runs at a time: the tests of this file take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[derive(Debug)]
struct Declined;

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("card declined")
    }
}

impl std::error::Error for Declined {}

#[dd_span(kind = "client", peer = "payments", resource = "POST /charge")]
#[dd_timed(tags(method = "card"))]
#[dd_slo(name = "otlp-checkout", target = 99.9, latency_ms = 10_000)]
fn charge(fail: bool) -> Result<u32, Declined> {
    if fail { Err(Declined) } else { Ok(7) }
}

fn run(receiver: &Receiver, protocol: &str) {
    let env: HashMap<String, String> = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_METRICS_EXPORTER", "otlp"),
        ("DD_SERVICE", "shop"),
        ("DD_ENV", "test"),
        ("DD_VERSION", "1.2.3"),
        ("DD_TAGS", "team:payments"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let guard = dd_instrument::builder().env_source(env).build().expect("telemetry builds");
    tracing::subscriber::with_default(tracing_subscriber::registry().with(guard.layer()), || {
        charge(false).unwrap();
        charge(true).unwrap_err();
    });
    assert!(guard.flush(), "export completes");
    drop(guard);
    receiver.wait_for(|r| !r.traces.lock().unwrap().is_empty() && !r.metrics.lock().unwrap().is_empty());
}

fn check_traces(receiver: &Receiver) {
    let requests = receiver.traces();
    let resource_spans: Vec<_> = requests.iter().flat_map(|r| &r.resource_spans).collect();
    let resource = attributes(&resource_spans[0].resource.as_ref().expect("a resource").attributes);
    let expected_resource: BTreeMap<String, String> = [
        ("service.name", "shop"),
        ("deployment.environment.name", "test"),
        ("deployment.environment", "test"),
        ("service.version", "1.2.3"),
        ("team", "payments"),
        ("telemetry.sdk.language", "rust"),
        ("telemetry.sdk.name", "dd-instrument"),
        ("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(resource, expected_resource);

    let spans: Vec<_> = resource_spans.iter().flat_map(|rs| &rs.scope_spans).flat_map(|ss| &ss.spans).collect();
    assert_eq!(spans.len(), 2);
    for span in &spans {
        assert_eq!(span.name, "otlp_export.charge");
        assert_eq!(span.kind, SpanKind::Client as i32);
        assert_eq!(span.trace_id.len(), 16);
        assert!(span.parent_span_id.is_empty(), "roots");
        let attrs = attributes(&span.attributes);
        assert_eq!(attrs["operation.name"], "otlp_export.charge");
        assert_eq!(attrs["resource.name"], "POST /charge");
        assert_eq!(attrs["peer.service"], "payments");
        assert_eq!(attrs["code.function.name"], "otlp_export::charge");
    }
    let ok = spans[0].status.clone().unwrap_or_default();
    assert_eq!(ok.code, StatusCode::Unset as i32);
    let failed = spans[1].status.clone().expect("a status");
    assert_eq!((failed.code, failed.message.as_str()), (StatusCode::Error as i32, "card declined"));
    let failed_attrs = attributes(&spans[1].attributes);
    assert_eq!(failed_attrs["error.type"], "otlp_export::Declined");
    assert_eq!(failed_attrs["error.message"], "card declined");
}

fn check_metrics(receiver: &Receiver) {
    let requests = receiver.metrics();
    let resource_metrics: Vec<_> = requests.iter().flat_map(|r| &r.resource_metrics).collect();
    let resource = attributes(&resource_metrics[0].resource.as_ref().expect("a resource").attributes);
    assert_eq!((resource["service.name"].as_str(), resource["deployment.environment.name"].as_str()), ("shop", "test"));
    let metrics: Vec<_> = resource_metrics.iter().flat_map(|rm| &rm.scope_metrics).flat_map(|sm| &sm.metrics).collect();

    let timer = metrics.iter().find(|m| m.name == "otlp_export.charge.duration").expect("the latency histogram");
    assert_eq!(timer.unit, "ms");
    let Some(metric::Data::Histogram(histogram)) = &timer.data else { panic!("a histogram: {timer:?}") };
    assert_eq!(histogram.aggregation_temporality, AggregationTemporality::Delta as i32);
    let mut points: Vec<(BTreeMap<String, String>, u64)> =
        histogram.data_points.iter().map(|p| (attributes(&p.attributes), p.count)).collect();
    points.sort();
    let point = |outcome: &str| -> BTreeMap<String, String> {
        [("method", "card"), ("outcome", outcome)].into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
    };
    assert_eq!(points, [(point("error"), 1), (point("ok"), 1)]);
    for p in &histogram.data_points {
        assert_eq!(p.bucket_counts.len(), p.explicit_bounds.len() + 1);
        assert_eq!(p.bucket_counts.iter().sum::<u64>(), p.count);
        assert!(p.start_time_unix_nano <= p.time_unix_nano);
    }

    let sum_of = |name: &str| -> i64 {
        let metric = metrics.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("{name} missing"));
        let Some(metric::Data::Sum(sum)) = &metric.data else { panic!("{name} is a sum") };
        assert!(sum.is_monotonic);
        assert_eq!(sum.aggregation_temporality, AggregationTemporality::Delta as i32);
        let [point] = &sum.data_points[..] else { panic!("one point: {sum:?}") };
        assert_eq!(value_text(point.attributes[0].value.as_ref()), "otlp-checkout");
        match point.value {
            Some(number_data_point::Value::AsInt(n)) => n,
            other => panic!("an integer: {other:?}"),
        }
    };
    assert_eq!(sum_of("slo.requests.total"), 2);
    assert_eq!(sum_of("slo.requests.success"), 1);
    assert_eq!(sum_of("slo.requests.fast"), 1);
}

#[test]
fn traces_and_metrics_over_http_protobuf() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let receiver = otlp::http();
    run(&receiver, "http/protobuf");
    check_traces(&receiver);
    check_metrics(&receiver);
    let paths = receiver.received.paths.lock().unwrap().clone();
    assert!(paths.contains(&"/v1/traces application/x-protobuf".to_owned()), "{paths:?}");
    assert!(paths.contains(&"/v1/metrics application/x-protobuf".to_owned()), "{paths:?}");
}

#[test]
fn traces_and_metrics_over_grpc() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let receiver = otlp::grpc();
    run(&receiver, "grpc");
    check_traces(&receiver);
    check_metrics(&receiver);
    let paths = receiver.received.paths.lock().unwrap().clone();
    assert!(
        paths.contains(&"TraceService/Export".to_owned()) && paths.contains(&"MetricsService/Export".to_owned()),
        "{paths:?}"
    );
}
