//! Export failures are never silent: counted per destination (`Guard::stats`), `flush()` says
//! `false`, a `WARN` under `dd_instrument` names the destination; the counters can be sent as
//! self-metrics. `DD_TAGS` too large for a datagram is cut, said at start, and every datagram
//! stays within 1432 bytes.

use std::collections::HashMap;
use std::net::{TcpListener, UdpSocket};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use dd_instrument::{Guard, TracesExporter, dd_timed};
use dd_instrument_tests::events::{self, Recorder};
use tracing::Level;

#[dd_timed]
fn work() -> u8 {
    1
}

/// The global event recorder, and this test's turn (one metrics pipeline at a time).
fn turn() -> (MutexGuard<'static, ()>, &'static Recorder) {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    static RECORDER: OnceLock<Recorder> = OnceLock::new();
    let turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let recorder = RECORDER.get_or_init(events::record_globally);
    recorder.take();
    (turn, recorder)
}

fn build(vars: &[(&str, &str)]) -> Guard {
    let env: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    dd_instrument::builder()
        .env_source(env)
        .service("shop")
        .traces_exporter(TracesExporter::None)
        .flush_interval(Duration::from_hours(1))
        .shutdown_timeout(Duration::from_secs(2))
        .build()
        .expect("telemetry builds")
}

/// A loopback port where nothing listens.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

fn udp_receiver() -> (UdpSocket, u16) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let port = socket.local_addr().expect("address").port();
    (socket, port)
}

/// Every datagram that arrived, without waiting for more.
fn datagrams(socket: &UdpSocket) -> Vec<String> {
    socket.set_nonblocking(true).expect("non-blocking");
    let mut buf = vec![0; 65_536];
    let mut out = Vec::new();
    while let Ok(n) = socket.recv(&mut buf) {
        out.push(String::from_utf8(buf[..n].to_vec()).expect("UTF-8"));
    }
    out
}

#[test]
fn an_unresolvable_dogstatsd_host_is_counted_and_reported() {
    let (_turn, recorder) = turn();
    let guard = build(&[("DD_DOGSTATSD_HOST", "no-such-agent.invalid")]);
    work();
    work();
    assert!(!guard.flush(), "nothing was delivered");
    let stats = guard.stats();
    assert_eq!((stats.metrics.sent, stats.metrics.dropped, stats.metrics.failed), (0, 0, 1), "{stats:?}");
    work();
    assert!(!guard.flush());
    assert_eq!(guard.stats().metrics.failed, 2);
    let warnings = recorder.take_library(Level::WARN);
    // Reported once for its kind, not once per flush.
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].starts_with(
            "1 metric points not delivered to DogStatsD udp://no-such-agent.invalid:8125: the host name does not \
             resolve: `no-such-agent.invalid` does not resolve"
        ),
        "{}",
        warnings[0]
    );
    drop(guard);
}

#[test]
fn a_missing_unix_socket_is_counted_and_reported_with_the_console_hint() {
    let (_turn, recorder) = turn();
    let guard = build(&[("OTEL_METRICS_EXPORTER", "dogstatsd")]);
    drop(guard);
    // No Agent configured at all: the warning says how to print instead.
    let guard = dd_instrument::builder()
        .env_source(HashMap::<String, String>::new())
        .service("shop")
        .traces_exporter(TracesExporter::None)
        .dogstatsd("unix:///nonexistent/dd-instrument/dsd.socket".parse().expect("address"))
        .flush_interval(Duration::from_hours(1))
        .build()
        .expect("builds");
    recorder.take();
    work();
    assert!(!guard.flush());
    assert_eq!(guard.stats().metrics.failed, 1);
    let warnings = recorder.take_library(Level::WARN);
    assert_eq!(
        warnings,
        ["1 metric points not delivered to DogStatsD unix:///nonexistent/dd-instrument/dsd.socket: the socket does \
          not exist (no Agent, or not mounted?): No such file or directory (os error 2)"]
    );
    drop(guard);
}

#[test]
fn a_refusing_otlp_endpoint_is_counted_and_reported() {
    let (_turn, recorder) = turn();
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let guard = build(&[("OTEL_METRICS_EXPORTER", "otlp"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    work();
    assert!(!guard.flush());
    assert_eq!(guard.stats().metrics.failed, 1);
    let warnings = recorder.take_library(Level::WARN);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let expected = format!("1 metric points not delivered to OTLP/HTTP {endpoint}/v1/metrics: unreachable: ");
    assert!(warnings[0].starts_with(&expected), "{}", warnings[0]);
    drop(guard);
}

#[test]
fn delivered_points_are_counted_and_can_be_sent_as_self_metrics() {
    let (_turn, _recorder) = turn();
    let (socket, port) = udp_receiver();
    let port = port.to_string();
    let guard = build(&[
        ("DD_DOGSTATSD_HOST", "127.0.0.1"),
        ("DD_DOGSTATSD_PORT", &port),
        ("DD_INSTRUMENT_HEALTH_METRICS", "true"),
    ]);
    work();
    assert!(guard.flush());
    let first = guard.stats().metrics;
    assert_eq!((first.sent, first.dropped, first.failed), (1, 0, 0));
    // The next flush reports the previous one's counts.
    assert!(guard.flush());
    let lines: Vec<String> =
        datagrams(&socket).iter().flat_map(|d| d.lines().map(str::to_owned).collect::<Vec<_>>()).collect();
    assert!(lines.contains(&"datadog.dd_instrument.points.sent:1|c|#service:shop".to_owned()), "{lines:#?}");
    assert_eq!(guard.stats().metrics.sent, 2);
    drop(guard);
}

#[test]
fn many_dd_tags_are_cut_said_at_start_and_every_datagram_fits() {
    let (_turn, recorder) = turn();
    let (socket, port) = udp_receiver();
    let port = port.to_string();
    let mut tags: Vec<String> = (0..8000).map(|i| format!("tag{i}:value{i}")).collect();
    tags.push("tag0:value0".to_owned());
    let dd_tags = tags.join(",");
    let guard = build(&[("DD_DOGSTATSD_HOST", "127.0.0.1"), ("DD_DOGSTATSD_PORT", &port), ("DD_TAGS", &dd_tags)]);
    let warnings = recorder.take_library(Level::WARN);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].starts_with(
            "DD_TAGS and the builder's tags hold 8001 tags (8000 distinct); every DogStatsD \
                                 datagram carries them and must fit in 1432 bytes, so only the first "
        ),
        "{}",
        warnings[0]
    );
    let kept = guard.service_info().tags().len();
    assert!((40..80).contains(&kept), "{kept} tags kept");
    for _ in 0..100 {
        work();
    }
    assert!(guard.flush());
    let received = datagrams(&socket);
    assert!(!received.is_empty());
    for datagram in &received {
        assert!(datagram.len() <= 1432, "a datagram of {} bytes", datagram.len());
    }
    let line = received
        .iter()
        .flat_map(|d| d.lines())
        .find(|line| line.starts_with("export_health.work.duration:"))
        .expect("the points arrived");
    let tags = line.split("|#").nth(1).expect("tags");
    assert_eq!(tags.split(',').filter(|tag| *tag == "tag0:value0").count(), 1, "deduplicated");
    assert_eq!(guard.stats().metrics.dropped, 0);
    drop(guard);
}

#[dd_instrument::dd_span]
fn traced() -> u8 {
    2
}

#[test]
fn spans_an_otlp_endpoint_refuses_are_counted_and_reported() {
    use tracing_subscriber::prelude::*;

    let (_turn, recorder) = turn();
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let env: HashMap<String, String> = HashMap::from([("OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(), endpoint.clone())]);
    let guard = dd_instrument::builder()
        .env_source(env)
        .service("shop")
        .traces_exporter(TracesExporter::Otlp)
        .metrics_exporter(dd_instrument::MetricsExporter::None)
        .build()
        .expect("builds");
    recorder.take();
    let subscriber = tracing_subscriber::registry().with(guard.layer());
    tracing::subscriber::with_default(subscriber, || {
        traced();
        traced();
    });
    assert!(!guard.flush(), "the spans were not delivered");
    let spans = guard.stats().spans;
    assert_eq!((spans.sent, spans.dropped, spans.failed), (0, 0, 2));
    let warnings = recorder.take_library(Level::WARN);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let expected = format!("2 spans not delivered to OTLP/HTTP {endpoint}/v1/traces: unreachable: ");
    assert!(warnings[0].starts_with(&expected), "{}", warnings[0]);
    drop(guard);
}
