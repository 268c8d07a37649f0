//! Email addresses and credentials in URLs: both are found from an `@`.

use super::rewrite::Rewriter;

/// Characters of the local part (before the `@`) that addresses use in practice: letters and
/// digits of any script, `.`, `_`, `%`, `+`, `-`. RFC 5322 allows more (`!#$&'*/=?^{|}~`), but
/// they also delimit the text around addresses (`user='bob@example.com'`); an address using them
/// loses only the part after them.
fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-') || (!c.is_ascii() && c.is_alphanumeric())
}

/// Characters of a domain label: letters and digits of any script (internationalized domains)
/// and `-`.
fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
}

/// Where the local part ending at byte `at` starts, not before `floor`; `None` when it is empty.
fn local_start(text: &str, at: usize, floor: usize) -> Option<usize> {
    let mut start = at;
    for (i, c) in text[floor..at].char_indices().rev() {
        if !is_local_char(c) {
            break;
        }
        start = floor + i;
    }
    // A local part neither starts with a dot nor is only dots.
    start += text[start..at].bytes().take_while(|&b| b == b'.').count();
    (start < at).then_some(start)
}

/// Whether `label` can end a domain name: two letters or more (`com`, `co`, `рф`), or an IDNA
/// label (`xn--p1ai`). Version numbers (`react@18.2.0`) and file names stay.
fn is_top_level(label: &str) -> bool {
    (label.chars().count() >= 2 && label.chars().all(char::is_alphabetic))
        || (label.len() > 4 && label.as_bytes()[..4].eq_ignore_ascii_case(b"xn--"))
}

/// Where the domain starting at byte `start` ends: after the last label that makes it a domain
/// name of two labels or more ending with a top-level domain.
fn domain_end(text: &str, start: usize) -> Option<usize> {
    let mut end = None;
    let mut labels = 0;
    let mut label_start = start;
    let mut rest = text[start..].char_indices().peekable();
    loop {
        let mut label_end = label_start;
        while let Some(&(i, c)) = rest.peek() {
            if !is_label_char(c) {
                break;
            }
            label_end = start + i + c.len_utf8();
            rest.next();
        }
        let label = text[label_start..label_end].trim_end_matches('-');
        if label.is_empty() || label.starts_with('-') {
            break;
        }
        labels += 1;
        if labels >= 2 && is_top_level(label) {
            end = Some(label_start + label.len());
        }
        match rest.next() {
            Some((i, '.')) => label_start = start + i + 1,
            _ => break,
        }
    }
    end
}

/// Replaces every email address in `text`.
pub(super) fn redact_emails(text: &str, out: &mut Rewriter<'_>) {
    let mut floor = 0;
    for (at, _) in text.match_indices('@') {
        if at < floor {
            continue;
        }
        let (Some(start), Some(end)) = (local_start(text, at, floor), domain_end(text, at + 1)) else {
            continue;
        };
        out.replace(start, end, "email");
        floor = end;
    }
}

/// Characters that end the authority (`user:pass@host:port`) of a URL: the start of the path,
/// query or fragment, and what delimits a URL in prose or code.
fn ends_authority(c: char) -> bool {
    matches!(c, '/' | '?' | '#' | '\\' | '"' | '\'' | '<' | '>' | '`') || c.is_whitespace()
}

/// Replaces the user information (`user:password@`, or a user alone, often an email address) of
/// every URL in `text`: the authority ends at the first `/`, `?` or `#`, and the user information
/// at its last `@`, as URL parsers (RFC 3986, WHATWG) read them, so that what a driver would send
/// as a password is what is removed.
pub(super) fn redact_url_credentials(text: &str, out: &mut Rewriter<'_>) {
    for (sep, _) in text.match_indices("://") {
        let scheme = text[..sep]
            .bytes()
            .rev()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
            .count();
        if scheme == 0 || !text.as_bytes()[sep - scheme..sep].iter().any(u8::is_ascii_alphabetic) {
            continue;
        }
        let start = sep + 3;
        let authority = text[start..].find(ends_authority).map_or(&text[start..], |end| &text[start..start + end]);
        if let Some(at) = authority.rfind('@') {
            out.replace(start, start + at, "credentials");
        }
    }
}
