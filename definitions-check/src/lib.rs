//! Checks of the Datadog objects dd-instrument generates, against Datadog's own definitions.
//!
//! - [`check_api`]: a request body deserializes into the model of Datadog's official Rust client
//!   (`datadog-api-client`) for its endpoint, with nothing the model does not know. The models
//!   are generated from Datadog's OpenAPI specification; their `Deserialize` puts unknown keys
//!   into `additional_properties` and values an enum or `oneOf` does not accept into
//!   `UnparsedObject` (marking the parent `_unparsed`), instead of failing. Both are looked for
//!   at every depth, through the models' derived `Debug` (the only view of the crate-private
//!   `_unparsed` flag), and the model must serialize back to exactly the input.
//! - [`check_terraform`]: a `.tf.json` document uses only attributes and blocks of the Datadog
//!   provider's resource schemas, with their types, required attributes and block counts
//!   (`schema/terraform.json`, extracted from the provider's documentation by
//!   `schema/extract.py`).

use datadog_api_client::datadogV1::model::{Dashboard, LogsIndex, LogsPipeline, Monitor, ServiceLevelObjectiveRequest};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Checks `text`, the body of a request to the endpoint whose generated files live in
/// `api/<dir>/`, against the model of that endpoint.
pub fn check_api(dir: &str, text: &str) -> Result<(), String> {
    match dir {
        // POST /api/v1/slo
        "slo" => check_model::<ServiceLevelObjectiveRequest>(text),
        // POST /api/v1/monitor
        "monitor" => check_model::<Monitor>(text),
        // POST /api/v1/dashboard
        "dashboard" => check_model::<Dashboard>(text),
        // POST /api/v1/logs/config/pipelines
        "logs-pipeline" => check_model::<LogsPipeline>(text),
        // POST /api/v1/logs/config/indexes
        "logs-index" => check_model::<LogsIndex>(text),
        other => Err(format!("no model for `api/{other}/`")),
    }
}

fn check_model<T: DeserializeOwned + Serialize + std::fmt::Debug>(text: &str) -> Result<(), String> {
    let input: Value = serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
    let model: T = serde_json::from_value(input.clone())
        .map_err(|error| format!("rejected by `{}`: {error}", std::any::type_name::<T>()))?;
    let debug = format!("{model:?}");
    let mut problems = Vec::new();
    for (at, _) in debug.match_indices("additional_properties: ") {
        let rest = &debug[at + "additional_properties: ".len()..];
        if !rest.starts_with("{}") {
            problems.push(format!("unknown keys: {}", excerpt(rest)));
        }
    }
    for (at, _) in debug.match_indices("UnparsedObject(") {
        problems.push(format!("a value no variant accepts: {}", excerpt(&debug[at..])));
    }
    if debug.contains("_unparsed: true") {
        problems.push("a nested value the model could not parse (`_unparsed`)".to_owned());
    }
    let back = serde_json::to_value(&model).map_err(|error| format!("does not serialize back: {error}"))?;
    if !same(&back, &input) {
        problems.push(format!("the model does not serialize back to the input:\n  input: {input}\n  model: {back}"));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// JSON equality, numbers by value: `250` and `250.0` are the same JSON number to Datadog.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(key, value)| y.get(key).is_some_and(|other| same(value, other)))
        }
        _ => a == b,
    }
}

fn excerpt(text: &str) -> String {
    text.chars().take(300).collect()
}

/// The provider schemas (see the crate docs).
fn schema() -> Value {
    serde_json::from_str(include_str!("../schema/terraform.json")).expect("schema/terraform.json is JSON")
}

/// Checks a `.tf.json` document: every resource against its provider schema, and every
/// `${<type>.<name>.id}` reference against the resources of the document. Returns every problem.
pub fn check_terraform(text: &str) -> Result<(), Vec<String>> {
    let schema = schema();
    let mut problems = Vec::new();
    let document: Value = match serde_json::from_str(text) {
        Ok(document) => document,
        Err(error) => return Err(vec![format!("not JSON: {error}")]),
    };
    let Some(resources) = document.get("resource").and_then(Value::as_object) else {
        return Err(vec!["no `resource` object".to_owned()]);
    };
    for key in document.as_object().into_iter().flatten().map(|(key, _)| key) {
        if !matches!(key.as_str(), "resource" | "//") {
            problems.push(format!("unexpected top-level key `{key}`"));
        }
    }
    let mut names = Vec::new();
    for (kind, by_name) in resources {
        let Some(blocks) = schema["resources"].get(kind) else {
            problems.push(format!("`{kind}` is not a resource this check knows"));
            continue;
        };
        for (name, attributes) in by_name.as_object().into_iter().flatten() {
            names.push(format!("{kind}.{name}"));
            check_block(blocks, "", attributes, &format!("{kind}.{name}"), &mut problems);
        }
    }
    // References: `${type.name.id}` must name a resource of this document.
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        // `$${` is an escaped literal, not a reference.
        let escaped = at > 0 && rest.as_bytes()[at - 1] == b'$';
        let after = &rest[at + 2..];
        let end = after.find('}').unwrap_or(after.len());
        if !escaped {
            let reference = &after[..end];
            match reference.strip_suffix(".id") {
                Some(resource) if names.iter().any(|name| name == resource) => {}
                _ => problems.push(format!("`${{{reference}}}` does not name the id of a resource of this file")),
            }
        }
        rest = &after[end..];
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

fn check_block(blocks: &Value, path: &str, value: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(attributes) = value.as_object() else {
        problems.push(format!("{at}: expected an object"));
        return;
    };
    let Some(schema) = blocks.get(path).and_then(Value::as_object) else {
        problems.push(format!("{at}: no schema for block `{path}`"));
        return;
    };
    for (name, spec) in schema {
        if spec["required"] == Value::Bool(true) && !attributes.contains_key(name) {
            problems.push(format!("{at}: required `{name}` is missing"));
        }
    }
    for (name, value) in attributes {
        if name == "//" {
            continue;
        }
        let Some(spec) = schema.get(name) else {
            problems.push(format!("{at}: `{name}` is not an attribute or block of the provider's schema"));
            continue;
        };
        let kind = spec["type"].as_str().unwrap_or_default();
        let here = format!("{at}.{name}");
        check_value(blocks, path, name, kind, spec, value, &here, problems);
    }
}

#[allow(clippy::too_many_arguments)]
fn check_value(
    blocks: &Value,
    path: &str,
    name: &str,
    kind: &str,
    spec: &Value,
    value: &Value,
    at: &str,
    problems: &mut Vec<String>,
) {
    let ok = match kind {
        "String" => value.is_string(),
        "Number" => value.is_number(),
        "Boolean" => value.is_boolean(),
        "Set of String" | "List of String" => value.as_array().is_some_and(|items| items.iter().all(Value::is_string)),
        "Set of Number" | "List of Number" => value.as_array().is_some_and(|items| items.iter().all(Value::is_number)),
        block if block.starts_with("Block") => {
            let nested = if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
            // A block is an object, or an array of objects for repeated blocks.
            let items: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            if let Some(max) = spec.get("max").and_then(Value::as_u64)
                && items.len() as u64 > max
            {
                problems.push(format!("{at}: {} blocks, at most {max} allowed", items.len()));
            }
            for (i, item) in items.iter().enumerate() {
                check_block(blocks, &nested, item, &format!("{at}[{i}]"), problems);
            }
            true
        }
        other => {
            problems.push(format!("{at}: unknown schema type `{other}`"));
            true
        }
    };
    if !ok {
        problems.push(format!("{at}: expected {kind}, found {value}"));
    }
}
