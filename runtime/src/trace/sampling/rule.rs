//! What a sampling rule matches: the root span as Datadog will see it.

use std::borrow::Cow;

use opentelemetry::{KeyValue, Value};

use super::glob::{glob_match, is_star};
use crate::SamplingRule;

/// Datadog tag names and the OpenTelemetry attributes the Agent renames to them: a rule written
/// with either name matches a span carrying the other.
const TAG_ALIASES: [(&str, &str); 3] = [
    ("http.status_code", "http.response.status_code"),
    ("http.method", "http.request.method"),
    ("http.url", "url.full"),
];

impl SamplingRule {
    /// Whether the rule applies to a trace whose root span is `span`.
    pub(super) fn matches(&self, span: &RootSpan<'_>) -> bool {
        let field =
            |glob: &Option<String>, value: &str| glob.as_deref().is_none_or(|g| g.is_empty() || glob_match(g, value));
        field(&self.service, span.service)
            && field(&self.name, &span.name)
            && field(&self.resource, &span.resource)
            && self.tags.iter().all(|(key, glob)| {
                glob.is_empty() || span.attribute(key).is_some_and(|value| value_matches(glob, value))
            })
    }
}

/// Whether an attribute value matches a tag glob, as Datadog's tracers render values.
fn value_matches(glob: &str, value: &Value) -> bool {
    match value {
        Value::String(s) => glob_match(glob, s.as_str()),
        Value::Bool(b) => glob_match(glob, if *b { "true" } else { "false" }),
        Value::I64(i) => glob_match(glob, &i.to_string()),
        // `Display` writes integral floats without a fraction: 200.0 -> "200".
        Value::F64(f) if f.is_finite() && f.fract() == 0.0 => glob_match(glob, &f.to_string()),
        Value::F64(_) => is_star(glob),
        _ => false,
    }
}

/// What rules match on: the root span as Datadog will see it.
pub(super) struct RootSpan<'a> {
    service: &'a str,
    name: Cow<'a, str>,
    resource: Cow<'a, str>,
    attributes: &'a [KeyValue],
}

impl<'a> RootSpan<'a> {
    pub(super) fn new(service: &'a str, span_name: &'a str, attributes: &'a [KeyValue]) -> Self {
        let text = |key: &str| find(attributes, key).map(Value::as_str);
        Self {
            service,
            name: text("operation.name").unwrap_or(Cow::Borrowed(span_name)),
            resource: text("resource.name").unwrap_or(Cow::Borrowed(span_name)),
            attributes,
        }
    }

    /// The attribute `key`, else the attribute the Agent renames to or from it.
    fn attribute(&self, key: &str) -> Option<&'a Value> {
        find(self.attributes, key).or_else(|| {
            let alias = TAG_ALIASES.iter().find_map(|&(dd, otel)| match key {
                k if k == dd => Some(otel),
                k if k == otel => Some(dd),
                _ => None,
            })?;
            find(self.attributes, alias)
        })
    }
}

fn find<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_service_name_and_resource() {
        let plain = RootSpan::new("checkout", "pay", &[]);
        let attrs = [KeyValue::new("operation.name", "http.request"), KeyValue::new("resource.name", "POST /pay")];
        let named = RootSpan::new("checkout", "pay", &attrs);

        assert!(SamplingRule::new(1.0).matches(&plain));
        assert!(SamplingRule::new(1.0).service("CHECK*").matches(&plain));
        assert!(!SamplingRule::new(1.0).service("billing").matches(&plain));
        assert!(SamplingRule::new(1.0).service("").name("").resource("").matches(&plain));
        // Name and resource fall back to the span name.
        assert!(SamplingRule::new(1.0).name("pay").resource("pay").matches(&plain));
        // `operation.name` and `resource.name` win over it.
        assert!(SamplingRule::new(1.0).name("http.*").resource("POST /*").matches(&named));
        assert!(!SamplingRule::new(1.0).name("pay").matches(&named));
        assert!(!SamplingRule::new(1.0).resource("pay").matches(&named));
        assert!(!SamplingRule::new(1.0).service("checkout").name("http.*").resource("GET *").matches(&named));
    }

    #[test]
    fn tags_match_rendered_attribute_values() {
        let attrs = [
            KeyValue::new("env", "Prod"),
            KeyValue::new("retries", 3_i64),
            KeyValue::new("http.response.status_code", 503_i64),
            KeyValue::new("http.method", "POST"),
            KeyValue::new("ratio", 200.0),
            KeyValue::new("score", 0.75),
            KeyValue::new("cached", true),
            KeyValue::new("ids", Value::Array(opentelemetry::Array::I64(vec![1, 2]))),
        ];
        let span = RootSpan::new("checkout", "pay", &attrs);
        let tag = |key: &str, glob: &str| SamplingRule::new(1.0).tag(key, glob).matches(&span);

        assert!(tag("env", "prod"));
        assert!(tag("env", "pr?d"));
        assert!(!tag("env", "dev"));
        assert!(tag("retries", "3"));
        assert!(!tag("retries", "3?"));
        assert!(tag("ratio", "200"));
        assert!(!tag("ratio", "200.0"));
        assert!(tag("score", "*"));
        assert!(!tag("score", "0.75"));
        assert!(!tag("score", "0.*"));
        assert!(tag("cached", "true"));
        assert!(!tag("ids", "*"));
        // The attribute must be there, even for `*`; an empty glob is no constraint.
        assert!(!tag("absent", "*"));
        assert!(tag("absent", ""));
        // Datadog names match OpenTelemetry names and the other way round.
        assert!(tag("http.status_code", "5*"));
        assert!(tag("http.response.status_code", "503"));
        assert!(tag("http.request.method", "post"));
        // Every tag must match.
        assert!(SamplingRule::new(1.0).tag("env", "prod").tag("retries", "3").matches(&span));
        assert!(!SamplingRule::new(1.0).tag("env", "prod").tag("retries", "4").matches(&span));
        // A repeated key replaces the glob.
        assert_eq!(SamplingRule::new(1.0).tag("env", "a").tag("env", "b").tags, vec![("env".into(), "b".into())]);
    }
}
