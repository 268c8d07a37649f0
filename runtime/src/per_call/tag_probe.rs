//! Autoref probes behind [`tag_value!`](crate::__private::tag_value): how an expansion turns
//! a tag's value into a [`TagValue`] without knowing its type.
//!
//! Strings, integers, floats and booleans keep their type ([`TagValueTyped`]); anything else
//! goes through `Display` ([`TagValueDisplay`]). [`CheckTag`] comes first and gives the one error
//! a type that is not `Display` gets.

use std::fmt::{self, Display};

use crate::tags::TagValue;

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

/// The types a tag value computed at run time may have: those that implement `Display`. The
/// expansions check this first with a message of their own (macros/src/checks.rs), at the
/// user's expression, so this bound is never the one reported.
#[doc(hidden)]
pub trait TagDisplay: Display {}

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

/// The value of a `#[dd_tag(redact)]` field: `[REDACTED]`.
#[doc(hidden)]
pub fn redacted_tag() -> TagValue<'static> {
    TagValue::Str("[REDACTED]")
}

/// The value of a `#[dd_tag(hash)]` field: its keyed hash ([`Redaction::hash`](crate::Redaction::hash)),
/// or `[REDACTED:hash]` without a key (then a warning, once).
#[doc(hidden)]
pub fn hashed_tag(value: &dyn Display) -> String {
    let redaction = crate::redact::current();
    if !redaction.has_hash_key() {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            tracing::warn!(
                target: "dd_instrument",
                "dd-instrument: a tag is hashed but no key is set (DD_INSTRUMENT_REDACT_HASH_KEY or \
                 Redaction::hash_key): it is sent as `[REDACTED:hash]`"
            );
        });
    }
    let text = crate::user_code::display(value);
    // A panicking `Display` shows as such, not as the hash of the placeholder.
    if text == crate::user_code::PANICKED {
        return text;
    }
    redaction.hash(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_value_whose_display_panics_is_sent_as_the_placeholder() {
        struct Panics;
        impl Display for Panics {
            fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                panic!("user Display")
            }
        }
        assert_eq!(hashed_tag(&Panics), crate::user_code::PANICKED);
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
}
