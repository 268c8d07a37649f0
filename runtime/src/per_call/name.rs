//! Names that Datadog accepts, computed at compile time where the input is known then.
//!
//! The macros cannot see the module path of the function they annotate, so the default operation
//! name (`shop::payments::charge` -> `shop.payments.charge`) is computed by `const fn`s from
//! `module_path!()` in the expansion. Nothing here runs on the per-call path.

#[doc(hidden)]
pub use dd_instrument_rules::normalize_operation;

/// Concatenates two strings into a buffer of exactly their combined length.
#[doc(hidden)]
pub const fn concat_bytes<const N: usize>(a: &str, b: &str) -> [u8; N] {
    let mut out = [0u8; N];
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - a.len()];
        i += 1;
    }
    out
}

/// Views the first `len` bytes of a buffer made by the functions above as a `str`.
#[doc(hidden)]
pub const fn buf_as_str(buf: &'static [u8], len: usize) -> &'static str {
    match core::str::from_utf8(buf.split_at(len).0) {
        Ok(s) => s,
        Err(_) => panic!("dd-instrument: name buffer is not UTF-8"),
    }
}

/// Default operation name of a function: its module path and name, normalized for Datadog.
///
/// `operation_name!(concat!(module_path!(), "::charge"))` is a `&'static str` constant.
#[doc(hidden)]
#[macro_export]
macro_rules! __dd_operation_name {
    ($raw:expr) => {{
        const RAW: &str = $raw;
        const BUF: ([u8; RAW.len()], usize) = $crate::__private::normalize_operation::<{ RAW.len() }>(RAW);
        $crate::__private::buf_as_str(&BUF.0, BUF.1)
    }};
}

/// Concatenation of two `&'static str` constants as a constant.
#[doc(hidden)]
#[macro_export]
macro_rules! __dd_concat {
    ($a:expr, $b:expr) => {{
        const A: &str = $a;
        const B: &str = $b;
        const BUF: [u8; A.len() + B.len()] = $crate::__private::concat_bytes::<{ A.len() + B.len() }>(A, B);
        $crate::__private::buf_as_str(&BUF, BUF.len())
    }};
}

/// The short name of a type: `shop::cart::Cart<alloc::string::String>` -> `Cart`.
///
/// Used for default resources of methods (`Cart::checkout`). Borrowed from the `'static` output
/// of [`core::any::type_name`], so it allocates nothing.
pub(crate) fn short_type_name(full: &'static str) -> &'static str {
    let base = full.find('<').map_or(full, |generic| &full[..generic]);
    // `&T`, `[T]`, `(A, B)` and `dyn T` keep their full spelling: they have no single path.
    if base.starts_with(['&', '[', '(', '*']) || base.starts_with("dyn ") {
        return full;
    }
    base.rsplit("::").next().unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_built_at_compile_time() {
        const OP: &str = crate::__dd_operation_name!(concat!("Shop::Pay", "::", "charge"));
        const TIMER: &str = crate::__dd_concat!(OP, ".duration");
        assert_eq!(OP, "shop.pay.charge");
        assert_eq!(TIMER, "shop.pay.charge.duration");
    }

    #[test]
    fn short_type_names_drop_paths_and_generics() {
        assert_eq!(short_type_name("shop::cart::Cart"), "Cart");
        assert_eq!(short_type_name("shop::cart::Cart<alloc::string::String>"), "Cart");
        assert_eq!(short_type_name("&str"), "&str");
        assert_eq!(short_type_name("u32"), "u32");
    }
}
