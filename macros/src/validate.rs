//! Datadog's naming rules, checked at compile time on what users write as literals.
//!
//! The normalizations mirror the runtime (`dd_instrument::normalize_tag`, `normalize_operation`)
//! byte for byte: a literal the macro accepts or rewrites here must come out the same as the
//! value the runtime would compute, and suggestions must be what Datadog would show.

/// Longest tag (`key:value`) Datadog keeps.
pub(crate) const MAX_TAG_LEN: usize = 200;

/// Longest operation name Datadog keeps.
pub(crate) const MAX_OPERATION_NAME: usize = 100;

/// Longest metric name Datadog keeps.
pub(crate) const MAX_METRIC_NAME: usize = 200;

/// Tag keys only unified service tagging may set, with where their value comes from.
const RESERVED_TAG_KEYS: [(&str, &str); 6] = [
    ("env", "it comes from `DD_ENV`"),
    ("service", "it comes from `DD_SERVICE`"),
    ("version", "it comes from `DD_VERSION`"),
    ("host", "the Datadog Agent sets it"),
    ("source", "Datadog sets it for logs and integrations"),
    ("device", "the Datadog Agent sets it"),
];

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
    if let Some((_, origin)) = RESERVED_TAG_KEYS.iter().find(|(reserved, _)| *reserved == key) {
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

/// Whether `key` is a valid tag key as written (the runtime's `is_valid_tag_key`).
pub(crate) fn is_valid_tag_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.' | '/'))
        && key.len() < MAX_TAG_LEN
}

/// Appends `text` with Datadog's tag character rules, keeping the tag that began at `tag_start`
/// within [`MAX_TAG_LEN`]; trailing `_` and `:` are trimmed back to where `text` began.
fn push_sanitized(out: &mut String, tag_start: usize, text: &str, letter_first: bool) {
    let text_start = out.len();
    let mut last_replaced = false;
    for c in text.chars() {
        if out.len() - tag_start >= MAX_TAG_LEN {
            break;
        }
        let c = c.to_ascii_lowercase();
        if letter_first && out.len() == text_start && !c.is_ascii_lowercase() {
            continue;
        }
        if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | ':' | '.' | '/') {
            out.push(c);
            last_replaced = false;
        } else if !last_replaced {
            out.push('_');
            last_replaced = true;
        }
    }
    while out.len() > text_start && out.ends_with(['_', ':']) {
        out.pop();
    }
}

/// A whole tag normalized by Datadog's rules; `None` when nothing valid remains.
pub(crate) fn normalize_tag(tag: &str) -> Option<String> {
    let mut out = String::new();
    push_sanitized(&mut out, 0, tag, true);
    (!out.is_empty()).then_some(out)
}

/// The static `key:value` tag for a literal value, normalized as the runtime does for values
/// computed at run time (`key` alone when the value normalizes to nothing).
pub(crate) fn static_tag(key: &str, value: &str) -> Option<String> {
    let mut out = normalize_tag(key)?;
    out.push(':');
    let value_start = out.len();
    push_sanitized(&mut out, 0, value, false);
    if out.len() == value_start {
        out.pop();
    }
    Some(out)
}

/// A tag value normalized by Datadog's rules (values may start with a digit).
pub(crate) fn normalize_tag_value(value: &str) -> String {
    let mut out = String::new();
    push_sanitized(&mut out, 0, value, false);
    out
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

/// A Rust path or free text normalized into a Datadog operation name (the runtime's
/// `normalize_operation`): lowercase, `::` becomes `.`, only `[a-z0-9_.]` (other characters
/// become `_`, runs collapse), a letter first, at most [`MAX_OPERATION_NAME`] bytes, no trailing
/// `.` or `_`.
pub(crate) fn normalize_operation(raw: &str) -> String {
    let input = raw.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(input.len().min(MAX_OPERATION_NAME));
    let mut i = 0;
    while i < input.len() && out.len() < MAX_OPERATION_NAME {
        let byte = input[i];
        let (mapped, step) = if byte == b':' && input.get(i + 1) == Some(&b':') {
            (b'.', 2)
        } else if byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'_' {
            (byte.to_ascii_lowercase(), 1)
        } else {
            (b'_', utf8_width(byte))
        };
        i += step;
        if out.is_empty() && !mapped.is_ascii_alphabetic() {
            continue;
        }
        if mapped == b'_' && out.last() == Some(&b'_') {
            continue;
        }
        out.push(mapped);
    }
    while out.last().is_some_and(|last| matches!(last, b'.' | b'_')) {
        out.pop();
    }
    String::from_utf8(out).expect("only ASCII bytes are pushed")
}

/// Byte length of the UTF-8 sequence that starts with `lead`.
fn utf8_width(lead: u8) -> usize {
    match lead {
        0..0xC0 => 1,
        0xC0..0xE0 => 2,
        0xE0..0xF0 => 3,
        _ => 4,
    }
}

/// Why `name` is not a valid operation name, as an error message; `None` when it is valid.
pub(crate) fn operation_name_error(name: &str) -> Option<String> {
    if name.len() > MAX_OPERATION_NAME {
        let fixed = normalize_operation(name);
        return Some(format!(
            "operation name is {} bytes long: Datadog keeps at most {MAX_OPERATION_NAME}; did you mean `{fixed}`?",
            name.len()
        ));
    }
    let fixed = normalize_operation(name);
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

/// A metric name rewritten to Datadog's rules: ASCII letters, digits, `_` and `.`, a letter
/// first, at most [`MAX_METRIC_NAME`] bytes. Case is kept: metric names are case-sensitive.
pub(crate) fn normalize_metric_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if out.len() >= MAX_METRIC_NAME {
            break;
        }
        if out.is_empty() && !c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with(['_', '.']) {
        out.pop();
    }
    out
}

/// Why `name` is not a valid metric name, as an error message; `None` when it is valid.
pub(crate) fn metric_name_error(name: &str) -> Option<String> {
    let rules = "metric names start with a letter and contain only ASCII letters, digits, `_` and `.`";
    let valid_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    let letter_first = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if name.is_empty() {
        return Some(format!("empty metric name: {rules}"));
    }
    if valid_chars && letter_first {
        return (name.len() > MAX_METRIC_NAME)
            .then(|| format!("metric name is {} bytes long: Datadog keeps at most {MAX_METRIC_NAME}", name.len()));
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
    fn static_tags_match_the_runtime() {
        // Same cases as the runtime's `normalize_tag` / `push_tag` tests.
        assert_eq!(normalize_tag("Region:EU West").as_deref(), Some("region:eu_west"));
        assert_eq!(normalize_tag("9lives:yes").as_deref(), Some("lives:yes"));
        assert_eq!(normalize_tag("path:/a/b.c-d").as_deref(), Some("path:/a/b.c-d"));
        assert_eq!(normalize_tag("key:").as_deref(), Some("key"));
        assert_eq!(normalize_tag("a!!!b").as_deref(), Some("a_b"));
        assert_eq!(normalize_tag("ünïcode:x").as_deref(), Some("n_code:x"));
        assert_eq!(normalize_tag("1234"), None);
        assert_eq!(normalize_tag(&"k".repeat(300)).unwrap().len(), MAX_TAG_LEN);
        assert_eq!(static_tag("region", "EU West").as_deref(), Some("region:eu_west"));
        assert_eq!(static_tag("user", "42").as_deref(), Some("user:42"));
        assert_eq!(static_tag("url", "HTTP://X:80/Y").as_deref(), Some("url:http://x:80/y"));
        assert_eq!(static_tag("coupon", "").as_deref(), Some("coupon"));
        assert_eq!(static_tag("delta", "-5").as_deref(), Some("delta:-5"));
        assert_eq!(static_tag("k", &"v".repeat(300)).unwrap().len(), MAX_TAG_LEN);
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
    fn operation_names_match_the_runtime() {
        assert_eq!(normalize_operation("shop::payments::charge"), "shop.payments.charge");
        assert_eq!(normalize_operation("Shop::HTTP::Get"), "shop.http.get");
        assert_eq!(normalize_operation("my_crate::r#type"), "my_crate.r_type");
        assert_eq!(normalize_operation("__9lives::gato"), "lives.gato");
        assert_eq!(normalize_operation("café::crème"), "caf_.cr_me");
        assert_eq!(normalize_operation("a--b"), "a_b");
        assert_eq!(normalize_operation("trailing::_"), "trailing");
        assert_eq!(normalize_operation(&"a".repeat(150)).len(), MAX_OPERATION_NAME);
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
