//! The ready-made runtime metrics dashboard (`examples/dashboards/rust-runtime-metrics.json`):
//! a body `POST /api/v1/dashboard` accepts, querying exactly the metrics runtime metrics send.

use std::collections::BTreeSet;

use dd_instrument_definitions_check::check_api;

/// Every metric `DD_RUNTIME_METRICS_ENABLED=true` sends (runtime/src/metrics/runtime_metrics.rs).
const SENT: [&str; 11] = [
    "runtime.rust.cpu.time.user",
    "runtime.rust.cpu.time.sys",
    "runtime.rust.cpu.percent",
    "runtime.rust.mem.rss",
    "runtime.rust.fd_count",
    "runtime.rust.thread_count",
    "runtime.rust.uptime",
    "runtime.rust.tokio.workers",
    "runtime.rust.tokio.alive_tasks",
    "runtime.rust.tokio.global_queue_depth",
    "runtime.rust.tokio.busy_ratio",
];

#[test]
fn the_runtime_dashboard_is_a_valid_body_and_queries_every_runtime_metric() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/dashboards/rust-runtime-metrics.json");
    let text = std::fs::read_to_string(path).expect("the dashboard file");
    check_api("dashboard", &text).expect("a dashboard Datadog's API accepts");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut queried = BTreeSet::new();
    for widget in json["widgets"].as_array().unwrap() {
        for request in widget["definition"]["requests"].as_array().unwrap() {
            for query in request["queries"].as_array().unwrap() {
                let query = query["query"].as_str().unwrap();
                let (_, rest) = query.split_once(':').unwrap();
                let (metric, _) = rest.split_once('{').unwrap();
                queried.insert(metric.to_owned());
            }
        }
    }
    let sent: BTreeSet<String> = SENT.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(queried, sent);
}
