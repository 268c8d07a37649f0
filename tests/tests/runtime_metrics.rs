//! Runtime metrics (`DD_RUNTIME_METRICS_ENABLED=true`) on the wire: the DogStatsD gauges of the
//! process and of the tokio runtime `build` ran in, received on a loopback socket.

use std::collections::{BTreeMap, HashMap};
use std::net::UdpSocket;
use std::time::Duration;

use dd_instrument_tests::statsd::{assert_valid_datagram, parse};

/// A metric of the application, sent in the test of the default.
static PROOF: dd_instrument::metrics::Counter = dd_instrument::metrics::Counter::new("shop.proof");

/// One metrics pipeline runs at a time: the tests of this file take turns.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn receive(socket: &UdpSocket) -> Vec<String> {
    let mut lines = Vec::new();
    let mut buf = vec![0u8; 65_536];
    while let Ok(n) = socket.recv(&mut buf) {
        let payload = std::str::from_utf8(&buf[..n]).expect("UTF-8");
        assert!(n <= 1432, "{n} bytes: {payload}");
        for line in payload.split('\n') {
            assert_valid_datagram(line);
            lines.push(line.to_owned());
        }
    }
    lines
}

#[test]
fn runtime_metrics_are_gauges_with_unified_tags_and_one_runtime_id() {
    let _turn = TURN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let port = socket.local_addr().unwrap().port();
    let env: HashMap<String, String> = [
        ("DD_RUNTIME_METRICS_ENABLED", "true"),
        ("DD_DOGSTATSD_URL", &format!("udp://127.0.0.1:{port}")),
        ("OTEL_TRACES_EXPORTER", "none"),
        ("DD_SERVICE", "shop"),
        ("DD_ENV", "test"),
        ("DD_VERSION", "1.2.3"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(3).enable_all().build().unwrap();
    let guard = runtime.block_on(async { dd_instrument::builder().env_source(env).build().expect("telemetry builds") });
    assert!(guard.flush());
    let lines = receive(&socket);
    let gauges: BTreeMap<String, (String, Vec<String>)> = lines
        .iter()
        .map(|line| parse(line))
        .filter(|line| line.name.starts_with("runtime.rust."))
        .map(|line| {
            assert_eq!(line.kind, "g", "{line:?}");
            assert_eq!(line.values.len(), 1, "{line:?}");
            (line.name.clone(), (line.values[0].clone(), line.tags))
        })
        .collect();
    let names: Vec<&str> = gauges.keys().map(String::as_str).collect();
    // The first sample: no interval yet, so no CPU times or busy ratio.
    assert_eq!(
        names,
        [
            "runtime.rust.fd_count",
            "runtime.rust.mem.rss",
            "runtime.rust.thread_count",
            "runtime.rust.tokio.alive_tasks",
            "runtime.rust.tokio.global_queue_depth",
            "runtime.rust.tokio.workers",
            "runtime.rust.uptime",
        ]
    );
    assert_eq!(gauges["runtime.rust.tokio.workers"].0, "3");
    let rss: f64 = gauges["runtime.rust.mem.rss"].0.parse().unwrap();
    assert!(rss > 1e6, "{rss}");
    let (_, tags) = &gauges["runtime.rust.uptime"];
    assert_eq!(&tags[..3], ["env:test", "service:shop", "version:1.2.3"]);
    let runtime_id = tags[3].strip_prefix("runtime-id:").expect("a runtime-id tag");
    assert_eq!(runtime_id.len(), 36);
    assert!(gauges.values().all(|(_, t)| t == tags), "every gauge has the same tags");

    // Not due again before 10 s: a second flush sends no runtime metrics.
    assert!(guard.flush());
    assert!(receive(&socket).iter().all(|line| !line.starts_with("runtime.rust.")));
    drop(guard);
    drop(runtime);
}

#[test]
fn runtime_metrics_are_off_by_default() {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let port = socket.local_addr().unwrap().port();
    let env: HashMap<String, String> =
        [("DD_DOGSTATSD_URL", format!("udp://127.0.0.1:{port}")), ("OTEL_TRACES_EXPORTER", "none".to_owned())]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
    let _turn = TURN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let guard = dd_instrument::builder().env_source(env).build().expect("telemetry builds");
    // A metric of our own proves the pipeline delivers to this socket: the absence of runtime
    // metrics below is then their being off, not a pipeline sending nothing.
    PROOF.add(1);
    assert!(guard.flush());
    drop(guard);
    let lines = receive(&socket);
    assert!(lines.iter().any(|line| line.starts_with("shop.proof:1|c")), "{lines:?}");
    assert!(lines.iter().all(|line| !line.starts_with("runtime.rust.")), "{lines:?}");
}
