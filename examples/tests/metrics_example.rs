//! The metrics example, run as a real process against a loopback DogStatsD socket: every kind of
//! metric it makes arrives as the exact datagram Datadog's Agent parses, with the unified service
//! tags of its environment.

use std::net::UdpSocket;
use std::process::Command;
use std::time::Duration;

use dd_instrument_tests::statsd::{assert_valid_datagram, parse};

const UNIFIED: &str = "env:acceptance,service:inventory,version:1.0.0";

#[test]
fn the_metrics_example_sends_each_kind_of_metric_with_the_unified_service_tags() {
    let statsd = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback UDP socket");
    statsd.set_read_timeout(Some(Duration::from_secs(2))).expect("timeout");
    let output = Command::new(env!("CARGO_BIN_EXE_metrics"))
        .env_clear()
        .env("DD_SERVICE", "inventory")
        .env("DD_ENV", "acceptance")
        .env("DD_VERSION", "1.0.0")
        .env("DD_DOGSTATSD_URL", format!("udp://{}", statsd.local_addr().expect("address")))
        .env("OTEL_TRACES_EXPORTER", "none")
        .output()
        .expect("the example runs");
    assert!(output.status.success(), "the example failed: {}", String::from_utf8_lossy(&output.stderr));

    let mut lines = Vec::new();
    let mut buffer = vec![0; 65536];
    while let Ok(n) = statsd.recv(&mut buffer) {
        lines.extend(String::from_utf8_lossy(&buffer[..n]).lines().map(str::to_owned));
    }
    for line in lines.iter().filter(|line| !line.starts_with("_e{") && !line.starts_with("_sc|")) {
        assert_valid_datagram(line);
    }
    let has = |expected: &str| assert!(lines.iter().any(|line| line == expected), "{expected} not in {lines:#?}");
    // Handles of dd_instrument::metrics, static tags after the unified ones.
    has(&format!("inventory.restocked:12|c|#{UNIFIED},team:warehouse,sku:mug"));
    has(&format!("inventory.backlog:4|g|#{UNIFIED}"));
    has(&format!("inventory.pickers.active:0|g|#{UNIFIED}"));
    has(&format!("inventory.pick.items:1:2:3:5|d|#{UNIFIED}"));
    let members = lines.iter().filter(|line| line.starts_with("inventory.skus.touched:")).count();
    assert_eq!(members, 2, "two distinct SKUs, one line each: {lines:#?}");
    // An OpenTelemetry counter from the global meter: a delta per tag set.
    has(&format!("inventory.reservations:6|c|#{UNIFIED},warehouse:eu-west"));
    has(&format!("inventory.reservations:5|c|#{UNIFIED},warehouse:us-east"));
    // The event and the service check, by DogStatsD's grammar.
    has(&format!(
        "_e{{18,36}}:Deployed inventory|Rolled out to the eu-west warehouse.|k:deploy-inventory|t:success|#{UNIFIED}"
    ));
    has(&format!("_sc|inventory.database.can_connect|0|#{UNIFIED}|m:db-1:5432 answered"));
    // #[dd_timed]: one value per call, in seconds, per warehouse.
    let metric_lines = || lines.iter().filter(|line| !line.starts_with("_e{") && !line.starts_with("_sc|"));
    let picks = |warehouse: &str| -> usize {
        metric_lines()
            .map(|line| parse(line))
            .filter(|line| line.name == "inventory.pick" && line.tags.contains(&format!("warehouse:{warehouse}")))
            .map(|line| line.values.len())
            .sum()
    };
    assert_eq!((picks("eu-west"), picks("us-east")), (3, 1), "{lines:#?}");
    // Runtime metrics: process gauges with the runtime-id tag.
    for name in ["runtime.rust.uptime", "runtime.rust.mem.rss", "runtime.rust.thread_count", "runtime.rust.fd_count"] {
        let line = lines
            .iter()
            .find(|line| line.starts_with(&format!("{name}:")))
            .unwrap_or_else(|| panic!("{name} not in {lines:#?}"));
        assert!(line.contains(&format!("|g|#{UNIFIED},runtime-id:")), "{line}");
    }
}
