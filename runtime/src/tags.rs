//! Tags: values that turn into them ([`DdTags`], [`TagValue`], [`TagVisitor`]) and Datadog's
//! rules for them.
//!
//! Tags written as literals in the macros are checked at compile time. Values computed at run time
//! (from arguments, [`DdTags`] structs or `DD_TAGS`) are normalized here, never rejected: Datadog
//! would rewrite them the same way on arrival, so the rewrite happens before they are counted.
//! How the expansions turn a field into a [`TagValue`] is in `per_call::tag_probe`.

use std::borrow::Cow;
use std::fmt::{self, Display};

pub(crate) use dd_instrument_rules::RESERVED_TAG_KEYS;
pub use dd_instrument_rules::{is_valid_tag_key, normalize_tag};

/// A value a tag can carry, borrowed for the duration of one visit.
///
/// Span attributes keep the type (Datadog stores numbers as span metrics and strings as meta);
/// metric tags are always `key:value` text.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum TagValue<'a> {
    /// A string.
    Str(&'a str),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A floating-point number.
    F64(f64),
    /// A boolean.
    Bool(bool),
    /// Anything else, through its `Display` implementation.
    Display(&'a dyn Display),
}

impl fmt::Debug for TagValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Str(s) => fmt::Debug::fmt(s, f),
            Self::Display(d) => write!(f, "{d}"),
            other => write!(f, "{other}"),
        }
    }
}

impl Display for TagValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Str(s) => f.write_str(s),
            Self::I64(v) => Display::fmt(&v, f),
            Self::U64(v) => Display::fmt(&v, f),
            Self::F64(v) => Display::fmt(&v, f),
            Self::Bool(v) => Display::fmt(&v, f),
            Self::Display(d) => Display::fmt(d, f),
        }
    }
}

impl<'a> From<&'a str> for TagValue<'a> {
    fn from(value: &'a str) -> Self {
        Self::Str(value)
    }
}

impl<'a> From<&'a String> for TagValue<'a> {
    fn from(value: &'a String) -> Self {
        Self::Str(value)
    }
}

macro_rules! tag_value_from {
    ($variant:ident as $target:ty: $($t:ty),*) => {$(
        impl From<$t> for TagValue<'_> {
            fn from(value: $t) -> Self {
                Self::$variant(<$target>::from(value))
            }
        }
    )*};
}
tag_value_from!(I64 as i64: i8, i16, i32, i64);
tag_value_from!(U64 as u64: u8, u16, u32, u64);
tag_value_from!(F64 as f64: f32, f64);
tag_value_from!(Bool as bool: bool);

impl From<usize> for TagValue<'_> {
    fn from(value: usize) -> Self {
        Self::U64(value as u64)
    }
}

impl From<isize> for TagValue<'_> {
    fn from(value: isize) -> Self {
        Self::I64(value as i64)
    }
}

/// Receives tags from a [`DdTags`] value.
pub trait TagVisitor {
    /// Called once per tag. `key` is valid by Datadog's rules (checked when the tags were
    /// declared); `value` is raw and gets normalized where it must be.
    fn visit_tag(&mut self, key: &str, value: TagValue<'_>);
}

/// A value that describes itself as Datadog tags, one per field.
///
/// Derive it for a struct with named fields, and use the struct in the `tags(..)` of
/// [`dd_span`](crate::dd_span), [`dd_timed`](crate::dd_timed) and [`dd_slo`](crate::dd_slo)
/// with the spread syntax `tags(..order)`:
///
/// ```
/// use dd_instrument::DdTags;
///
/// #[derive(DdTags)]
/// struct OrderTags<'a> {
///     region: &'a str,
///     #[dd_tag(rename = "order.priority")]
///     priority: u8,
///     #[dd_tag(skip)]
///     customer_email: &'a str,
///     coupon: Option<&'a str>,
/// }
///
/// let tags = OrderTags { region: "EU-west", priority: 2, customer_email: "a@b.c", coupon: None };
/// assert_eq!(tags.dd_tags(), ["region:eu-west", "order.priority:2"]);
/// ```
///
/// Implement it by hand for anything else:
///
/// ```
/// use dd_instrument::{DdTags, TagValue, TagVisitor};
///
/// enum Plan { Free, Pro }
///
/// impl DdTags for Plan {
///     fn visit_tags(&self, visitor: &mut dyn TagVisitor) {
///         let name = match self { Plan::Free => "free", Plan::Pro => "pro" };
///         visitor.visit_tag("plan", TagValue::Str(name));
///     }
/// }
///
/// assert_eq!(Plan::Pro.dd_tags(), ["plan:pro"]);
/// ```
pub trait DdTags {
    /// Calls `visitor` once per tag.
    fn visit_tags(&self, visitor: &mut dyn TagVisitor);

    /// The tags as normalized `key:value` strings, in declaration order.
    fn dd_tags(&self) -> Vec<String> {
        struct Collect(Vec<String>);
        impl TagVisitor for Collect {
            fn visit_tag(&mut self, key: &str, value: TagValue<'_>) {
                let mut tag = String::new();
                if push_tag(&mut tag, key, value) {
                    self.0.push(tag);
                }
            }
        }
        let mut collect = Collect(Vec::new());
        self.visit_tags(&mut collect);
        collect.0
    }
}

impl<T: DdTags + ?Sized> DdTags for &T {
    fn visit_tags(&self, visitor: &mut dyn TagVisitor) {
        (**self).visit_tags(visitor);
    }
}

/// Appends the normalized `key:value` tag to `out` (Datadog's rules, see
/// [`dd_instrument_rules::push_tag`]), redacted first (see [`sendable`]). Returns `false`,
/// appending nothing, when no valid tag remains.
pub(crate) fn push_tag(out: &mut String, key: &str, value: TagValue<'_>) -> bool {
    match sendable(key, value) {
        Sendable::Text(text) => dd_instrument_rules::push_tag(out, key, &text),
        Sendable::I64(v) => dd_instrument_rules::push_tag(out, key, &v.to_string()),
        Sendable::U64(v) => dd_instrument_rules::push_tag(out, key, &v.to_string()),
        Sendable::F64(v) => dd_instrument_rules::push_tag(out, key, &v.to_string()),
        Sendable::Bool(v) => dd_instrument_rules::push_tag(out, key, if v { "true" } else { "false" }),
    }
}

/// A tag value as it may leave the process: see [`sendable`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sendable<'a> {
    /// Text, redacted: borrowed when nothing was found.
    Text(Cow<'a, str>),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
}

/// Numbers at least this big (12 digits) are written out and given to the redaction: a card
/// number may travel as an integer.
const CHECKED_NUMBERS: u64 = 100_000_000_000;

/// The value of the tag `key` as it may leave the process, through the process's redaction
/// ([`Redaction::redact_tag`](crate::Redaction::redact_tag)): text redacted, borrowed when
/// nothing matched; a `Display` value formatted first (when its `Display` panics, the
/// placeholder `<Display panicked>`); numbers of 12 digits or more checked as text; numbers
/// under a key that names a secret replaced.
pub(crate) fn sendable<'a>(key: &str, value: TagValue<'a>) -> Sendable<'a> {
    let redaction = crate::redact::current();
    let number = |value: Sendable<'a>, big: bool, text: &dyn Fn() -> String| {
        if (redaction.redacts_key(key) || big)
            && let Cow::Owned(redacted) = redaction.redact_tag(key, &text())
        {
            return Sendable::Text(Cow::Owned(redacted));
        }
        value
    };
    match value {
        TagValue::Str(text) => Sendable::Text(redaction.redact_tag(key, text)),
        TagValue::Display(display) => {
            let text = crate::user_code::display(display);
            Sendable::Text(Cow::Owned(match redaction.redact_tag(key, &text) {
                Cow::Borrowed(_) => text,
                Cow::Owned(redacted) => redacted,
            }))
        }
        TagValue::I64(v) => number(Sendable::I64(v), v.unsigned_abs() >= CHECKED_NUMBERS, &|| v.to_string()),
        TagValue::U64(v) => number(Sendable::U64(v), v >= CHECKED_NUMBERS, &|| v.to_string()),
        #[allow(clippy::cast_precision_loss, reason = "a threshold, not a value")]
        TagValue::F64(v) => number(Sendable::F64(v), v.abs() >= CHECKED_NUMBERS as f64, &|| v.to_string()),
        TagValue::Bool(v) => number(Sendable::Bool(v), false, &|| v.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn values_may_start_with_digits_and_keep_colons() {
        let mut out = String::new();
        assert!(push_tag(&mut out, "user", TagValue::U64(42)));
        assert_eq!(out, "user:42");
        out.clear();
        assert!(push_tag(&mut out, "url", TagValue::Str("HTTP://X:80/Y")));
        assert_eq!(out, "url:http://x:80/y");
        out.clear();
        assert!(push_tag(&mut out, "ratio", TagValue::F64(0.5)));
        assert_eq!(out, "ratio:0.5");
    }

    #[test]
    fn empty_values_leave_the_key() {
        let mut out = String::from("a,");
        assert!(push_tag(&mut out, "coupon", TagValue::Str("")));
        assert_eq!(out, "a,coupon");
        assert!(!push_tag(&mut out, "_", TagValue::Str("x")));
        assert_eq!(out, "a,coupon");
    }

    #[test]
    fn keys_are_validated_as_written() {
        assert!(is_valid_tag_key("order.priority"));
        assert!(is_valid_tag_key("http-route/v2"));
        assert!(!is_valid_tag_key("Order"));
        assert!(!is_valid_tag_key("1st"));
        assert!(!is_valid_tag_key("a:b"));
        assert!(!is_valid_tag_key(""));
    }
}
