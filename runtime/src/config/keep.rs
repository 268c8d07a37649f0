//! Keeping what head sampling dropped: whole traces with an error or a slow local root
//! ([`KeepSettings`]), and single spans matched by [`SpanSamplingRule`]s
//! (`DD_SPAN_SAMPLING_RULES`). The decisions are made by `trace::tail` at the end of each local
//! trace; this is their vocabulary and syntax.

use std::time::Duration;

use serde_json::Value as Json;

use super::env::{self, EnvSource};
use super::error::{InitError, invalid_env, shorten};
use super::parse::parse_bool;
use super::sampling_rule::unknown_key;

/// A span sampling rule (single span ingestion), as in `DD_SPAN_SAMPLING_RULES`.
///
/// When the trace sampler drops a trace, spans matching a rule are still sent on their own:
/// `sample_rate` of them (chosen by span id), at most `max_per_second` per second. Use it for
/// spans you want to count and search even in dropped traces: a cache lookup, a queue
/// consumer's message span. Rules are tried in order; the first whose globs match decides.
/// They apply on every export path; with native export (feature `datadog`) a span is matched
/// on the service and operation name it has when it starts.
///
/// Globs as in [`SamplingRule`](crate::SamplingRule): `*` any run of characters, `?` one,
/// matching ignores case and covers the whole value; `None` matches anything.
///
/// ```
/// use dd_instrument::SpanSamplingRule;
///
/// // Keep every `cache.get` span of dropped traces, at most 50 per second.
/// let rule = SpanSamplingRule::new(1.0).name("cache.get").max_per_second(50.0);
/// let _telemetry = dd_instrument::builder().span_sampling_rule(rule);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SpanSamplingRule {
    /// Fraction of the matching spans that are kept, from 0.0 to 1.0.
    pub sample_rate: f64,
    /// Glob on the span's service (its `service.name` attribute, else the service of this
    /// program). `None`: any.
    pub service: Option<String>,
    /// Glob on the span's operation name (its `operation.name` attribute, else its span name).
    /// `None`: any.
    pub name: Option<String>,
    /// Most spans kept by this rule per second; `None`: no limit.
    pub max_per_second: Option<f64>,
}

impl SpanSamplingRule {
    /// A rule keeping `sample_rate` of all spans of dropped traces; narrow it with the other
    /// methods. Rates outside 0.0..=1.0 are clamped into it, and NaN counts as 0.0.
    #[must_use]
    pub fn new(sample_rate: f64) -> Self {
        Self { sample_rate: super::clamp_rate(sample_rate), service: None, name: None, max_per_second: None }
    }

    /// Applies the rule only to spans whose service matches `glob`.
    #[must_use]
    pub fn service(mut self, glob: impl Into<String>) -> Self {
        self.service = Some(glob.into());
        self
    }

    /// Applies the rule only to spans whose operation name matches `glob`.
    #[must_use]
    pub fn name(mut self, glob: impl Into<String>) -> Self {
        self.name = Some(glob.into());
        self
    }

    /// Keeps at most `spans` spans per second with this rule (negative and NaN count as 0).
    #[must_use]
    pub fn max_per_second(mut self, spans: f64) -> Self {
        self.max_per_second = Some(if spans.is_nan() { 0.0 } else { spans.max(0.0) });
        self
    }
}

/// What to keep of the traces head sampling dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct KeepSettings {
    /// Keep whole local traces that contain a span with an error status.
    pub(crate) errors: bool,
    /// Keep whole local traces whose local root lasted at least this long.
    pub(crate) slow: Option<Duration>,
    /// Keep single spans of dropped traces.
    pub(crate) span_rules: Vec<SpanSamplingRule>,
}

impl KeepSettings {
    /// Whether anything is kept after the head decision: spans of dropped traces must then be
    /// recorded until their local root ends.
    pub(crate) fn any(&self) -> bool {
        self.errors || self.slow.is_some() || !self.span_rules.is_empty()
    }
}

/// Code settings win over the environment, one setting at a time.
pub(crate) fn resolve_keep(
    errors: Option<bool>,
    slow: Option<Duration>,
    span_rules: &[SpanSamplingRule],
    source: &dyn EnvSource,
) -> Result<KeepSettings, InitError> {
    let errors = match (errors, env::read(source, env::DD_INSTRUMENT_KEEP_ERRORS)) {
        (Some(errors), _) => errors,
        (None, Some(value)) => parse_bool(env::DD_INSTRUMENT_KEEP_ERRORS, &value)?,
        (None, None) => false,
    };
    let slow = match (slow, env::read(source, env::DD_INSTRUMENT_KEEP_SLOW_MS)) {
        (Some(slow), _) => (!slow.is_zero()).then_some(slow),
        (None, Some(value)) => match value.trim().parse::<u64>() {
            Ok(0) => None,
            Ok(ms) => Some(Duration::from_millis(ms)),
            Err(_) => {
                return Err(invalid_env(
                    env::DD_INSTRUMENT_KEEP_SLOW_MS,
                    &value,
                    "expected a whole number of milliseconds, like 500 (0 turns it off)",
                ));
            }
        },
        (None, None) => None,
    };
    let span_rules = if span_rules.is_empty() { span_rules_from_env(source)? } else { span_rules.to_vec() };
    Ok(KeepSettings { errors, slow, span_rules })
}

/// `DD_SPAN_SAMPLING_RULES`, else the file `DD_SPAN_SAMPLING_RULES_FILE` names.
fn span_rules_from_env(source: &dyn EnvSource) -> Result<Vec<SpanSamplingRule>, InitError> {
    if let Some(value) = env::read(source, env::DD_SPAN_SAMPLING_RULES) {
        return parse_span_rules(&value).map_err(|reason| invalid_env(env::DD_SPAN_SAMPLING_RULES, &value, reason));
    }
    let Some(path) = env::read(source, env::DD_SPAN_SAMPLING_RULES_FILE) else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| invalid_env(env::DD_SPAN_SAMPLING_RULES_FILE, &path, format!("cannot read the file: {e}")))?;
    parse_span_rules(&text).map_err(|reason| invalid_env(env::DD_SPAN_SAMPLING_RULES_FILE, &path, reason))
}

const SPAN_RULE_KEYS: [&str; 4] = ["service", "name", "sample_rate", "max_per_second"];

/// Parses `DD_SPAN_SAMPLING_RULES`: a JSON array of objects with optional `service` and `name`
/// globs, `sample_rate` (0.0 to 1.0, default 1.0) and `max_per_second`. Unknown keys are
/// errors (a misspelt `"sevice"` would otherwise match every service). Errors name the rule by
/// its index, from 0.
pub(crate) fn parse_span_rules(json: &str) -> Result<Vec<SpanSamplingRule>, String> {
    if json.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value: Json = serde_json::from_str(json).map_err(|e| format!("not a JSON array of span rules: {e}"))?;
    let Json::Array(items) = value else {
        return Err("not a JSON array of span rules; put the rules in `[...]`".to_owned());
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            parse_span_rule(item).map_err(|e| format!("rule {index} `{}`: {e}", shorten(&item.to_string())))
        })
        .collect()
}

fn parse_span_rule(item: &Json) -> Result<SpanSamplingRule, String> {
    let Json::Object(fields) = item else {
        return Err("a rule must be a JSON object".to_owned());
    };
    if let Some(key) = fields.keys().find(|key| !SPAN_RULE_KEYS.contains(&key.as_str())) {
        return Err(unknown_key(key, &SPAN_RULE_KEYS));
    }
    let number = |key: &str, valid: fn(f64) -> bool, expected: &str| match fields.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(value) => {
            value.as_f64().filter(|n| valid(*n)).map(Some).ok_or_else(|| format!("`{key}` must be {expected}"))
        }
    };
    let glob = |key: &str| match fields.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(glob)) => Ok(Some(glob.clone())),
        Some(_) => Err(format!("`{key}` must be a string (a glob)")),
    };
    let rate = number("sample_rate", |r| (0.0..=1.0).contains(&r), "a number from 0.0 to 1.0")?.unwrap_or(1.0);
    let mut rule = SpanSamplingRule::new(rate);
    rule.service = glob("service")?;
    rule.name = glob("name")?;
    rule.max_per_second = number("max_per_second", |n| n.is_finite() && n >= 0.0, "a number, 0 or more")?;
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn span_rules_parse_with_defaults() {
        let rules = parse_span_rules(
            r#"[{"service": "shop*", "name": "cache.*", "sample_rate": 0.5, "max_per_second": 20},
                {"name": "queue.consume"}]"#,
        )
        .unwrap();
        assert_eq!(
            rules,
            vec![
                SpanSamplingRule::new(0.5).service("shop*").name("cache.*").max_per_second(20.0),
                SpanSamplingRule::new(1.0).name("queue.consume"),
            ]
        );
        assert_eq!(parse_span_rules(" ").unwrap(), vec![]);
    }

    #[test]
    fn span_rule_errors_name_the_rule_and_reject_unknown_keys() {
        let cases = [
            (
                r#"[{"sevice": "a"}]"#,
                "rule 0 `{\"sevice\":\"a\"}`: unknown key `sevice`: did you mean `service`? (expected `service`, `name`, `sample_rate` or `max_per_second`)",
            ),
            (
                r#"[{}, {"sample_rate": 2}]"#,
                "rule 1 `{\"sample_rate\":2}`: `sample_rate` must be a number from 0.0 to 1.0",
            ),
            (
                r#"[{"max_per_second": -1}]"#,
                "rule 0 `{\"max_per_second\":-1}`: `max_per_second` must be a number, 0 or more",
            ),
            (r#"[{"name": 3}]"#, "rule 0 `{\"name\":3}`: `name` must be a string (a glob)"),
            ("[1]", "rule 0 `1`: a rule must be a JSON object"),
            (r#"{"name": "a"}"#, "not a JSON array of span rules; put the rules in `[...]`"),
        ];
        for (json, message) in cases {
            assert_eq!(parse_span_rules(json).unwrap_err(), message, "input {json}");
        }
        let long = format!(r#"[{{"name": "{}", "x": 1}}]"#, "n".repeat(500));
        let message = parse_span_rules(&long).unwrap_err();
        assert!(message.len() < 250, "{message}");
    }

    #[test]
    fn keep_settings_resolve_code_over_environment() {
        let source = env(&[
            (env::DD_INSTRUMENT_KEEP_ERRORS, "true"),
            (env::DD_INSTRUMENT_KEEP_SLOW_MS, "750"),
            (env::DD_SPAN_SAMPLING_RULES, r#"[{"name": "cache.get"}]"#),
        ]);
        let keep = resolve_keep(None, None, &[], &source).unwrap();
        assert_eq!(
            keep,
            KeepSettings {
                errors: true,
                slow: Some(Duration::from_millis(750)),
                span_rules: vec![SpanSamplingRule::new(1.0).name("cache.get")],
            }
        );
        let keep = resolve_keep(Some(false), Some(Duration::ZERO), &[SpanSamplingRule::new(0.1)], &source).unwrap();
        assert_eq!(keep, KeepSettings { errors: false, slow: None, span_rules: vec![SpanSamplingRule::new(0.1)] });
        assert!(!resolve_keep(None, None, &[], &env(&[])).unwrap().any());
    }

    #[test]
    fn keep_settings_errors_name_the_variable() {
        let bad = [
            (env::DD_INSTRUMENT_KEEP_ERRORS, "maybe"),
            (env::DD_INSTRUMENT_KEEP_SLOW_MS, "1.5s"),
            (env::DD_SPAN_SAMPLING_RULES, "[{\"nme\": \"x\"}]"),
            (env::DD_SPAN_SAMPLING_RULES_FILE, "/nonexistent/rules.json"),
        ];
        for (variable, value) in bad {
            let err = resolve_keep(None, None, &[], &env(&[(variable, value)])).unwrap_err();
            assert!(matches!(err, InitError::InvalidEnv { variable: v, .. } if v == variable), "{variable}: {err}");
        }
    }

    #[test]
    fn span_rules_come_from_a_file_unless_the_variable_is_set() {
        let path = std::env::temp_dir().join(format!("dd-span-rules-{}.json", std::process::id()));
        std::fs::write(&path, r#"[{"service": "from-file"}]"#).unwrap();
        let file = path.to_str().unwrap();
        let from_file = resolve_keep(None, None, &[], &env(&[(env::DD_SPAN_SAMPLING_RULES_FILE, file)])).unwrap();
        assert_eq!(from_file.span_rules, vec![SpanSamplingRule::new(1.0).service("from-file")]);
        let both =
            env(&[(env::DD_SPAN_SAMPLING_RULES_FILE, file), (env::DD_SPAN_SAMPLING_RULES, r#"[{"name": "n"}]"#)]);
        assert_eq!(
            resolve_keep(None, None, &[], &both).unwrap().span_rules,
            vec![SpanSamplingRule::new(1.0).name("n")]
        );
        std::fs::remove_file(&path).unwrap();
    }
}
