//! The generated objects as Terraform JSON (`*.tf.json`) for the Datadog provider
//! (`DataDog/datadog`), one resource per object.
//!
//! Attributes follow the provider's resource schemas (`docs/resources/*.md` of
//! `DataDog/terraform-provider-datadog`):
//!
//! - `datadog_service_level_objective`: `name`, `type`, `description`, `query { numerator,
//!   denominator }`, `thresholds { timeframe, target, warning }` (one block per timeframe),
//!   `timeframe`, `target_threshold`, `warning_threshold`, `tags`.
//! - `datadog_monitor`: `name`, `type`, `query`, `message`, `priority` (a string), `tags`,
//!   `notify_no_data`, `no_data_timeframe`, `require_full_window`, `include_tags`,
//!   `monitor_thresholds { critical, warning, critical_recovery }` (strings holding numbers),
//!   `monitor_threshold_windows { trigger_window, recovery_window }` (anomaly monitors).
//! - `datadog_dashboard_json`: `dashboard`, the API's dashboard JSON as a string.
//! - `datadog_logs_custom_pipeline`: `name`, `description`, `is_enabled`, `tags`, `filter {
//!   query }`, and one `processor` block per processor, holding one of `service_remapper`,
//!   `status_remapper`, `date_remapper`, `message_remapper`, `trace_id_remapper`,
//!   `span_id_remapper` (`name`, `is_enabled`, `sources`) or `attribute_remapper` (`sources`,
//!   `source_type`, `target`, `target_type`, `preserve_source`, `override_on_conflict`).
//! - `datadog_logs_index`: `name`, `filter { query }`, `retention_days`, `daily_limit`,
//!   `exclusion_filter { name, is_enabled, filter { query, sample_rate } }`.
//!
//! Strings are Terraform templates: a literal `${` or `%{` is escaped (`$${`, `%%{`), and an
//! SLO id placeholder becomes a reference to the SLO resource's `id`, so burn-rate monitors and
//! the dashboard's SLO widgets point at the SLOs Terraform creates in the same apply.

use serde_json::{Map, Value, json};

use super::generate::{Kind, Object, slo_id_placeholder};
use super::json;

/// The Terraform resource type of `kind`.
pub(crate) const fn resource_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Slo => "datadog_service_level_objective",
        Kind::Monitor => "datadog_monitor",
        Kind::Dashboard => "datadog_dashboard_json",
        Kind::LogsPipeline => "datadog_logs_custom_pipeline",
        Kind::LogsIndex => "datadog_logs_index",
    }
}

/// The Terraform resource name of the object with key `key`: letters, digits and `_`.
pub(crate) fn resource_name(key: &str) -> String {
    key.replace('-', "_")
}

/// One `.tf.json` document with a resource per object.
pub(crate) fn document(objects: &[Object], comment: &str) -> Value {
    let mut resources: Map<String, Value> = Map::new();
    for object in objects {
        let attributes = escape(attributes(object));
        let by_name = resources.entry(resource_type(object.kind)).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(by_name) = by_name {
            by_name.insert(resource_name(&object.key), attributes);
        }
    }
    let mut text = json::compact(&Value::Object(resources));
    // References to SLOs, after escaping: the placeholders were escaped too.
    for object in objects.iter().filter(|object| object.kind == Kind::Slo) {
        let escaped = format!("${}", slo_id_placeholder(&object.key));
        let reference = format!("${{{}.{}.id}}", resource_type(Kind::Slo), resource_name(&object.key));
        text = text.replace(&escaped, &reference);
    }
    let resources: Value = serde_json::from_str(&text).expect("valid JSON stays valid after replacing inside strings");
    // `//` is Terraform JSON's comment key.
    json!({"//": comment, "resource": resources})
}

fn attributes(object: &Object) -> Value {
    let api = &object.api;
    match object.kind {
        Kind::Slo => slo(api),
        Kind::Monitor => monitor(api),
        Kind::Dashboard => json!({"dashboard": json::compact(api)}),
        Kind::LogsPipeline => pipeline(api),
        Kind::LogsIndex => index(api),
    }
}

/// `keys` of `api` that are present, copied as they are.
fn copy(api: &Value, keys: &[&str]) -> Map<String, Value> {
    keys.iter().filter_map(|key| api.get(*key).map(|value| ((*key).to_owned(), value.clone()))).collect()
}

fn slo(api: &Value) -> Value {
    let mut tf = copy(
        api,
        &[
            "name",
            "type",
            "description",
            "query",
            "thresholds",
            "timeframe",
            "target_threshold",
            "warning_threshold",
            "tags",
        ],
    );
    // A metric SLO's `query` is a single block: an object in Terraform JSON.
    if let Some(query) = tf.get_mut("query") {
        *query = copy(query, &["numerator", "denominator"]).into();
    }
    Value::Object(tf)
}

/// Monitor thresholds are strings holding numbers in the provider's schema.
fn as_strings(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let text = match value {
                        // `1`, not `1.0`: the text Datadog returns, so plans show no drift.
                        Value::Number(number) => Value::String(match number.as_f64() {
                            Some(float) if float.fract() == 0.0 && float.abs() < 1e15 => format!("{float:.0}"),
                            _ => number.to_string(),
                        }),
                        other => other.clone(),
                    };
                    (key.clone(), text)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn monitor(api: &Value) -> Value {
    let mut tf = copy(api, &["name", "type", "query", "message", "tags"]);
    if let Some(priority) = api.get("priority").and_then(Value::as_i64) {
        tf.insert("priority".to_owned(), Value::String(priority.to_string()));
    }
    let options = api.get("options").cloned().unwrap_or_default();
    tf.extend(copy(&options, &["notify_no_data", "no_data_timeframe", "require_full_window", "include_tags"]));
    if let Some(thresholds) = options.get("thresholds") {
        tf.insert("monitor_thresholds".to_owned(), as_strings(thresholds));
    }
    if let Some(windows) = options.get("threshold_windows") {
        tf.insert("monitor_threshold_windows".to_owned(), windows.clone());
    }
    Value::Object(tf)
}

fn pipeline(api: &Value) -> Value {
    let mut tf = copy(api, &["name", "description", "is_enabled", "filter", "tags"]);
    let processors = api.get("processors").and_then(Value::as_array).cloned().unwrap_or_default();
    let blocks: Vec<Value> = processors
        .iter()
        .map(|processor| {
            let kind = processor.get("type").and_then(Value::as_str).unwrap_or_default();
            // `status-remapper` -> `status_remapper`: the provider's block names.
            let block = kind.replace('-', "_");
            let mut body = processor.as_object().cloned().unwrap_or_default();
            body.remove("type");
            json!({ block: body })
        })
        .collect();
    tf.insert("processor".to_owned(), Value::Array(blocks));
    Value::Object(tf)
}

fn index(api: &Value) -> Value {
    let mut tf = copy(api, &["name", "filter", "daily_limit"]);
    if let Some(days) = api.get("num_retention_days") {
        tf.insert("retention_days".to_owned(), days.clone());
    }
    if let Some(exclusions) = api.get("exclusion_filters") {
        tf.insert("exclusion_filter".to_owned(), exclusions.clone());
    }
    Value::Object(tf)
}

/// Every string of `value` with Terraform's template sequences escaped.
fn escape(value: Value) -> Value {
    match value {
        Value::String(text) => Value::String(text.replace("${", "$${").replace("%{", "%%{")),
        Value::Array(items) => Value::Array(items.into_iter().map(escape).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(key, value)| (key, escape(value))).collect()),
        other => other,
    }
}
