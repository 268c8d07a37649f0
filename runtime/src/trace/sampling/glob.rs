//! Datadog's globs: `*` any run of characters, `?` one character, case ignored, whole value.

/// Whether `subject` matches `pattern` (`*` any run, `?` one character), ignoring case.
///
/// Backtracks to the last `*` only, so it is `O(pattern * subject)` at worst and linear on the
/// patterns sampling rules use. ASCII compares bytes without allocating; anything else compares
/// lowercased characters.
pub(super) fn glob_match(pattern: &str, subject: &str) -> bool {
    if is_star(pattern) {
        return true;
    }
    if pattern.is_ascii() && subject.is_ascii() {
        wildcard(pattern.as_bytes(), subject.as_bytes(), b'*', b'?', u8::eq_ignore_ascii_case)
    } else {
        let lower = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<Vec<_>>();
        wildcard(&lower(pattern), &lower(subject), '*', '?', |a, b| a == b)
    }
}

/// A non-empty glob made of `*` only, which matches everything.
pub(super) fn is_star(glob: &str) -> bool {
    !glob.is_empty() && glob.bytes().all(|b| b == b'*')
}

fn wildcard<T: Copy + PartialEq>(pattern: &[T], subject: &[T], star: T, one: T, eq: impl Fn(&T, &T) -> bool) -> bool {
    let (mut p, mut s) = (0, 0);
    // After a `*`: the pattern position following it and the subject position it has reached.
    let mut resume: Option<(usize, usize)> = None;
    while s < subject.len() {
        if p < pattern.len() && pattern[p] == star {
            resume = Some((p + 1, s));
            p += 1;
        } else if p < pattern.len() && (pattern[p] == one || eq(&pattern[p], &subject[s])) {
            p += 1;
            s += 1;
        } else if let Some((after_star, reached)) = resume {
            // Let the last `*` swallow one more character and retry from there.
            resume = Some((after_star, reached + 1));
            p = after_star;
            s = reached + 1;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == star)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_datadog() {
        let cases = [
            ("checkout", "checkout", true),
            ("checkout", "CheckOut", true),
            ("checkout", "checkout-api", false),
            ("check", "checkout", false),
            ("*", "", true),
            ("**", "anything", true),
            ("check*", "checkout", true),
            ("check*", "check", true),
            ("*out", "checkout", true),
            ("*out", "checkouts", false),
            ("c*k*t", "checkout", true),
            ("c*k*t", "checkou", false),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYcZ", false),
            ("*a*a*b", "aaaaaaaaab", true),
            ("*a*a*b", "aaaaaaaaaa", false),
            ("h?llo", "hello", true),
            ("h?llo", "hllo", false),
            ("?", "", false),
            ("GET /users/?", "get /users/7", true),
            ("", "", true),
            ("", "x", false),
            ("café*", "CAFÉ-bar", true),
            ("caf?", "café", true),
            ("caf?", "cafe\u{301}", false),
            ("[a]", "a", false),
        ];
        for (pattern, subject, expected) in cases {
            assert_eq!(glob_match(pattern, subject), expected, "{pattern:?} against {subject:?}");
        }
    }
}
