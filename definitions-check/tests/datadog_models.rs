//! Every generated object against Datadog's own definitions: API bodies against the models of
//! `datadog-api-client`, Terraform against the provider's resource schemas. Covers every shape
//! of annotated function (server, client with a peer, span only, SLO only, custom metric name,
//! SLOs with and without latency, 7d/30d/90d, methods) and every setting, and the checkout
//! example's committed files.

use std::path::Path;

use dd_instrument::definitions::Definitions;
use dd_instrument::{dd_slo, dd_span, dd_timed};
use dd_instrument_definitions_check::{check_api, check_terraform};

#[derive(Debug)]
struct Declined;

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("declined")
    }
}

impl std::error::Error for Declined {}

#[dd_span(kind = "server", resource = "POST /orders")]
#[dd_timed]
#[dd_slo(
    name = "orders",
    target = 99.95,
    latency_ms = 300,
    timeframe = "90d",
    warning = 99.97,
    description = "Orders go through."
)]
fn place_order() -> Result<(), Declined> {
    Ok(())
}

#[dd_span(kind = "client", peer = "payments", span_type = "http", measured, tags(team = "pay"))]
#[dd_timed(name = "shop.payments.latency", tags(method = "card"))]
fn charge() -> Result<(), Declined> {
    Ok(())
}

#[dd_span(span_type = "sql")]
fn load_cart() {}

#[dd_slo(name = "refunds", target = 99, timeframe = "7d")]
fn refund() {}

struct Inventory;

impl Inventory {
    #[dd_span(kind = "consumer")]
    #[dd_timed]
    #[dd_slo(name = "stock-updates", target = 99.5)]
    fn apply(&self) {}
}

mod reports {
    #[dd_instrument::dd_timed]
    pub(crate) fn daily() {}
}

/// The functions run as usual; what is generated comes from their declarations alone.
fn run_them() {
    let _ = place_order();
    let _ = charge();
    load_cart();
    refund();
    Inventory.apply();
    reports::daily();
}

/// Every problem of every file of `definitions`.
fn problems(definitions: &Definitions) -> Vec<String> {
    let mut problems = Vec::new();
    for file in definitions.files() {
        let path = file.path();
        let result = if let Some(rest) = path.strip_prefix("api/") {
            let dir = rest.split('/').next().unwrap_or_default();
            check_api(dir, file.contents()).map_err(|problem| vec![problem])
        } else {
            assert!(path.starts_with("terraform/") && path.ends_with(".tf.json"), "unexpected file {path}");
            check_terraform(file.contents())
        };
        if let Err(found) = result {
            problems.extend(found.into_iter().map(|problem| format!("{path}: {problem}")));
        }
    }
    problems
}

/// The dashboard of the Terraform document, checked against the API model like the API file.
fn terraform_dashboard_problems(definitions: &Definitions) -> Vec<String> {
    let mut problems = Vec::new();
    for file in definitions.files().iter().filter(|file| file.path().ends_with(".tf.json")) {
        let document: serde_json::Value = serde_json::from_str(file.contents()).unwrap();
        for (name, dashboard) in document["resource"]["datadog_dashboard_json"].as_object().into_iter().flatten() {
            let text = dashboard["dashboard"].as_str().expect("a JSON string");
            if let Err(problem) = check_api("dashboard", text) {
                problems.push(format!("{}: {name}: {problem}", file.path()));
            }
        }
    }
    problems
}

#[test]
fn every_object_is_valid_with_default_settings() {
    run_them();
    let definitions = dd_instrument::definitions().service("shop").env("prod").build().unwrap();
    let counts = count_by_dir(&definitions);
    // SLOs: orders (success, latency), refunds (success), stock-updates (success).
    // Monitors: 2 burn rates per SLO object (8), error rate and p99 per timer (4 timers: 8),
    // anomalies on the entry points (server `place_order`, consumer `Inventory::apply`: 2).
    assert_eq!(
        counts,
        [("dashboard", 1), ("logs-index", 1), ("logs-pipeline", 1), ("monitor", 18), ("slo", 4), ("terraform", 1)]
    );
    let mut found = problems(&definitions);
    found.extend(terraform_dashboard_problems(&definitions));
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn every_object_is_valid_with_every_setting() {
    let definitions = dd_instrument::definitions()
        .service("shop")
        .env("staging")
        .team("payments")
        .tag("cost-center:42")
        .page("@pagerduty-shop")
        .ticket("@slack-shop")
        .runbook("https://runbooks.example.com/shop")
        .error_rate(0.02, 0.01)
        .latency_p99_ms(800)
        .log_retention_days(30)
        .log_daily_limit(1_000_000)
        .debug_log_sample_rate(1.0)
        .routine_log_sample_rate(0.8)
        .slow_request_ms(400)
        .health_check_routes(["/ping"])
        .build()
        .unwrap();
    let mut found = problems(&definitions);
    found.extend(terraform_dashboard_problems(&definitions));
    assert!(found.is_empty(), "{}", found.join("\n"));
    let index = definitions.file("api/logs-index/shop-staging-logs-index.json").unwrap().contents();
    assert!(index.contains("\"daily_limit\": 1000000"), "{index}");
    assert!(index.contains("-@duration:>=400000000"), "{index}");
}

#[test]
fn the_checkout_example_files_are_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/checkout/datadog");
    let mut checked = 0;
    let mut found = Vec::new();
    for entry in walk(&dir) {
        let relative = entry.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&entry).unwrap();
        let result = match relative.strip_prefix("api/") {
            Some(rest) => check_api(rest.split('/').next().unwrap(), &text).map_err(|problem| vec![problem]),
            None => check_terraform(&text),
        };
        if let Err(problems) = result {
            found.extend(problems.into_iter().map(|problem| format!("{relative}: {problem}")));
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} files under {}", dir.display());
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The validator itself rejects what Datadog would not take.
#[test]
fn the_checks_reject_unknown_keys_and_values() {
    let slo = r#"{"name":"a","type":"metric","thresholds":[{"timeframe":"30d","target":99.9}],"query":{"numerator":"n","denominator":"d"}}"#;
    assert_eq!(check_api("slo", slo), Ok(()));
    let unknown_key = slo.replace(r#""name":"a""#, r#""name":"a","targett":1"#);
    assert!(check_api("slo", &unknown_key).unwrap_err().contains("unknown keys: {\"targett\""));
    let nested_unknown = slo.replace(r#""target":99.9"#, r#""target":99.9,"warn":99.95"#);
    assert!(check_api("slo", &nested_unknown).unwrap_err().contains("unknown keys"));
    let bad_enum = slo.replace(r#""timeframe":"30d""#, r#""timeframe":"1y""#);
    assert!(check_api("slo", &bad_enum).unwrap_err().contains("UnparsedObject"));
    let bad_widget =
        r#"{"title":"t","layout_type":"ordered","widgets":[{"definition":{"type":"timeseriez","requests":[]}}]}"#;
    assert!(check_api("dashboard", bad_widget).is_err());
    let tf = r#"{"resource":{"datadog_monitor":{"m":{"name":"n","type":"query alert","query":"q","message":"m","monitor_thresholds":{"critical":"1","criticall":"2"}}}}}"#;
    let problems = check_terraform(tf).unwrap_err();
    assert_eq!(
        problems,
        ["datadog_monitor.m.monitor_thresholds[0]: `criticall` is not an attribute or block of the provider's schema"]
    );
    let missing = r#"{"resource":{"datadog_logs_index":{"i":{"filter":{"query":"q"},"retention_days":"15"}}}}"#;
    let problems = check_terraform(missing).unwrap_err();
    assert_eq!(
        problems,
        [
            "datadog_logs_index.i: required `name` is missing",
            "datadog_logs_index.i.retention_days: expected Number, found \"15\""
        ]
    );
    let dangling = r#"{"resource":{"datadog_monitor":{"m":{"name":"n","type":"slo alert","query":"burn_rate(\"${datadog_service_level_objective.x.id}\")","message":"m"}}}}"#;
    assert_eq!(check_terraform(dangling).unwrap_err().len(), 1);
}

fn count_by_dir(definitions: &Definitions) -> Vec<(&str, usize)> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for file in definitions.files() {
        let dir = file.path().strip_prefix("api/").map_or("terraform", |rest| rest.split('/').next().unwrap());
        *counts.entry(dir).or_default() += 1;
    }
    counts.into_iter().collect()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}
