//! Tags: Datadog's rules for them, and values that turn into them.
//!
//! Tags written as literals in the macros are checked at compile time. Values computed at run time
//! (from arguments, [`DdTags`] structs or `DD_TAGS`) are normalized here, never rejected: Datadog
//! would rewrite them the same way on arrival, so the rewrite happens before they are counted.

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

/// Wraps a field's [`Checked`] value for [`tag_value!`](crate::__private::tag_value): see
/// [`TagValueTyped`].
#[doc(hidden)]
#[derive(Debug)]
pub struct TagProbe<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> Clone for TagProbe<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for TagProbe<'_, T> {}

/// Typed conversion to a [`TagValue`] for strings, integers, floats and booleans.
#[doc(hidden)]
pub trait TagValueTyped<'a> {
    fn __dd_tag_value(self) -> TagValue<'a>;
}

impl<'a, 'b: 'a, T> TagValueTyped<'a> for &&TagProbe<'a, Checked<'b, T>>
where
    T: Copy + Into<TagValue<'a>>,
{
    fn __dd_tag_value(self) -> TagValue<'a> {
        (*self.0.get()).into()
    }
}

impl<'a, 'b: 'a> TagValueTyped<'a> for &&TagProbe<'a, Checked<'b, str>> {
    fn __dd_tag_value(self) -> TagValue<'a> {
        TagValue::Str(self.0.get())
    }
}

impl<'a, 'b: 'a> TagValueTyped<'a> for &&TagProbe<'a, Checked<'b, String>> {
    fn __dd_tag_value(self) -> TagValue<'a> {
        TagValue::Str(self.0.get())
    }
}

/// Conversion through `Display` for everything else. [`Checked`] is `Display` whatever it holds,
/// so this never fails: a type that is not `Display` gets one error, from [`CheckTag`], not a
/// second one about this probe.
#[doc(hidden)]
pub trait TagValueDisplay<'a> {
    fn __dd_tag_value(self) -> TagValue<'a>;
}

impl<'a, T: ?Sized> TagValueDisplay<'a> for &TagProbe<'a, Checked<'_, T>> {
    fn __dd_tag_value(self) -> TagValue<'a> {
        TagValue::Display(self.0)
    }
}

/// The [`TagValue`] of a field: `tag_value!(&checked)`, where `checked` is the field's value
/// checked by [`CheckTag`].
#[doc(hidden)]
#[macro_export]
macro_rules! __dd_tag_value {
    ($checked:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::tags::{TagValueDisplay as _, TagValueTyped as _};
        (&&$crate::__private::tags::TagProbe($checked)).__dd_tag_value()
    }};
}

/// The types a tag value computed at run time may have: those that implement `Display`.
///
/// Its only use is the error message: the expansions pass every tag value to [`CheckTag`], so
/// a value of another type is reported once, at the user's expression, in these words.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tag value: it does not implement `Display`",
    label = "a tag value must implement `Display`",
    note = "a tag value is a string, an integer, a float, a boolean, or a value of any type that implements \
            `std::fmt::Display`; for its `Debug` form, write `format!(\"{{value:?}}\")`"
)]
pub trait TagDisplay: Display {}

#[diagnostic::do_not_recommend]
impl<T: Display + ?Sized> TagDisplay for T {}

/// A tag value whose type was checked to implement `Display`.
///
/// It is `Display` whatever `T` is, so that when the check fails, the metric tag calls that
/// format it raise no second error.
#[doc(hidden)]
pub struct Checked<'a, T: ?Sized> {
    value: &'a T,
    fmt: fn(&T, &mut fmt::Formatter<'_>) -> fmt::Result,
}

impl<'a, T: ?Sized> Checked<'a, T> {
    /// The value.
    pub fn get(&self) -> &'a T {
        self.value
    }
}

impl<T: ?Sized> Display for Checked<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.fmt)(self.value, f)
    }
}

impl<T: ?Sized> fmt::Debug for Checked<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Checked").field(&format_args!("{self}")).finish()
    }
}

/// Checks that a tag value is `Display`, with an error message that says so:
/// `(*__dd_tag).__dd_checked_tag()`.
///
/// A method, so that the receiver's autoderef peels a reference off the value's type: a
/// `region: &Region` that is not `Display` is reported as "`Region` cannot be a tag value".
#[doc(hidden)]
pub trait CheckTag {
    fn __dd_checked_tag(&self) -> Checked<'_, Self>
    where
        Self: TagDisplay,
    {
        Checked { value: self, fmt: <Self as Display>::fmt }
    }
}

impl<T: ?Sized> CheckTag for T {}

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
/// [`dd_instrument_rules::push_tag`]). Returns `false`, appending nothing, when no valid tag
/// remains.
pub(crate) fn push_tag(out: &mut String, key: &str, value: TagValue<'_>) -> bool {
    match value {
        TagValue::Str(text) => dd_instrument_rules::push_tag(out, key, text),
        other => dd_instrument_rules::push_tag(out, key, &other.to_string()),
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
    fn field_values_become_typed_tag_values() {
        // What `#[derive(DdTags)]` does with a field: check it, then convert it.
        macro_rules! tag_value {
            ($value:expr, $fmt:literal) => {{
                let checked = $value.__dd_checked_tag();
                format!($fmt, crate::__dd_tag_value!(&checked))
            }};
            ($value:expr, matches $pattern:pat) => {{
                let checked = $value.__dd_checked_tag();
                matches!(crate::__dd_tag_value!(&checked), $pattern)
            }};
        }
        let owned = String::from("eu");
        let borrowed: &str = "us";
        let ip: std::net::Ipv4Addr = [10, 0, 0, 1].into();
        let unsized_display: &dyn Display = &3.5;
        let rendered = [
            tag_value!(owned, "{:?}"),
            tag_value!(borrowed, "{:?}"),
            tag_value!("lit", "{:?}"),
            tag_value!(7_u8, "{}"),
            tag_value!((-7_i64), "{}"),
            tag_value!(true, "{}"),
            tag_value!(ip, "{}"),
            tag_value!(unsized_display, "{}"),
        ];
        assert_eq!(rendered, [r#""eu""#, r#""us""#, r#""lit""#, "7", "-7", "true", "10.0.0.1", "3.5"]);
        assert!(tag_value!(7_u8, matches TagValue::U64(7)));
        assert!(tag_value!(1.5_f32, matches TagValue::F64(1.5)));
        assert!(tag_value!(ip, matches TagValue::Display(_)));
    }

    #[test]
    fn checked_values_display_as_themselves() {
        let name = &("eu");
        assert_eq!((*name).__dd_checked_tag().to_string(), "eu");
        assert_eq!(0.1_f32.__dd_checked_tag().to_string(), "0.1");
        assert_eq!(*7_u8.__dd_checked_tag().get(), 7);
        let boxed: Box<dyn Display> = Box::new(42);
        assert_eq!(format!("{:?}", (*boxed).__dd_checked_tag()), "Checked(42)");
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
