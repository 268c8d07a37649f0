//! Datadog's naming rules, checked at compile time on what users write as literals.
//!
//! The rules themselves live in `dd-instrument-rules`, which the runtime uses too: a literal
//! the macro accepts or rewrites here comes out the same as the value the runtime would compute.
//! This module only turns their answers into messages.

use dd_instrument_rules::{
    MAX_METRIC_NAME, MAX_OPERATION_NAME, MAX_TAG_LEN, is_valid_metric_name, is_valid_tag_key, normalize_metric_name,
    normalize_tag, normalize_tag_value, operation_name,
};

/// Where the value of a reserved tag key ([`dd_instrument_rules::RESERVED_TAG_KEYS`]) comes from.
fn reserved_origin(key: &str) -> Option<&'static str> {
    dd_instrument_rules::is_reserved_tag_key(key).then_some(match key {
        "env" => "it comes from `DD_ENV`",
        "service" => "it comes from `DD_SERVICE`",
        "version" => "it comes from `DD_VERSION`",
        "source" => "Datadog sets it for logs and integrations",
        _ => "the Datadog Agent sets it",
    })
}

/// Why a tag key is invalid, and the valid key Datadog would make of it.
pub(crate) struct KeyProblem {
    pub(crate) message: String,
    pub(crate) suggestion: Option<String>,
}

impl KeyProblem {
    /// The message with "did you mean" when there is a suggestion.
    pub(crate) fn did_you_mean(self) -> String {
        match self.suggestion {
            Some(fixed) => format!("{}; did you mean `{fixed}`?", self.message),
            None => self.message,
        }
    }
}

/// Why `key` is not a valid tag key; `None` when it is valid.
///
/// Keys are checked as written (the runtime never rewrites declared keys): a lowercase letter
/// first, then `[a-z0-9_\-./]`, shorter than [`MAX_TAG_LEN`], and not reserved.
pub(crate) fn tag_key_problem(key: &str) -> Option<KeyProblem> {
    let problem = |message: String, suggestion: Option<String>| Some(KeyProblem { message, suggestion });
    if let Some(origin) = reserved_origin(key) {
        return problem(
            format!("tag key `{key}` is reserved: {origin}, for every span and metric (unified service tagging)"),
            None,
        );
    }
    if is_valid_tag_key(key) {
        return None;
    }
    if key.is_empty() {
        return problem("empty tag key: tag keys start with a lowercase letter".to_owned(), None);
    }
    if key.len() >= MAX_TAG_LEN {
        return problem(
            format!("tag key is {} bytes long: Datadog keeps tags shorter than {MAX_TAG_LEN} bytes", key.len()),
            None,
        );
    }
    if key.contains(':') {
        return problem(
            format!("invalid tag key `{key}`: a key cannot contain `:`, which separates the key from the value"),
            None,
        );
    }
    let suggestion = normalize_tag(key).filter(|fixed| is_valid_tag_key(fixed) && tag_key_problem(fixed).is_none());
    problem(
        format!(
            "invalid tag key `{key}`: tag keys start with a lowercase letter and contain only lowercase letters, \
             digits, `_`, `-`, `.` and `/`"
        ),
        suggestion,
    )
}

/// The static `key:value` tag for a literal value, normalized as the runtime does for values
/// computed at run time (`key` alone when the value normalizes to nothing).
pub(crate) fn static_tag(key: &str, value: &str) -> Option<String> {
    dd_instrument_rules::tag(key, value)
}

/// Why `name` is not a valid SLO name, as an error message; `None` when it is valid.
///
/// The name is the value of the `slo:<name>` tag of the SLO's counters, so it must survive
/// Datadog's tag normalization unchanged.
pub(crate) fn slo_name_error(name: &str) -> Option<String> {
    const PREFIX: usize = "slo:".len();
    if name.is_empty() {
        return Some(
            "empty SLO name: the name is the value of the `slo:<name>` tag, like `name = \"checkout\"`".to_owned(),
        );
    }
    if name.len() + PREFIX > MAX_TAG_LEN {
        return Some(format!(
            "SLO name is {} bytes long: the tag `slo:<name>` must fit in {MAX_TAG_LEN} bytes, so at most {} bytes",
            name.len(),
            MAX_TAG_LEN - PREFIX
        ));
    }
    let fixed = normalize_tag_value(name);
    if fixed == name {
        return None;
    }
    let rules = "the name is the value of the `slo:<name>` tag, so it may contain only lowercase letters, digits, `_`, `-`, `:`, `.` and `/`, and must not end with `_` or `:`";
    Some(if fixed.is_empty() {
        format!("invalid SLO name `{name}`: {rules}")
    } else {
        format!("invalid SLO name `{name}`: {rules}; did you mean `{fixed}`?")
    })
}

/// Why `name` is not a valid operation name, as an error message; `None` when it is valid.
pub(crate) fn operation_name_error(name: &str) -> Option<String> {
    if name.len() > MAX_OPERATION_NAME {
        let fixed = operation_name(name);
        return Some(format!(
            "operation name is {} bytes long: Datadog keeps at most {MAX_OPERATION_NAME}; did you mean `{fixed}`?",
            name.len()
        ));
    }
    let fixed = operation_name(name);
    if fixed == name {
        return None;
    }
    let rules = "operation names start with a letter and contain only lowercase letters, digits, `_` and `.`";
    Some(if fixed.is_empty() {
        format!("invalid operation name `{name}`: {rules}")
    } else {
        format!("invalid operation name `{name}`: {rules}; did you mean `{fixed}`?")
    })
}

/// Why `name` is not a valid metric name, as an error message; `None` when it is valid.
pub(crate) fn metric_name_error(name: &str) -> Option<String> {
    let rules = "metric names start with a letter and contain only ASCII letters, digits, `_` and `.`";
    if name.is_empty() {
        return Some(format!("empty metric name: {rules}"));
    }
    if is_valid_metric_name(name) {
        return None;
    }
    if name.len() > MAX_METRIC_NAME && name.is_ascii() && is_valid_metric_name(&name[..MAX_METRIC_NAME]) {
        return Some(format!("metric name is {} bytes long: Datadog keeps at most {MAX_METRIC_NAME}", name.len()));
    }
    let fixed = normalize_metric_name(name);
    Some(if fixed.is_empty() {
        format!("invalid metric name `{name}`: {rules}")
    } else {
        format!("invalid metric name `{name}`: {rules}; did you mean `{fixed}`?")
    })
}

/// Optimal string alignment distance: edits, with a swap of two neighbours counting as one.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Three rows: two back (for swaps), previous, current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to `input`, if it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(&lower, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `message`, ending with "did you mean" when there is a suggestion.
pub(crate) fn with_suggestion(message: String, suggestion: Option<&str>) -> String {
    match suggestion {
        Some(close) => format!("{message}; did you mean `{close}`?"),
        None => message,
    }
}

/// `` `a`, `b` or `c` ``, for lists of valid choices in messages.
pub(crate) fn one_of(choices: &[&str]) -> String {
    let quoted: Vec<String> = choices.iter().map(|choice| format!("`{choice}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag_key_error(key: &str) -> Option<String> {
        tag_key_problem(key).map(KeyProblem::did_you_mean)
    }

    #[test]
    fn tag_keys_follow_datadog_rules() {
        assert_eq!(tag_key_error("region"), None);
        assert_eq!(tag_key_error("order.priority"), None);
        assert_eq!(tag_key_error("http-route/v2"), None);
        assert_eq!(
            tag_key_error("Region").as_deref(),
            Some(
                "invalid tag key `Region`: tag keys start with a lowercase letter and contain only lowercase letters, \
                 digits, `_`, `-`, `.` and `/`; did you mean `region`?"
            )
        );
        assert!(tag_key_error("a:b").unwrap().contains("cannot contain `:`"));
        assert!(tag_key_error("1st").unwrap().ends_with("did you mean `st`?"));
        assert!(!tag_key_error("Env").unwrap().contains("did you mean"), "never suggest a reserved key");
        assert!(tag_key_error("").unwrap().starts_with("empty tag key"));
        assert!(tag_key_error(&"k".repeat(200)).unwrap().contains("200 bytes long"));
        assert_eq!(tag_key_error(&"k".repeat(199)), None);
    }

    #[test]
    fn reserved_keys_name_their_source() {
        assert!(tag_key_error("env").unwrap().contains("`DD_ENV`"));
        assert!(tag_key_error("service").unwrap().contains("`DD_SERVICE`"));
        assert!(tag_key_error("version").unwrap().contains("`DD_VERSION`"));
        assert!(tag_key_error("host").unwrap().contains("reserved"));
        assert!(tag_key_error("source").unwrap().contains("reserved"));
        assert!(tag_key_error("device").unwrap().contains("reserved"));
    }

    #[test]
    fn static_tags_are_the_rules_tags() {
        assert_eq!(static_tag("region", "EU West").as_deref(), Some("region:eu_west"));
        assert_eq!(static_tag("delta", "-5").as_deref(), Some("delta:-5"));
        assert_eq!(static_tag("coupon", "").as_deref(), Some("coupon"));
    }

    #[test]
    fn slo_names_are_tag_values() {
        assert_eq!(slo_name_error("checkout-payment"), None);
        assert_eq!(slo_name_error("v2.checkout/eu"), None);
        assert_eq!(slo_name_error("99th"), None);
        assert!(slo_name_error("Checkout Payment").unwrap().ends_with("did you mean `checkout_payment`?"));
        assert!(slo_name_error("checkout_").unwrap().ends_with("did you mean `checkout`?"));
        assert!(slo_name_error("").unwrap().starts_with("empty SLO name"));
        assert!(slo_name_error(&"s".repeat(197)).unwrap().contains("at most 196 bytes"));
        assert_eq!(slo_name_error(&"s".repeat(196)), None);
    }

    #[test]
    fn operation_names_are_checked_with_a_suggestion() {
        assert_eq!(operation_name_error("payments.charge"), None);
        assert_eq!(operation_name_error("http_request2"), None);
        assert_eq!(
            operation_name_error("Payments Charge").as_deref(),
            Some(
                "invalid operation name `Payments Charge`: operation names start with a letter and contain only \
                 lowercase letters, digits, `_` and `.`; did you mean `payments_charge`?"
            )
        );
        assert!(operation_name_error("shop::pay").unwrap().ends_with("did you mean `shop.pay`?"));
        assert!(operation_name_error("pay.").unwrap().ends_with("did you mean `pay`?"));
        assert!(!operation_name_error("123").unwrap().contains("did you mean"));
        assert!(operation_name_error(&"a".repeat(101)).unwrap().contains("at most 100"));
    }

    #[test]
    fn metric_names_keep_case() {
        assert_eq!(metric_name_error("checkout.duration"), None);
        assert_eq!(metric_name_error("Checkout.Latency_2"), None);
        assert_eq!(
            metric_name_error("checkout duration").as_deref(),
            Some(
                "invalid metric name `checkout duration`: metric names start with a letter and contain only ASCII \
                 letters, digits, `_` and `.`; did you mean `checkout_duration`?"
            )
        );
        assert!(metric_name_error("2fa.latency").unwrap().ends_with("did you mean `fa.latency`?"));
        assert!(metric_name_error("a-b").unwrap().ends_with("did you mean `a_b`?"));
        assert!(metric_name_error(&"m".repeat(201)).unwrap().contains("at most 200"));
        assert!(metric_name_error("").unwrap().starts_with("empty metric name"));
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("client", "client"), 0);
        assert_eq!(edit_distance("clinet", "client"), 1);
        assert_eq!(edit_distance("nmae", "name"), 1);
        assert_eq!(edit_distance("kind", "kinds"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("server", "client"), 6);
    }

    #[test]
    fn suggestions_only_for_likely_typos() {
        let kinds = ["server", "client", "producer", "consumer", "internal"];
        assert_eq!(did_you_mean("clinet", kinds), Some("client"));
        assert_eq!(did_you_mean("Server", kinds), Some("server"));
        assert_eq!(did_you_mean("consumr", kinds), Some("consumer"));
        assert_eq!(did_you_mean("database", kinds), None);
        assert_eq!(did_you_mean("latency", ["name", "target", "latency_ms"]), Some("latency_ms"));
        assert_eq!(did_you_mean("x", ["name"]), None);
    }

    #[test]
    fn choices_read_as_a_sentence() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b"]), "`a` or `b`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
