//! [`SamplingRule`]: the trace sampling rules a user configures, in code or as the JSON of
//! `DD_TRACE_SAMPLING_RULES`. What a rule matches is applied by `trace::sampling`.

use serde_json::Value as Json;

/// Default of `DD_TRACE_RATE_LIMIT`: traces per second that rules and the sample rate may keep.
pub(crate) const DEFAULT_RATE_LIMIT: f64 = 100.0;

/// A trace sampling rule, as in `DD_TRACE_SAMPLING_RULES`.
///
/// A rule applies to a trace when the trace's root span matches every glob the rule has. Rules
/// are tried in order and the first one that applies decides: it keeps `sample_rate` of the
/// traces it applies to (chosen by trace id, so all services agree), within the rate limit
/// (`DD_TRACE_RATE_LIMIT`). Rules never apply to spans that continue a trace: those follow the
/// decision made where the trace started.
///
/// Globs, as in Datadog's tracers: `*` matches any run of characters (none included), `?`
/// exactly one character, everything else itself; matching ignores case and covers the whole
/// value. An absent glob, or an empty one, matches anything.
///
/// ```
/// use dd_instrument::SamplingRule;
///
/// // The same as DD_TRACE_SAMPLING_RULES='[{"resource":"POST /checkout","sample_rate":1},
/// //   {"service":"shop","tags":{"http.route":"/health*"},"sample_rate":0.01}]'
/// let builder = dd_instrument::builder()
///     // Every checkout trace...
///     .sampling_rule(SamplingRule::new(1.0).resource("POST /checkout"))
///     // ...one health check in a hundred; other traces: the sample rate, else the Agent's rates.
///     .sampling_rule(SamplingRule::new(0.01).service("shop").tag("http.route", "/health*"));
/// # drop(builder);
///
/// let rule = SamplingRule::new(1.5).name("http.*");
/// assert_eq!((rule.sample_rate, rule.name.as_deref()), (1.0, Some("http.*")), "rates are clamped");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SamplingRule {
    /// Fraction of the traces the rule applies to that are kept, from 0.0 (none) to 1.0 (all).
    pub sample_rate: f64,
    /// Glob on the service: the service this program reports (`DD_SERVICE`). `None`: any.
    pub service: Option<String>,
    /// Glob on the operation name: the root span's `operation.name` attribute, else its span
    /// name. `None`: any.
    pub name: Option<String>,
    /// Glob on the resource: the root span's `resource.name` attribute, else its span name.
    /// `None`: any.
    pub resource: Option<String>,
    /// Globs on the root span's attributes, as `(key, glob)` pairs; every pair must match. The
    /// attribute must be present (an empty glob is ignored). Strings match as they are, booleans
    /// as `true` / `false`, integers in decimal, floats with an integral value as integers
    /// (`200.0` as `200`); other floats only match globs made of `*` alone. `http.status_code`,
    /// `http.method` and `http.url` also match `http.response.status_code`,
    /// `http.request.method` and `url.full`, and the other way round.
    pub tags: Vec<(String, String)>,
}

impl SamplingRule {
    /// A rule keeping `sample_rate` of all traces; narrow it with the other methods. Rates
    /// outside 0.0..=1.0 are clamped into it, and NaN counts as 0.0.
    #[must_use]
    pub fn new(sample_rate: f64) -> Self {
        Self { sample_rate: clamp_rate(sample_rate), service: None, name: None, resource: None, tags: Vec::new() }
    }

    /// Applies the rule only when the service matches `glob`.
    #[must_use]
    pub fn service(mut self, glob: impl Into<String>) -> Self {
        self.service = Some(glob.into());
        self
    }

    /// Applies the rule only when the root span's operation name matches `glob`.
    #[must_use]
    pub fn name(mut self, glob: impl Into<String>) -> Self {
        self.name = Some(glob.into());
        self
    }

    /// Applies the rule only when the root span's resource matches `glob`.
    #[must_use]
    pub fn resource(mut self, glob: impl Into<String>) -> Self {
        self.resource = Some(glob.into());
        self
    }

    /// Applies the rule only when the root span's attribute `key` matches `glob`; a second
    /// call with the same key replaces the glob.
    #[must_use]
    pub fn tag(mut self, key: impl Into<String>, glob: impl Into<String>) -> Self {
        let (key, glob) = (key.into(), glob.into());
        match self.tags.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = glob,
            None => self.tags.push((key, glob)),
        }
        self
    }
}

/// Parses `DD_TRACE_SAMPLING_RULES`: a JSON array of objects with a `sample_rate` from 0.0 to
/// 1.0 and optional `service`, `name`, `resource` globs and a `tags` object of key -> glob.
///
/// `provenance` (written by remote configuration) is ignored; any other key is an error, with a
/// suggestion for a likely typo (`sevice`), since a misspelt key would silently widen the rule
/// to every trace. `null` counts as absent. Blank input is no rules. Errors name the rule by its index in
/// the array, from 0, and show it.
pub(crate) fn parse_rules(json: &str) -> Result<Vec<SamplingRule>, String> {
    if json.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value: Json = serde_json::from_str(json).map_err(|e| format!("not a JSON array of rules: {e}"))?;
    let Json::Array(items) = value else {
        let hint = if value.is_object() { "; put the rules in `[...]`" } else { "" };
        return Err(format!("not a JSON array of rules: found {}{hint}", json_kind(&value)));
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            parse_rule(item).map_err(|e| format!("rule {index} `{}`: {e}", super::error::shorten(&item.to_string())))
        })
        .collect()
}

fn parse_rule(item: &Json) -> Result<SamplingRule, String> {
    const RANGE: &str = "a number from 0.0 to 1.0";
    let Json::Object(fields) = item else {
        return Err(format!("a rule must be a JSON object, found {}", json_kind(item)));
    };
    for key in fields.keys() {
        check_key(key)?;
    }
    let rate = match fields.get("sample_rate") {
        None | Some(Json::Null) => return Err(format!("`sample_rate` is missing; it must be {RANGE}")),
        Some(value) => value
            .as_f64()
            .filter(|rate| (0.0..=1.0).contains(rate))
            .ok_or_else(|| format!("`sample_rate` must be {RANGE}"))?,
    };
    let glob = |key: &str| match fields.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(glob)) => Ok(Some(glob.clone())),
        Some(other) => Err(format!("`{key}` must be a string (a glob), found {}", json_kind(other))),
    };
    let mut rule = SamplingRule::new(rate);
    rule.service = glob("service")?;
    rule.name = glob("name")?;
    rule.resource = glob("resource")?;
    match fields.get("tags") {
        None | Some(Json::Null) => {}
        Some(Json::Object(tags)) => {
            for (key, value) in tags {
                match value {
                    Json::String(glob) => rule = rule.tag(key, glob),
                    Json::Number(n) => return Err(format!("tag `{key}` must be a string glob: write `\"{n}\"`")),
                    other => return Err(format!("tag `{key}` must be a string glob, found {}", json_kind(other))),
                }
            }
        }
        Some(other) => {
            return Err(format!(
                "`tags` must be an object of tag globs like {{\"env\": \"prod\"}}, found {}",
                json_kind(other)
            ));
        }
    }
    Ok(rule)
}

/// The keys a rule may have.
const KEYS: [&str; 5] = ["sample_rate", "service", "name", "resource", "tags"];

fn check_key(key: &str) -> Result<(), String> {
    if KEYS.contains(&key) || key == "provenance" {
        return Ok(());
    }
    if key == "max_per_second" {
        return Err("`max_per_second` belongs to span sampling rules (DD_SPAN_SAMPLING_RULES); \
                    trace rules are limited by DD_TRACE_RATE_LIMIT"
            .to_owned());
    }
    Err(unknown_key(key, &KEYS))
}

/// The message for a key that is not one of `known`: the closest known key when one is close
/// (a misspelt `"sevice"` must not silently match everything), and the list of known keys.
pub(super) fn unknown_key(key: &str, known: &[&str]) -> String {
    let quoted: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
    let expected = match quoted.split_last() {
        Some((last, [])) => format!("expected {last}"),
        Some((last, rest)) => format!("expected {} or {last}", rest.join(", ")),
        None => "no key is expected".to_owned(),
    };
    let lower = key.to_ascii_lowercase();
    let closest = known
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(&lower, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(1))
        .min_by_key(|(distance, _)| *distance);
    let key = super::error::shorten(key);
    match closest {
        Some((_, close)) => format!("unknown key `{key}`: did you mean `{close}`? ({expected})"),
        None => format!("unknown key `{key}`: {expected}"),
    }
}

fn json_kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// A rate from 0.0 to 1.0: out-of-range rates are clamped, NaN counts as 0.0.
pub(crate) fn clamp_rate(rate: f64) -> f64 {
    if rate.is_nan() { 0.0 } else { rate.clamp(0.0, 1.0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_from_json() {
        let rules = parse_rules(
            r#"[
                {"service": "checkout", "name": "http.*", "resource": "GET /cart*",
                 "tags": {"env": "prod", "region": "eu-*"}, "sample_rate": 0.25},
                {"sample_rate": 1, "provenance": "customer", "name": null}
            ]"#,
        )
        .unwrap();
        assert_eq!(
            rules,
            vec![
                SamplingRule::new(0.25)
                    .service("checkout")
                    .name("http.*")
                    .resource("GET /cart*")
                    .tag("env", "prod")
                    .tag("region", "eu-*"),
                SamplingRule::new(1.0),
            ]
        );
        assert_eq!(parse_rules("").unwrap(), vec![]);
        assert_eq!(parse_rules("  \n").unwrap(), vec![]);
        assert_eq!(parse_rules("[]").unwrap(), vec![]);
    }

    #[test]
    fn rule_errors_name_the_rule() {
        let cases = [
            (r#"{"sample_rate": 0.5}"#, "not a JSON array of rules: found an object; put the rules in `[...]`"),
            ("0.5", "not a JSON array of rules: found a number"),
            (r#"[{"sample_rate": 0.5}"#, "not a JSON array of rules: EOF while parsing a list at line 1 column 21"),
            ("[{sample_rate: 1}]", "not a JSON array of rules: key must be a string at line 1 column 3"),
            (r#"[{"sample_rate": 2}]"#, "rule 0 `{\"sample_rate\":2}`: `sample_rate` must be a number from 0.0 to 1.0"),
            (
                r#"[{"sample_rate": 1}, {"sample_rate": -0.1}]"#,
                "rule 1 `{\"sample_rate\":-0.1}`: `sample_rate` must be a number from 0.0 to 1.0",
            ),
            (
                r#"[{"sample_rate": "0.5"}]"#,
                "rule 0 `{\"sample_rate\":\"0.5\"}`: `sample_rate` must be a number from 0.0 to 1.0",
            ),
            (
                r#"[{"service": "a"}]"#,
                "rule 0 `{\"service\":\"a\"}`: `sample_rate` is missing; it must be a number from 0.0 to 1.0",
            ),
            ("[1]", "rule 0 `1`: a rule must be a JSON object, found a number"),
            (
                r#"[{"sample_rate": 1, "service": ["a"]}]"#,
                "rule 0 `{\"sample_rate\":1,\"service\":[\"a\"]}`: `service` must be a string (a glob), found an array",
            ),
            (
                r#"[{"sample_rate": 1, "tags": ["env:prod"]}]"#,
                "rule 0 `{\"sample_rate\":1,\"tags\":[\"env:prod\"]}`: \
                 `tags` must be an object of tag globs like {\"env\": \"prod\"}, found an array",
            ),
            (
                r#"[{"sample_rate": 1, "tags": {"http.status_code": 500}}]"#,
                "rule 0 `{\"sample_rate\":1,\"tags\":{\"http.status_code\":500}}`: \
                 tag `http.status_code` must be a string glob: write `\"500\"`",
            ),
            (
                r#"[{"sample_rate": 1, "tags": {"error": true}}]"#,
                "rule 0 `{\"sample_rate\":1,\"tags\":{\"error\":true}}`: tag `error` must be a string glob, found a boolean",
            ),
        ];
        for (json, message) in cases {
            assert_eq!(parse_rules(json).unwrap_err(), message, "input {json}");
        }
    }

    #[test]
    fn unknown_keys_are_rejected_with_a_suggestion() {
        let cases = [
            (
                r#"[{"sample_rate": 0, "sevice": "checkout"}]"#,
                "rule 0 `{\"sample_rate\":0,\"sevice\":\"checkout\"}`: unknown key `sevice`: did you mean `service`? \
                 (expected `sample_rate`, `service`, `name`, `resource` or `tags`)",
            ),
            (
                r#"[{"Resource": "GET /health", "sample_rate": 0}]"#,
                "rule 0 `{\"Resource\":\"GET /health\",\"sample_rate\":0}`: unknown key `Resource`: did you mean \
                 `resource`? (expected `sample_rate`, `service`, `name`, `resource` or `tags`)",
            ),
            (
                r#"[{"operation": "x", "sample_rate": 0.5}]"#,
                "rule 0 `{\"operation\":\"x\",\"sample_rate\":0.5}`: unknown key `operation`: \
                 expected `sample_rate`, `service`, `name`, `resource` or `tags`",
            ),
            (
                r#"[{"max_per_second": 5, "sample_rate": 0.5}]"#,
                "rule 0 `{\"max_per_second\":5,\"sample_rate\":0.5}`: `max_per_second` belongs to span sampling \
                 rules (DD_SPAN_SAMPLING_RULES); trace rules are limited by DD_TRACE_RATE_LIMIT",
            ),
        ];
        for (json, message) in cases {
            assert_eq!(parse_rules(json).unwrap_err(), message, "input {json}");
        }
    }
}
