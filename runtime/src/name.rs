//! Names that Datadog accepts, computed at compile time where the input is known then.
//!
//! The macros cannot see the module path of the function they annotate, so the default operation
//! name (`shop::payments::charge` -> `shop.payments.charge`) is computed by `const fn`s from
//! `module_path!()` in the expansion. Nothing here runs on the per-call path.

/// Longest operation name Datadog keeps.
pub(crate) const MAX_OPERATION_NAME: usize = 100;

/// Normalizes a Rust path into a Datadog operation name, into a buffer as long as the input.
///
/// Rules (Datadog's `operation.name`): lowercase; `::` becomes `.`; only `[a-z0-9_.]`, other
/// characters become `_` (runs collapse to one); the name starts with a letter (leading
/// characters that are not are dropped); at most [`MAX_OPERATION_NAME`] bytes; no trailing `.`
/// or `_`. Returns the buffer and the length used.
#[doc(hidden)]
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

/// Byte length of the UTF-8 sequence that starts with `lead`, so a multi-byte character maps to
/// one `_`.
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

    fn normalized(raw: &'static str) -> String {
        let (buf, len) = normalize_operation::<256>(raw);
        String::from_utf8(buf[..len].to_vec()).unwrap()
    }

    #[test]
    fn module_paths_become_dotted_lowercase() {
        assert_eq!(normalized("shop::payments::charge"), "shop.payments.charge");
        assert_eq!(normalized("Shop::HTTP::Get"), "shop.http.get");
        assert_eq!(normalized("my_crate::r#type"), "my_crate.r_type");
    }

    #[test]
    fn invalid_characters_collapse_and_edges_are_trimmed() {
        assert_eq!(normalized("__9lives::gato"), "lives.gato");
        assert_eq!(normalized("café::crème"), "caf_.cr_me");
        assert_eq!(normalized("a--b"), "a_b");
        assert_eq!(normalized("trailing::_"), "trailing");
    }

    #[test]
    fn long_names_are_cut_at_one_hundred_bytes() {
        let long = "a".repeat(150);
        let leaked: &'static str = Box::leak(long.into_boxed_str());
        assert_eq!(normalized(leaked).len(), MAX_OPERATION_NAME);
    }

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
