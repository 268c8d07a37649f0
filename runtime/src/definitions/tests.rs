use std::path::PathBuf;

use serde_json::Value;

use super::*;
use crate::slo::{Slo, Timeframe};

static CHECKOUT_SLO: Slo = Slo::__new("checkout", 99.9, Some(250), "shop.checkout", "shop::checkout", &[]).__objective(
    Timeframe::Days90,
    None,
    Some("Orders go through ${quickly}."),
);
static CHECKOUT: FunctionDef = FunctionDef::__new(
    "shop::checkout",
    "shop.checkout",
    Some(SpanDef::__new(Some("POST /checkout"), "server", None, None, false, &[])),
    Some(TimerDef::__new("shop.checkout.duration", &[])),
    Some(&CHECKOUT_SLO),
);
static CHARGE: FunctionDef = FunctionDef::__new(
    "shop::payments::charge",
    "shop.payments.charge",
    Some(SpanDef::__new(None, "client", Some("payments"), Some("http"), false, &[])),
    Some(TimerDef::__new("shop.payments.latency", &["method:card"])),
    None,
);
static LOAD: FunctionDef = FunctionDef::__new(
    "shop::db::load",
    "shop.db.load",
    Some(SpanDef::__new(Some("load"), "internal", None, Some("sql"), false, &[])),
    None,
    None,
);

/// `CHECKOUT` after a change of its target.
static STRICTER: Slo = Slo::__new("checkout", 99.95, Some(250), "shop.checkout", "shop::checkout", &[]).__objective(
    Timeframe::Days90,
    None,
    None,
);
static CHECKOUT2: FunctionDef = FunctionDef::__new(
    "shop::checkout",
    "shop.checkout",
    None,
    Some(TimerDef::__new("shop.checkout.duration", &[])),
    Some(&STRICTER),
);

fn builder() -> DefinitionsBuilder {
    definitions().service("shop").env("prod").functions([&CHECKOUT, &CHARGE, &LOAD])
}

/// A fresh directory under the target directory's temp space, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("dd-instrument-definitions-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn no_env() -> std::collections::HashMap<String, String> {
    std::collections::HashMap::new()
}

fn env(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn writes_on_the_first_run_then_fails_with_a_diff_when_stale() {
    let dir = TempDir::new("stale");
    let defs = builder().build().unwrap();
    defs.check_or_write_with(&dir.0, &no_env()).unwrap();
    assert!(dir.0.join("terraform/shop-prod.tf.json").exists());
    defs.check_or_write_with(&dir.0, &no_env()).unwrap();

    // The code changed: a stricter target.
    let changed = definitions().service("shop").env("prod").functions([&CHECKOUT2, &CHARGE, &LOAD]).build().unwrap();
    let error = changed.check_or_write_with(&dir.0, &no_env()).unwrap_err();
    let text = format!("{error:?}");
    assert!(text.starts_with("the Datadog definitions in `"), "{text}");
    assert!(
        text.contains("--- a/api/slo/shop-prod-checkout-success.json\n+++ b/api/slo/shop-prod-checkout-success.json"),
        "{text}"
    );
    assert!(text.contains("\n-  \"target_threshold\": 99.9,\n+  \"target_threshold\": 99.95,\n"), "{text}");
    assert!(
        text.ends_with("Review the change, then regenerate: DD_INSTRUMENT_DEFINITIONS=overwrite cargo test"),
        "{text}"
    );

    let overwrite = env(&[(WRITE_VAR, "overwrite")]);
    changed.check_or_write_with(&dir.0, &overwrite).unwrap();
    changed.check(&dir.0).unwrap();
}

#[test]
fn files_no_longer_generated_are_stale_and_removed() {
    let dir = TempDir::new("removed");
    let defs = builder().build().unwrap();
    defs.write(&dir.0).unwrap();
    let old = dir.0.join("api/slo/shop-prod-refunds-success.json");
    std::fs::write(&old, "{}\n").unwrap();
    // Another service's and another environment's files are not ours.
    let other_service = dir.0.join("api/slo/shopping-prod-x-success.json");
    let other_env = dir.0.join("api/slo/shop-prod_eu-x-success.json");
    std::fs::write(&other_service, "{}\n").unwrap();
    std::fs::write(&other_env, "{}\n").unwrap();
    let error = defs.check(&dir.0).unwrap_err().to_string();
    assert!(error.contains("1 file(s) differ"), "{error}");
    assert!(
        error.contains("--- a/api/slo/shop-prod-refunds-success.json\n+++ /dev/null\n@@ -1 +0,0 @@\n-{}\n"),
        "{error}"
    );
    let changed = defs.write(&dir.0).unwrap();
    assert_eq!(changed, ["api/slo/shop-prod-refunds-success.json"]);
    assert!(!old.exists() && other_service.exists() && other_env.exists());
    defs.check(&dir.0).unwrap();
}

#[test]
fn a_missing_file_is_stale_once_others_exist() {
    let dir = TempDir::new("missing");
    let defs = builder().build().unwrap();
    defs.write(&dir.0).unwrap();
    std::fs::remove_file(dir.0.join("api/dashboard/shop-prod-dashboard.json")).unwrap();
    let error = defs.check_or_write_with(&dir.0, &no_env()).unwrap_err().to_string();
    assert!(error.contains("--- /dev/null\n+++ b/api/dashboard/shop-prod-dashboard.json"), "{error}");
}

#[test]
fn output_does_not_depend_on_registration_order() {
    let a = builder().build().unwrap();
    let b = definitions().service("shop").env("prod").functions([&LOAD, &CHARGE, &CHECKOUT]).build().unwrap();
    assert_eq!(a.files(), b.files());
    let paths: Vec<&str> = a.files().iter().map(DefinitionFile::path).collect();
    assert_eq!(
        paths,
        [
            "api/dashboard/shop-prod-dashboard.json",
            "api/logs-index/shop-prod-logs-index.json",
            "api/logs-pipeline/shop-prod-logs-pipeline.json",
            "api/monitor/shop-prod-checkout-latency-burn-page.json",
            "api/monitor/shop-prod-checkout-latency-burn-ticket.json",
            "api/monitor/shop-prod-checkout-success-burn-page.json",
            "api/monitor/shop-prod-checkout-success-burn-ticket.json",
            "api/monitor/shop-prod-shop_checkout_duration-errors.json",
            "api/monitor/shop-prod-shop_checkout_duration-p99.json",
            "api/monitor/shop-prod-shop_checkout_duration-requests-anomaly.json",
            "api/monitor/shop-prod-shop_payments_latency-errors.json",
            "api/monitor/shop-prod-shop_payments_latency-p99.json",
            "api/slo/shop-prod-checkout-latency.json",
            "api/slo/shop-prod-checkout-success.json",
            "terraform/shop-prod.tf.json",
        ]
    );
}

fn json(defs: &Definitions, path: &str) -> Value {
    serde_json::from_str(defs.file(path).unwrap_or_else(|| panic!("{path}")).contents()).unwrap()
}

#[test]
fn slos_are_scoped_and_have_every_timeframe_asked() {
    let defs = builder().build().unwrap();
    let slo = json(&defs, "api/slo/shop-prod-checkout-latency.json");
    assert_eq!(slo["query"]["numerator"], "sum:slo.requests.fast{slo:checkout,service:shop,env:prod}.as_count()");
    assert_eq!(slo["query"]["denominator"], "sum:slo.requests.total{slo:checkout,service:shop,env:prod}.as_count()");
    let timeframes: Vec<&str> =
        slo["thresholds"].as_array().unwrap().iter().map(|t| t["timeframe"].as_str().unwrap()).collect();
    assert_eq!(timeframes, ["7d", "30d", "90d"]);
    assert_eq!(
        (slo["timeframe"].as_str(), slo["target_threshold"].as_f64(), slo["warning_threshold"].as_f64()),
        (Some("90d"), Some(99.9), Some(99.95))
    );
    let description = slo["description"].as_str().unwrap();
    assert!(
        description.starts_with("Orders go through ${quickly}.\n\n99.9% of calls return normally within 250 ms"),
        "{description}"
    );
    assert!(description.contains("on `shop::checkout`"), "{description}");
}

#[test]
fn monitors_derive_thresholds_from_the_slo() {
    let defs = builder().build().unwrap();
    let errors = json(&defs, "api/monitor/shop-prod-shop_checkout_duration-errors.json");
    assert_eq!(
        errors["query"],
        "sum(last_5m):count:shop.checkout.duration{service:shop AND env:prod AND outcome IN (error, panic)}.as_count() / \
         count:shop.checkout.duration{service:shop,env:prod}.as_count() > 0.01"
    );
    assert_eq!(errors["options"]["thresholds"], serde_json::json!({"critical": 0.01, "warning": 0.005}));
    let p99 = json(&defs, "api/monitor/shop-prod-shop_checkout_duration-p99.json");
    assert_eq!(p99["query"], "avg(last_10m):p99:shop.checkout.duration{service:shop,env:prod} > 250");
    // Without an SLO: the defaults.
    let charge = json(&defs, "api/monitor/shop-prod-shop_payments_latency-errors.json");
    assert_eq!(charge["options"]["thresholds"], serde_json::json!({"critical": 0.05, "warning": 0.02}));
    let burn = json(&defs, "api/monitor/shop-prod-checkout-success-burn-page.json");
    assert_eq!(
        burn["query"],
        "burn_rate(\"${SLO_ID_SHOP_PROD_CHECKOUT_SUCCESS}\").over(\"90d\").long_window(\"1h\").short_window(\"5m\") > 14.4"
    );
    // The anomaly monitor of the server function notifies when traffic stops.
    let anomaly = json(&defs, "api/monitor/shop-prod-shop_checkout_duration-requests-anomaly.json");
    assert_eq!(
        (anomaly["options"]["notify_no_data"].as_bool(), anomaly["options"]["no_data_timeframe"].as_i64()),
        (Some(true), Some(30))
    );
    let set = builder().error_rate(0.2, 0.1).latency_p99_ms(900).build().unwrap();
    let errors = json(&set, "api/monitor/shop-prod-shop_checkout_duration-errors.json");
    assert_eq!(errors["options"]["thresholds"], serde_json::json!({"critical": 0.2, "warning": 0.1}));
    let p99 = json(&set, "api/monitor/shop-prod-shop_checkout_duration-p99.json");
    assert_eq!(p99["options"]["thresholds"], serde_json::json!({"critical": 900, "warning": 720}));
}

#[test]
fn terraform_references_slos_and_escapes_templates() {
    let defs = builder().build().unwrap();
    let tf = json(&defs, "terraform/shop-prod.tf.json");
    let resources = &tf["resource"];
    let burn = &resources["datadog_monitor"]["shop_prod_checkout_success_burn_page"];
    assert_eq!(
        burn["query"],
        "burn_rate(\"${datadog_service_level_objective.shop_prod_checkout_success.id}\").over(\"90d\").long_window(\"1h\").short_window(\"5m\") > 14.4"
    );
    assert_eq!(burn["monitor_thresholds"]["critical"], "14.4");
    assert_eq!(burn["priority"], "1");
    let slo = &resources["datadog_service_level_objective"]["shop_prod_checkout_latency"];
    assert!(slo["description"].as_str().unwrap().starts_with("Orders go through $${quickly}."));
    let dashboard = resources["datadog_dashboard_json"]["shop_prod_dashboard"]["dashboard"].as_str().unwrap();
    assert!(
        dashboard.contains("\"slo_id\":\"${datadog_service_level_objective.shop_prod_checkout_latency.id}\""),
        "{dashboard}"
    );
    let pipeline = &resources["datadog_logs_custom_pipeline"]["shop_prod_logs_pipeline"];
    assert_eq!(
        pipeline["processor"][4],
        serde_json::json!({"trace_id_remapper": {"name": "Trace id from dd.trace_id", "is_enabled": true, "sources": ["dd.trace_id"]}})
    );
    let index = &resources["datadog_logs_index"]["shop_prod_logs_index"];
    assert_eq!(index["retention_days"], 15);
    assert_eq!(
        index["exclusion_filter"][0]["filter"]["query"],
        "@http.route:(\"/health\" OR \"/healthz\" OR \"/livez\" OR \"/readyz\")"
    );
}

#[test]
fn settings_are_validated() {
    let cases: [(DefinitionsBuilder, &str); 7] = [
        (definitions().env("prod"), "invalid `service` ``: required"),
        (definitions().service("Shop Front").env("prod"), "invalid `service` `Shop Front`: not a valid tag value"),
        (
            builder().log_retention_days(10),
            "invalid `log_retention_days` `10`: expected one of 3, 7, 15, 30, 45, 60, 90, 180, 360",
        ),
        (builder().error_rate(0.01, 0.02), "invalid `error_rate` `0.01, 0.02`"),
        (builder().page("pagerduty"), "invalid `page/ticket` `pagerduty`"),
        (builder().debug_log_sample_rate(1.5), "invalid `debug_log_sample_rate` `1.5`"),
        (builder().tag("Team Pay"), "invalid `tag` `Team Pay`"),
    ];
    for (builder, expected) in cases {
        let error = builder.build().unwrap_err().to_string();
        assert!(error.starts_with(expected), "{error}");
    }
    let defs = builder().build().unwrap();
    let error = defs.check_or_write_with(std::env::temp_dir(), &env(&[(WRITE_VAR, "yes")])).unwrap_err().to_string();
    assert_eq!(error, "invalid `DD_INSTRUMENT_DEFINITIONS` `yes`: expected `overwrite`, or unset");
}

#[test]
fn the_dashboard_groups_functions_by_module() {
    let defs = builder().build().unwrap();
    let dashboard = json(&defs, "api/dashboard/shop-prod-dashboard.json");
    let groups: Vec<(&str, i64, i64)> = dashboard["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["definition"]["title"].as_str().unwrap(),
                w["layout"]["y"].as_i64().unwrap(),
                w["layout"]["height"].as_i64().unwrap(),
            )
        })
        .collect();
    // Each group starts where the previous one ends.
    assert_eq!(
        groups,
        [("Service level objectives", 0, 4), ("Monitors", 4, 5), ("shop", 9, 3), ("shop::payments", 12, 3)]
    );
}

/// `count` leaked functions with a timer, in `modules` modules, the first with an SLO.
fn many(count: usize, modules: usize) -> Vec<&'static FunctionDef> {
    let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
    (0..count)
        .map(|i| {
            let module = format!("shop::m{}", i % modules);
            let function = leak(format!("{module}::f{i:02}"));
            let operation = leak(function.replace("::", "."));
            let timer = Some(TimerDef::__new(leak(format!("{operation}.duration")), &[]));
            let span = Some(SpanDef::__new(None, if i == 0 { "server" } else { "internal" }, None, None, false, &[]));
            let slo = (i == 0).then_some(&CHECKOUT_SLO);
            &*Box::leak(Box::new(FunctionDef::__new(function, operation, span, timer, slo)))
        })
        .collect()
}

#[test]
fn the_dashboard_stays_readable_with_sixty_functions() {
    let defs = definitions().service("shop").env("prod").functions(many(60, 6)).build().unwrap();
    let dashboard = json(&defs, "api/dashboard/shop-prod-dashboard.json");
    let groups = dashboard["widgets"].as_array().unwrap();
    // SLOs, monitors, then one group per module.
    assert_eq!(groups.len(), 2 + 6);
    let mut bottom = 0;
    for group in groups {
        let layout = &group["layout"];
        assert_eq!((layout["x"].as_i64(), layout["width"].as_i64()), (Some(0), Some(12)));
        assert_eq!(layout["y"].as_i64(), Some(bottom), "groups follow each other");
        bottom += layout["height"].as_i64().unwrap();
        let widgets = group["definition"]["widgets"].as_array().unwrap();
        for widget in widgets {
            let inner = &widget["layout"];
            assert!(inner["x"].as_i64().unwrap() + inner["width"].as_i64().unwrap() <= 12);
            assert!(
                inner["y"].as_i64().unwrap() + inner["height"].as_i64().unwrap() < layout["height"].as_i64().unwrap()
            );
        }
    }
    let module_widgets: usize = groups[2..].iter().map(|g| g["definition"]["widgets"].as_array().unwrap().len()).sum();
    assert_eq!(module_widgets, 60 * 3);
    assert_eq!(groups[2]["definition"]["title"], "shop::m0");
    assert_eq!(groups[2]["definition"]["widgets"][0]["definition"]["title"], "f00: calls/s");
}

#[test]
fn keys_stay_unique_when_names_collide() {
    static A: Slo = Slo::__new("checkout-eu", 99.0, None, "a", "a", &[]);
    static B: Slo = Slo::__new("checkout_eu", 99.0, None, "b", "b", &[]);
    static FA: FunctionDef =
        FunctionDef::__new("shop::a", "shop.a", None, Some(TimerDef::__new("shop.a_b", &[])), Some(&A));
    static FB: FunctionDef =
        FunctionDef::__new("shop::b", "shop.b", None, Some(TimerDef::__new("shop.a.b", &[])), Some(&B));
    let defs = definitions().service("shop").env("prod").functions([&FA, &FB]).build().unwrap();
    let slos: Vec<&str> = defs.files().iter().map(DefinitionFile::path).filter(|p| p.starts_with("api/slo/")).collect();
    assert_eq!(slos, ["api/slo/shop-prod-checkout_eu-success-2.json", "api/slo/shop-prod-checkout_eu-success.json"]);
    let errors = defs.files().iter().filter(|f| f.path().ends_with("-errors.json")).count();
    assert_eq!(errors, 2);
    let second = json(&defs, "api/slo/shop-prod-checkout_eu-success-2.json");
    assert_eq!(second["tags"][3], "slo:checkout_eu");
}
