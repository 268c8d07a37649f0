//! Datadog's naming rules, written once for the macros (which check literals at compile time)
//! and the runtime (which normalizes values computed at run time).
//!
//! Sources: Datadog's tag documentation ("Getting started with tags": a letter first; lowercase
//! letters, digits, `_`, `-`, `:`, `.`, `/`; other characters become `_`; at most 200 characters),
//! the Agent's trace normalizer for operation names (`pkg/trace/traceutil/normalize.go`: a letter
//! first, `[a-z0-9_.]`, at most 100 characters) and DogStatsD's metric name rules (ASCII letters,
//! digits, `_` and `.`, a letter first, at most 200 characters, case kept).
//!
//! Everything here is a pure function of its input. The crate has no dependencies, so that the
//! procedural macro crate can use it; nothing here is meant for users of `dd-instrument`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod db;

/// Longest tag (`key:value`) Datadog keeps, in bytes.
pub const MAX_TAG_LEN: usize = 200;

/// Longest operation name Datadog keeps, in bytes.
pub const MAX_OPERATION_NAME: usize = 100;

/// Longest metric name Datadog keeps, in bytes.
pub const MAX_METRIC_NAME: usize = 200;

/// Tag keys that only unified service tagging (and the Agent) may set: a tag declared in code
/// with one of these keys would contradict `DD_ENV`, `DD_SERVICE`, `DD_VERSION` or what the Agent
/// attaches.
pub const RESERVED_TAG_KEYS: [&str; 6] = ["env", "service", "version", "host", "source", "device"];

/// Whether `key` is one of [`RESERVED_TAG_KEYS`].
pub fn is_reserved_tag_key(key: &str) -> bool {
    RESERVED_TAG_KEYS.contains(&key)
}

/// Whether `c` may appear in a tag as it is (after lowercasing).
const fn is_tag_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | ':' | '.' | '/')
}

/// Appends `text` to `out` by Datadog's tag character rules, keeping the tag that began at byte
/// `tag_start` of `out` within [`MAX_TAG_LEN`]: lowercase; characters outside
/// `[a-z0-9_\-:./]` become `_`, runs of them one `_`; with `letter_first`, anything before the
/// first letter is dropped. Trailing `_` and `:` are trimmed back to where `text` began.
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
        if is_tag_char(c) {
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

/// Appends `tag` (a whole `key:value` tag, or a key alone) to `out`, normalized by Datadog's tag
/// rules; see [`normalize_tag`]. Returns `false`, appending nothing, when no valid tag remains.
pub fn push_normalized_tag(out: &mut String, tag: &str) -> bool {
    let start = out.len();
    push_sanitized(out, start, tag, true);
    out.len() > start
}

/// One tag normalized by Datadog's rules; `None` when nothing valid remains.
///
/// Lowercase; characters outside `[a-z0-9_\-:./]` become `_` and runs of them collapse to one;
/// the tag starts with a letter (anything before the first letter is dropped); at most
/// [`MAX_TAG_LEN`] bytes; no trailing `_` or `:`.
///
/// ```
/// assert_eq!(dd_instrument_rules::normalize_tag("Region:EU West").as_deref(), Some("region:eu_west"));
/// assert_eq!(dd_instrument_rules::normalize_tag("1234"), None);
/// ```
pub fn normalize_tag(tag: &str) -> Option<String> {
    let mut out = String::with_capacity(tag.len().min(MAX_TAG_LEN));
    push_normalized_tag(&mut out, tag).then_some(out)
}

/// Appends the tag `key:value` to `out`, normalized: the key as by [`normalize_tag`], the value
/// by the same character rules except that it may start with a digit or a symbol, the whole tag
/// within [`MAX_TAG_LEN`]. A value that normalizes to nothing leaves the key alone (`coupon`).
/// Returns `false`, appending nothing, when the key normalizes to nothing.
///
/// ```
/// let mut out = String::new();
/// assert!(dd_instrument_rules::push_tag(&mut out, "url", "HTTP://X:80/Y"));
/// assert_eq!(out, "url:http://x:80/y");
/// ```
pub fn push_tag(out: &mut String, key: &str, value: &str) -> bool {
    let start = out.len();
    if !push_normalized_tag(out, key) {
        return false;
    }
    out.push(':');
    let value_start = out.len();
    push_sanitized(out, start, value, false);
    if out.len() == value_start {
        out.pop();
    }
    true
}

/// The tag `key:value`, normalized by [`push_tag`]'s rules; `None` when the key normalizes to
/// nothing.
pub fn tag(key: &str, value: &str) -> Option<String> {
    let mut out = String::new();
    push_tag(&mut out, key, value).then_some(out)
}

/// A tag value normalized by Datadog's rules on its own (values may start with a digit); empty
/// when nothing valid remains. Measured against [`MAX_TAG_LEN`] alone, without a key.
pub fn normalize_tag_value(value: &str) -> String {
    let mut out = String::new();
    push_sanitized(&mut out, 0, value, false);
    out
}

/// Whether `key` is a valid tag key as written: a lowercase letter first, then only
/// `[a-z0-9_\-./]` (no `:`, which separates key and value), shorter than [`MAX_TAG_LEN`].
/// Reserved keys are valid keys; see [`is_reserved_tag_key`].
pub fn is_valid_tag_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c != ':' && is_tag_char(c))
        && key.len() < MAX_TAG_LEN
}

/// Normalizes a Rust path or free text into a Datadog operation name, into a buffer of `N`
/// bytes; returns the buffer and the length used. A `const fn`, so that expansions compute the
/// default operation name of a function from `module_path!()` at compile time.
///
/// Lowercase; `::` becomes `.`; only `[a-z0-9_.]`, other characters (a multi-byte character
/// counts as one) become `_`, runs of `_` collapse; the name starts with a letter (anything
/// before it is dropped); at most [`MAX_OPERATION_NAME`] bytes (and `N`); no trailing `.` or
/// `_`.
pub const fn normalize_operation<const N: usize>(raw: &str) -> ([u8; N], usize) {
    let input = raw.as_bytes();
    let mut out = [0u8; N];
    let mut len = 0;
    let mut i = 0;
    while i < input.len() && len < MAX_OPERATION_NAME && len < N {
        let byte = input[i];
        let (mapped, step) = if byte == b':' && i + 1 < input.len() && input[i + 1] == b':' {
            (b'.', 2)
        } else if byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'_' {
            (byte.to_ascii_lowercase(), 1)
        } else {
            (b'_', utf8_width(byte))
        };
        i += step;
        if len == 0 && !mapped.is_ascii_alphabetic() {
            continue;
        }
        if mapped == b'_' && out[len - 1] == b'_' {
            continue;
        }
        out[len] = mapped;
        len += 1;
    }
    while len > 0 && (out[len - 1] == b'.' || out[len - 1] == b'_') {
        len -= 1;
    }
    (out, len)
}

/// Byte length of the UTF-8 sequence that starts with `lead`, so that a multi-byte character
/// maps to one `_`.
const fn utf8_width(lead: u8) -> usize {
    if lead < 0xC0 {
        1
    } else if lead < 0xE0 {
        2
    } else if lead < 0xF0 {
        3
    } else {
        4
    }
}

/// [`normalize_operation`] as a `String`: `shop::payments::charge` -> `shop.payments.charge`.
///
/// ```
/// assert_eq!(dd_instrument_rules::operation_name("Shop::HTTP::Get"), "shop.http.get");
/// ```
pub fn operation_name(raw: &str) -> String {
    let (buf, len) = normalize_operation::<MAX_OPERATION_NAME>(raw);
    // Only ASCII bytes are ever written.
    buf[..len].iter().map(|&b| char::from(b)).collect()
}

/// Whether `name` is a valid operation name as written: [`operation_name`] leaves it unchanged.
pub fn is_valid_operation_name(name: &str) -> bool {
    !name.is_empty() && operation_name(name) == name
}

/// A metric name rewritten to Datadog's rules: ASCII letters, digits, `_` and `.`, a letter
/// first, other characters become `_` (runs collapse), at most [`MAX_METRIC_NAME`] bytes, no
/// trailing `_` or `.`. Case is kept: metric names are case-sensitive.
pub fn normalize_metric_name(name: &str) -> String {
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

/// Whether `name` is a valid metric name as written: a letter first, only ASCII letters, digits,
/// `_` and `.`, at most [`MAX_METRIC_NAME`] bytes.
pub fn is_valid_metric_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        && name.len() <= MAX_METRIC_NAME
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_datadog_rules() {
        assert_eq!(normalize_tag("Region:EU West").as_deref(), Some("region:eu_west"));
        assert_eq!(normalize_tag("9lives:yes").as_deref(), Some("lives:yes"));
        assert_eq!(normalize_tag("path:/a/b.c-d").as_deref(), Some("path:/a/b.c-d"));
        assert_eq!(normalize_tag("key:").as_deref(), Some("key"));
        assert_eq!(normalize_tag("a!!!b").as_deref(), Some("a_b"));
        assert_eq!(normalize_tag("ünïcode:x").as_deref(), Some("n_code:x"));
        assert_eq!(normalize_tag("1234"), None);
        assert_eq!(normalize_tag(""), None);
        assert_eq!(normalize_tag(&"k".repeat(300)).unwrap().len(), MAX_TAG_LEN);
    }

    #[test]
    fn values_may_start_with_digits_and_empty_values_leave_the_key() {
        assert_eq!(tag("user", "42").as_deref(), Some("user:42"));
        assert_eq!(tag("ratio", "0.5").as_deref(), Some("ratio:0.5"));
        assert_eq!(tag("coupon", "").as_deref(), Some("coupon"));
        assert_eq!(tag("coupon", "!!").as_deref(), Some("coupon"));
        assert_eq!(tag("_", "x"), None);
        assert_eq!(tag("k", &"v".repeat(300)).unwrap().len(), MAX_TAG_LEN);
    }

    #[test]
    fn tag_keys_as_written() {
        assert!(is_valid_tag_key("order.priority"));
        assert!(is_valid_tag_key("http-route/v2"));
        assert!(!is_valid_tag_key("Order"));
        assert!(!is_valid_tag_key("1st"));
        assert!(!is_valid_tag_key("a:b"));
        assert!(!is_valid_tag_key(""));
        assert!(is_reserved_tag_key("env") && !is_reserved_tag_key("team"));
    }

    #[test]
    fn operation_names() {
        const OP: ([u8; 32], usize) = normalize_operation::<32>("Shop::Pay::charge");
        assert_eq!(&OP.0[..OP.1], b"shop.pay.charge");
        assert_eq!(operation_name("shop::payments::charge"), "shop.payments.charge");
        assert_eq!(operation_name("my_crate::r#type"), "my_crate.r_type");
        assert_eq!(operation_name("__9lives::gato"), "lives.gato");
        assert_eq!(operation_name("café::crème"), "caf_.cr_me");
        assert_eq!(operation_name("a--b"), "a_b");
        assert_eq!(operation_name("trailing::_"), "trailing");
        assert_eq!(operation_name(&"a".repeat(150)).len(), MAX_OPERATION_NAME);
    }

    #[test]
    fn metric_names() {
        assert_eq!(normalize_metric_name("9 Shop-Latency.ms!"), "Shop_Latency.ms");
        assert!(is_valid_metric_name("checkout.payment.latency"));
        assert!(!is_valid_metric_name("checkout-latency"));
        assert!(!is_valid_metric_name(""));
        assert!(!is_valid_metric_name(&"m".repeat(201)));
    }
}
