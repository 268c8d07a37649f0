//! Helpers for the spans that `#[dd_span]` creates with `tracing::span!`.

use std::borrow::Cow;
use std::fmt::Display;
use std::sync::OnceLock;

use super::name::short_type_name;
use crate::tags::{Sendable, TagValue, sendable};

/// Wraps a tag value for a span attribute. See [`FieldValue`].
#[doc(hidden)]
#[derive(Debug)]
pub struct FieldProbe<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> Clone for FieldProbe<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for FieldProbe<'_, T> {}

/// Values that go into span attributes with their type: strings, integers, floats, booleans.
/// Other values are recorded through `Display`.
#[doc(hidden)]
pub trait FieldValue {
    /// The value as a tag value, before redaction.
    fn tag_value(&self) -> TagValue<'_>;
}

macro_rules! field_value_as {
    ($variant:ident as $target:ty: $($t:ty),*) => {$(
        impl FieldValue for $t {
            fn tag_value(&self) -> TagValue<'_> {
                TagValue::$variant(<$target>::from(*self))
            }
        }
    )*};
}
field_value_as!(I64 as i64: i8, i16, i32, i64, u8, u16, u32);
field_value_as!(U64 as u64: u64);
field_value_as!(F64 as f64: f32, f64);
field_value_as!(Bool as bool: bool);

impl FieldValue for usize {
    fn tag_value(&self) -> TagValue<'_> {
        TagValue::U64(*self as u64)
    }
}

impl FieldValue for isize {
    fn tag_value(&self) -> TagValue<'_> {
        TagValue::I64(*self as i64)
    }
}

impl FieldValue for str {
    fn tag_value(&self) -> TagValue<'_> {
        TagValue::Str(self)
    }
}

impl FieldValue for String {
    fn tag_value(&self) -> TagValue<'_> {
        TagValue::Str(self)
    }
}

impl<T: FieldValue + ?Sized> FieldValue for &T {
    fn tag_value(&self) -> TagValue<'_> {
        (**self).tag_value()
    }
}

/// A span attribute's value as it may leave the process (redacted, see
/// `tags::sendable`), held while the span is created:
/// `field!(key, &value).value()`.
#[doc(hidden)]
#[derive(Debug)]
pub struct Scrubbed<'a>(Field<'a>);

#[derive(Debug)]
enum Field<'a> {
    Borrowed(&'a str),
    Owned(String),
    I64(i64),
    U64(tracing::field::DisplayValue<u64>),
    F64(f64),
    Bool(bool),
    Empty(tracing::field::Empty),
}

impl<'a> Scrubbed<'a> {
    /// The value of the attribute `key`, redacted.
    pub fn new(key: &str, value: TagValue<'a>) -> Self {
        Self(match sendable(key, value) {
            Sendable::Text(Cow::Borrowed(text)) => Field::Borrowed(text),
            Sendable::Text(Cow::Owned(text)) => Field::Owned(text),
            Sendable::I64(v) => Field::I64(v),
            // Unsigned values travel as text (formatted by the layer, without allocating here):
            // Datadog stores numeric attributes as float64, which loses digits above 2^53, and
            // one attribute must not change type with its value.
            Sendable::U64(v) => Field::U64(tracing::field::display(v)),
            Sendable::F64(v) => Field::F64(v),
            Sendable::Bool(v) => Field::Bool(v),
        })
    }

    fn into_owned(self) -> Scrubbed<'static> {
        Scrubbed(match self.0 {
            Field::Borrowed(text) => Field::Owned(text.to_owned()),
            Field::Owned(text) => Field::Owned(text),
            Field::I64(v) => Field::I64(v),
            Field::U64(v) => Field::U64(v),
            Field::F64(v) => Field::F64(v),
            Field::Bool(v) => Field::Bool(v),
            Field::Empty(empty) => Field::Empty(empty),
        })
    }

    /// Nothing recorded.
    pub const EMPTY: Self = Self(Field::Empty(tracing::field::Empty));

    /// What `tracing::span!` records.
    pub fn value(&self) -> &dyn tracing::Value {
        match &self.0 {
            Field::Borrowed(text) => text,
            Field::Owned(text) => text,
            Field::I64(v) => v,
            Field::U64(v) => v,
            Field::F64(v) => v,
            Field::Bool(v) => v,
            Field::Empty(empty) => empty,
        }
    }
}

#[doc(hidden)]
pub trait ProbeTyped<'a> {
    fn __dd_field(self, key: &str) -> Scrubbed<'a>;
}

impl<'a, T: FieldValue + ?Sized> ProbeTyped<'a> for &&FieldProbe<'a, T> {
    fn __dd_field(self, key: &str) -> Scrubbed<'a> {
        Scrubbed::new(key, self.0.tag_value())
    }
}

#[doc(hidden)]
pub trait ProbeDisplay<'a> {
    fn __dd_field(self, key: &str) -> Scrubbed<'a>;
}

impl<'a, T: Display + ?Sized> ProbeDisplay<'a> for &FieldProbe<'a, T> {
    fn __dd_field(self, key: &str) -> Scrubbed<'a> {
        // Formatted: owned text, whatever the borrow of the value.
        Scrubbed::new(key, TagValue::Display(&self.0)).into_owned()
    }
}

/// The last resort of [`field!`](crate::__private::field): a value that is not `Display`
/// records nothing. It is never reached in a program that compiles, since the expansion also
/// checks the value's type with a precise message of its own (macros/src/checks.rs); it exists
/// so that rustc reports only that one clear error, not a second one about this probe.
#[doc(hidden)]
pub trait ProbeNone<'a> {
    fn __dd_field(self, key: &str) -> Scrubbed<'a>;
}

impl<'a, T: ?Sized> ProbeNone<'a> for FieldProbe<'a, T> {
    fn __dd_field(self, _: &str) -> Scrubbed<'a> {
        Scrubbed::EMPTY
    }
}

/// A span attribute value from an expression, redacted: `field!("key", &expr).value()`. Keeps
/// strings, integers, floats and booleans typed; other values go through `Display` (contained:
/// a panic in it records `<Display panicked>`).
#[doc(hidden)]
#[macro_export]
macro_rules! __dd_field {
    ($key:expr, $value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::span::{ProbeDisplay as _, ProbeNone as _, ProbeTyped as _};
        (&&$crate::__private::span::FieldProbe($value)).__dd_field($key)
    }};
}

/// Remembers the default resource (`Type::method`) of one method.
#[doc(hidden)]
#[derive(Debug)]
pub struct ResourceCache {
    first: OnceLock<(&'static str, &'static str)>,
}

impl ResourceCache {
    pub const fn new() -> Self {
        Self { first: OnceLock::new() }
    }
}

impl Default for ResourceCache {
    fn default() -> Self {
        Self::new()
    }
}

/// The default resource of method `method` of `Self = T`: `Cart::checkout`.
///
/// Built once per call site and type. A site whose `Self` varies (a method of a blanket impl)
/// computes the name again for each other type: a rare path that allocates.
#[doc(hidden)]
pub fn method_resource<T: ?Sized>(cache: &'static ResourceCache, method: &'static str) -> &'static str {
    let full = core::any::type_name::<T>();
    let (cached_type, resource) = *cache.first.get_or_init(|| (full, leak_resource(full, method)));
    if std::ptr::eq(cached_type, full) || cached_type == full {
        return resource;
    }
    other_type_resource(full, method)
}

#[cold]
fn other_type_resource(full: &'static str, method: &'static str) -> &'static str {
    use std::collections::HashMap;
    use std::sync::Mutex;
    // Keyed by (type, method); bounded by the number of monomorphized methods in the program.
    static OTHERS: Mutex<Option<HashMap<(&'static str, &'static str), &'static str>>> = Mutex::new(None);
    let mut others = OTHERS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    others.get_or_insert_with(HashMap::new).entry((full, method)).or_insert_with(|| leak_resource(full, method))
}

fn leak_resource(full: &'static str, method: &'static str) -> &'static str {
    Box::leak(format!("{}::{method}", short_type_name(full)).into_boxed_str())
}

#[cfg(test)]
#[allow(clippy::items_after_statements)]
mod tests {
    use super::*;

    struct Cart;
    #[allow(dead_code)]
    struct Wrapper<T>(T);

    #[test]
    fn method_resources_use_the_short_type_name() {
        static CACHE: ResourceCache = ResourceCache::new();
        assert_eq!(method_resource::<Cart>(&CACHE, "checkout"), "Cart::checkout");
        assert_eq!(method_resource::<Cart>(&CACHE, "checkout"), "Cart::checkout");
        assert_eq!(method_resource::<Wrapper<String>>(&CACHE, "checkout"), "Wrapper::checkout");
    }

    fn debug_of<T: tracing::Value + ?Sized>(value: &T) -> String {
        struct V(String);
        impl tracing::field::Visit for V {
            fn record_debug(&mut self, _: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0 = format!("debug:{value:?}");
            }
            fn record_i64(&mut self, _: &tracing::field::Field, value: i64) {
                self.0 = format!("i64:{value}");
            }
            fn record_f64(&mut self, _: &tracing::field::Field, value: f64) {
                self.0 = format!("f64:{value}");
            }
            fn record_bool(&mut self, _: &tracing::field::Field, value: bool) {
                self.0 = format!("bool:{value}");
            }
            fn record_str(&mut self, _: &tracing::field::Field, value: &str) {
                self.0 = format!("str:{value}");
            }
        }
        struct Cs;
        impl tracing_core::Callsite for Cs {
            fn set_interest(&self, _: tracing_core::Interest) {}
            fn metadata(&self) -> &tracing::Metadata<'_> {
                &META
            }
        }
        static CS: Cs = Cs;
        static META: tracing::Metadata<'static> = tracing::Metadata::new(
            "m",
            "t",
            tracing::Level::INFO,
            None,
            None,
            None,
            tracing_core::field::FieldSet::new(&["v"], tracing_core::identify_callsite!(&CS)),
            tracing_core::metadata::Kind::SPAN,
        );
        let field = META.fields().field("v").unwrap();
        let mut visitor = V(String::new());
        value.record(&field, &mut visitor);
        visitor.0
    }

    #[test]
    fn field_values_keep_their_types() {
        let field = |scrubbed: Scrubbed<'_>| debug_of(scrubbed.value());
        let name = String::from("eu");
        assert_eq!(field(crate::__dd_field!("k", &name)), "str:eu");
        assert_eq!(field(crate::__dd_field!("k", "lit")), "str:lit");
        assert_eq!(field(crate::__dd_field!("k", &7_u8)), "i64:7");
        assert_eq!(field(crate::__dd_field!("k", &1.5_f32)), "f64:1.5");
        assert_eq!(field(crate::__dd_field!("k", &true)), "bool:true");
        // Unsigned integers are text (formatted by the layer): one type for every value.
        assert_eq!(field(crate::__dd_field!("k", &(1_u64 << 53))), format!("debug:{}", 1_u64 << 53));
        assert_eq!(field(crate::__dd_field!("k", &u64::MAX)), format!("debug:{}", u64::MAX));
        let addr: std::net::Ipv4Addr = "10.0.0.1".parse().unwrap();
        // `Display` values are recorded as text.
        assert_eq!(field(crate::__dd_field!("k", &addr)), "str:10.0.0.1");
        // A value that is not `Display` is a compile error (the expansion's own check); the probe's
        // last resort, which keeps rustc from reporting a second error, records nothing.
        struct NotDisplay;
        assert_eq!(field(crate::__dd_field!("k", &NotDisplay)), "");
    }

    #[test]
    fn field_values_are_redacted_borrowed_when_clean() {
        let field = |scrubbed: Scrubbed<'_>| debug_of(scrubbed.value());
        let email = String::from("alice@example.com");
        assert_eq!(field(crate::__dd_field!("user", &email)), "str:[REDACTED:email]");
        assert_eq!(field(crate::__dd_field!("card", &4_111_111_111_111_111_u64)), "str:[REDACTED:card]");
        assert_eq!(field(crate::__dd_field!("card", &4_111_111_111_111_112_u64)), "debug:4111111111111112");
        struct Url;
        impl Display for Url {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("postgres://shop:hunter2@db/shop")
            }
        }
        assert_eq!(field(crate::__dd_field!("db", &Url)), "str:postgres://[REDACTED:credentials]@db/shop");
        let clean = String::from("eu-west-1");
        assert!(matches!(crate::__dd_field!("region", &clean).0, Field::Borrowed(_)));
    }

    #[test]
    fn a_panicking_display_records_a_placeholder() {
        struct Panics;
        impl Display for Panics {
            fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                panic!("boom")
            }
        }
        assert_eq!(debug_of(crate::__dd_field!("k", &Panics).value()), "str:<Display panicked>");
    }
}
