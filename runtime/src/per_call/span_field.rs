//! Helpers for the spans that `#[dd_span]` creates with `tracing::span!`.

use std::fmt::Display;
use std::sync::OnceLock;

use super::name::short_type_name;

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
    /// The `tracing` value recorded.
    type Value<'a>: tracing::Value
    where
        Self: 'a;
    fn field_value(&self) -> Self::Value<'_>;
}

macro_rules! field_value_as {
    ($target:ty: $($t:ty),*) => {$(
        impl FieldValue for $t {
            type Value<'a> = $target;
            fn field_value(&self) -> $target {
                <$target>::from(*self)
            }
        }
    )*};
}
field_value_as!(i64: i8, i16, i32, i64, u8, u16, u32);
field_value_as!(f64: f32, f64);
field_value_as!(bool: bool);

impl FieldValue for u64 {
    type Value<'a> = tracing::field::DisplayValue<u64>;
    // Datadog stores numeric attributes as float64 metrics; above 2^53 they would lose digits,
    // so unsigned 64-bit values travel as text.
    fn field_value(&self) -> Self::Value<'_> {
        tracing::field::display(*self)
    }
}

impl FieldValue for usize {
    type Value<'a> = i64;
    fn field_value(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl FieldValue for str {
    type Value<'a> = &'a str;
    fn field_value(&self) -> &str {
        self
    }
}

impl FieldValue for String {
    type Value<'a> = &'a str;
    fn field_value(&self) -> &str {
        self
    }
}

impl<T: FieldValue + ?Sized> FieldValue for &T {
    type Value<'a>
        = T::Value<'a>
    where
        Self: 'a;
    fn field_value(&self) -> Self::Value<'_> {
        (**self).field_value()
    }
}

#[doc(hidden)]
pub trait ProbeTyped {
    type Out;
    fn __dd_field(self) -> Self::Out;
}

impl<'a, T: FieldValue + ?Sized> ProbeTyped for &&FieldProbe<'a, T> {
    type Out = T::Value<'a>;
    fn __dd_field(self) -> Self::Out {
        self.0.field_value()
    }
}

#[doc(hidden)]
pub trait ProbeDisplay {
    type Out;
    fn __dd_field(self) -> Self::Out;
}

impl<'a, T: Display + ?Sized> ProbeDisplay for &FieldProbe<'a, T> {
    type Out = tracing::field::DisplayValue<&'a T>;
    fn __dd_field(self) -> Self::Out {
        tracing::field::display(self.0)
    }
}

/// The last resort of [`field!`](crate::__private::field): a value that is not `Display`
/// records nothing. It is never reached in a program that compiles, since the expansion also
/// checks the value's type with a precise message of its own (macros/src/checks.rs); it exists
/// so that rustc reports only that one clear error, not a second one about this probe.
#[doc(hidden)]
pub trait ProbeNone {
    fn __dd_field(self) -> tracing::field::Empty;
}

impl<T: ?Sized> ProbeNone for FieldProbe<'_, T> {
    fn __dd_field(self) -> tracing::field::Empty {
        tracing::field::Empty
    }
}

/// A span attribute value from an expression: `field!(&expr)`. Keeps strings, integers, floats
/// and booleans typed; other values go through `Display`.
#[doc(hidden)]
#[macro_export]
macro_rules! __dd_field {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::span::{ProbeDisplay as _, ProbeNone as _, ProbeTyped as _};
        (&&$crate::__private::span::FieldProbe($value)).__dd_field()
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

    fn debug_of<T: tracing::Value>(value: T) -> String {
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
        let name = String::from("eu");
        assert_eq!(debug_of(crate::__dd_field!(&name)), "str:eu");
        assert_eq!(debug_of(crate::__dd_field!("lit")), "str:lit");
        assert_eq!(debug_of(crate::__dd_field!(&7_u8)), "i64:7");
        assert_eq!(debug_of(crate::__dd_field!(&1.5_f32)), "f64:1.5");
        assert_eq!(debug_of(crate::__dd_field!(&true)), "bool:true");
        assert_eq!(debug_of(crate::__dd_field!(&u64::MAX)), format!("debug:{}", u64::MAX));
        let addr: std::net::Ipv4Addr = "10.0.0.1".parse().unwrap();
        // `Display` values are recorded as text (`DisplayValue` records through `record_debug`).
        assert_eq!(debug_of(crate::__dd_field!(&addr)), "debug:10.0.0.1");
        // A value that is not `Display` is a compile error (the expansion's own check); the probe's
        // last resort, which keeps rustc from reporting a second error, records nothing.
        struct NotDisplay;
        assert_eq!(debug_of(crate::__dd_field!(&NotDisplay)), "");
    }
}
