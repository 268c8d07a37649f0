//! Secrets named by their key (`password=...`, `"api_key": "..."`, `token: ...`) and bearer
//! tokens (`Bearer eyJhbGciOi...`).

use super::rewrite::{Rewriter, is_marker};

/// Last words of a key that names a secret (`password`, `db_password`, `clientSecret`,
/// `X-Amz-Security-Token`, `x-amz-signature`).
const SECRET_WORDS: [&str; 12] = [
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "authorization",
    "credential",
    "credentials",
    "signature",
];

/// Words that, followed by `key`, name a secret (`api_key`, `X-API-Key`, `aws_secret_access_key`,
/// `privateKey`).
const KEY_QUALIFIERS: [&str; 8] = ["api", "access", "secret", "private", "auth", "signing", "encryption", "master"];

/// Words a key ends with when the words are not separated (`PGPASSWORD`, `GITHUBTOKEN`).
const SECRET_SUFFIXES: [&str; 5] = ["password", "passwd", "secret", "token", "apikey"];

/// Authentication schemes of the `Authorization` header: the credentials follow the scheme,
/// which stays.
const AUTH_SCHEMES: [&str; 9] = ["basic", "bearer", "digest", "negotiate", "ntlm", "token", "apikey", "hoba", "mutual"];

/// Splits `key` into lowercase words at `_`, `-`, `.`, spaces and camelCase boundaries, and calls
/// `f` with the last two (`None` for a one-word key).
fn last_words<R>(key: &str, f: impl FnOnce(Option<&str>, &str) -> R) -> Option<R> {
    // Keys are short; longer ones are not keys of secrets. Each byte may gain a separator.
    const MAX_KEY: usize = 64;
    let mut buf = [0u8; 2 * MAX_KEY];
    if key.len() > MAX_KEY || !key.is_ascii() {
        return None;
    }
    let mut len = 0;
    let mut starts = [0usize; 2];
    let mut words = 0;
    let mut prev_lower = false;
    for b in key.bytes() {
        if !b.is_ascii_alphanumeric() {
            prev_lower = false;
            if len > 0 && buf[len - 1] != b' ' {
                buf[len] = b' ';
                len += 1;
            }
            continue;
        }
        if (b.is_ascii_uppercase() && prev_lower) || len == 0 || buf[len - 1] == b' ' {
            if len > 0 && buf[len - 1] != b' ' {
                buf[len] = b' ';
                len += 1;
            }
            starts = [starts[1], len];
            words += 1;
        }
        prev_lower = b.is_ascii_lowercase() || b.is_ascii_digit();
        buf[len] = b.to_ascii_lowercase();
        len += 1;
    }
    let text = std::str::from_utf8(&buf[..len]).ok()?.trim_end();
    if words == 0 {
        return None;
    }
    let last = &text[starts[1]..];
    let previous = (words > 1).then(|| text[starts[0]..starts[1]].trim_end());
    Some(f(previous, last))
}

/// Whether `key` names a secret.
pub(super) fn is_secret_key(key: &str) -> bool {
    last_words(key, |previous, last| {
        SECRET_WORDS.contains(&last)
            || SECRET_SUFFIXES.iter().any(|suffix| last.ends_with(suffix))
            || (last == "key" && previous.is_some_and(|word| KEY_QUALIFIERS.contains(&word)))
    })
    .unwrap_or(false)
}

/// Whether `key` names the `Authorization` header (`authorization`, `Proxy-Authorization`).
fn is_authorization_key(key: &str) -> bool {
    last_words(key, |_, last| last == "authorization").unwrap_or(false)
}

/// Bytes a key is made of.
const fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Bytes that end an unquoted value: the next pair of a query string, list or object, or the end
/// of a quoted context.
const fn ends_value(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'&' | b',' | b';' | b')' | b'}' | b']' | b'>' | b'"' | b'\'')
}

/// The key that ends just before the `=` or `:` at byte `sep`: spaces, a closing quote (with
/// its backslash, in JSON written inside a string) are skipped.
fn key_before(text: &str, sep: usize) -> &str {
    let bytes = text.as_bytes();
    let mut end = sep;
    while end > 0 && bytes[end - 1] == b' ' {
        end -= 1;
    }
    if end > 0 && matches!(bytes[end - 1], b'"' | b'\'') {
        end -= 1;
        if end > 0 && bytes[end - 1] == b'\\' {
            end -= 1;
        }
    }
    let start = bytes[..end].iter().rposition(|&b| !is_key_byte(b)).map_or(0, |i| i + 1);
    &text[start..end]
}

/// The value after the separator at byte `sep`, as a byte range: the inside of its quotes when
/// quoted (`"..."`, `'...'`, `\"...\"`), else up to a delimiter.
fn value_after(text: &str, sep: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let mut start = sep + 1;
    while start < bytes.len() && matches!(bytes[start], b' ' | b'\t') {
        start += 1;
    }
    let escaped_quote = bytes.get(start) == Some(&b'\\') && matches!(bytes.get(start + 1), Some(b'"' | b'\''));
    let quote =
        if escaped_quote { bytes.get(start + 1) } else { bytes.get(start).filter(|b| matches!(b, b'"' | b'\'')) };
    let Some(&quote) = quote else {
        let end = bytes[start..].iter().position(|&b| ends_value(b)).map_or(bytes.len(), |i| start + i);
        return (start, end);
    };
    let start = start + if escaped_quote { 2 } else { 1 };
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if escaped_quote && bytes.get(i + 1) == Some(&quote) => return (start, i),
            b'\\' => i += 2,
            b if b == quote && !escaped_quote => return (start, i),
            _ => i += 1,
        }
    }
    (start, bytes.len())
}

/// For the value of an `Authorization` key, where its credentials start: after the scheme
/// (`Basic`, `Bearer`, ...) and the spaces that follow it. `None` when the value is not
/// `<scheme> <credentials>`.
fn after_auth_scheme(value: &str) -> Option<usize> {
    let scheme = value.find(' ')?;
    let credentials = scheme + value[scheme..].bytes().take_while(|&b| b == b' ').count();
    (AUTH_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(&value[..scheme])) && credentials < value.len())
        .then_some(credentials)
}

/// Replaces the value of every `key=value`, `key: value`, `"key": "value"` whose key names a
/// secret. For an `Authorization` value the scheme stays (`Authorization: Bearer [REDACTED:secret]`).
pub(super) fn redact_key_values(text: &str, out: &mut Rewriter<'_>) {
    let bytes = text.as_bytes();
    let mut from = 0;
    for (sep, &b) in bytes.iter().enumerate() {
        if sep < from || !(b == b'=' || b == b':') {
            continue;
        }
        // `a::b` (paths, IPv6), `==`, `scheme://`.
        let next = bytes.get(sep + 1).copied();
        if matches!(next, Some(b':' | b'=' | b'/'))
            || (sep > 0 && matches!(bytes[sep - 1], b':' | b'=' | b'!' | b'<' | b'>'))
        {
            continue;
        }
        let key = key_before(text, sep);
        if key.is_empty() || !is_secret_key(key) {
            continue;
        }
        let (mut start, mut end) = value_after(text, sep);
        let quoted = start > sep + 1 && matches!(bytes[start - 1], b'"' | b'\'');
        if is_authorization_key(key) {
            // Unquoted, the credentials are the word after the scheme: extend to it.
            if !quoted && end < bytes.len() && bytes[end] == b' ' {
                let rest = end + text[end..].bytes().take_while(|&b| b == b' ').count();
                end = bytes[rest..].iter().position(|&b| ends_value(b)).map_or(bytes.len(), |i| rest + i);
            }
            if let Some(credentials) = after_auth_scheme(&text[start..end]) {
                start += credentials;
            }
        }
        if start < end && !is_marker(&text[start..]) {
            out.replace(start, end, "secret");
            from = end;
        }
    }
}

/// Characters of a bearer token (RFC 6750 `b64token`, which also covers JWTs).
const fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// Replaces the token of every `Bearer <token>`. A token is at least 8 characters with a digit
/// or a symbol, or 20 characters: prose such as "missing bearer token" stays.
pub(super) fn redact_bearer(text: &str, out: &mut Rewriter<'_>) {
    // `contains` has a vectorized path for short needles; `match_indices` does not.
    if !(text.contains("earer") || text.contains("EARER")) {
        return;
    }
    let bytes = text.as_bytes();
    // `Bearer`, `bearer` and `BEARER`, found by their tail with the standard library's fast
    // substring search.
    let tails = |tail| text.match_indices(tail).map(|(i, _)| i).filter(|&i| i > 0 && bytes[i - 1] | 0x20 == b'b');
    let (mut lower, mut upper) = (tails("earer").peekable(), tails("EARER").peekable());
    // Both in increasing order, as the rewriter needs them.
    let in_order = std::iter::from_fn(|| match (lower.peek(), upper.peek()) {
        (Some(l), Some(u)) if u < l => upper.next(),
        (Some(_), _) => lower.next(),
        (None, _) => upper.next(),
    });
    let mut from = 0;
    for tail in in_order {
        let i = tail - 1;
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if i < from || !starts_word || !matches!(bytes.get(i + 6), Some(b' ' | b'\t')) {
            continue;
        }
        let start = i + 6 + bytes[i + 6..].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        let mut end = start + bytes[start..].iter().take_while(|&&b| is_token_byte(b)).count();
        end += bytes[end..].iter().take_while(|&&b| b == b'=').count();
        let token = &bytes[start..end];
        let looks_like_token = token.len() >= 20 || (token.len() >= 8 && !token.iter().all(u8::is_ascii_alphabetic));
        if looks_like_token {
            out.replace(start, end, "token");
            from = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        for key in [
            "password",
            "PASSWORD",
            "db_password",
            "dbPassword",
            "PGPASSWORD",
            "passwd",
            "pwd",
            "pass",
            "client_secret",
            "clientSecret",
            "token",
            "access_token",
            "accessToken",
            "refresh-token",
            "X-Amz-Security-Token",
            "api_key",
            "apiKey",
            "apikey",
            "X-API-Key",
            "aws_secret_access_key",
            "private_key",
            "Authorization",
            "Proxy-Authorization",
            "X-Amz-Signature",
            "X-Amz-Credential",
            "GITHUB_TOKEN",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in ["key", "user", "bypass", "tokens", "max_tokens", "token_count", "passenger", "monkey", "keys", ""] {
            assert!(!is_secret_key(key), "{key}");
        }
        // Every word one letter long: twice as many bytes once split.
        assert!(!is_secret_key(&"aB".repeat(32)));
        assert!(is_secret_key(&format!("{}Token", "aB".repeat(29))));
        assert!(!is_secret_key(&format!("{}Token", "a".repeat(60))), "longer than a key");
    }
}
