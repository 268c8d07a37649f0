//! IPv4 and IPv6 addresses, validated by the standard library's parsers.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::rewrite::Rewriter;

/// Replaces every IPv4 address (four decimal octets): a run of digits and dots with more parts
/// (`1.2.3.4.5`, a version) or glued to letters (`v1.2.3.4`) is left alone.
pub(super) fn redact_v4(text: &str, out: &mut Rewriter<'_>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + bytes[i..].iter().take_while(|b| b.is_ascii_digit() || **b == b'.').count();
        i = end;
        // A sentence may end right after an address.
        while bytes[end - 1] == b'.' {
            end -= 1;
        }
        let glued = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
        if glued(start.checked_sub(1).and_then(|p| bytes.get(p))) || glued(bytes.get(i)) {
            continue;
        }
        if text[start..end].parse::<Ipv4Addr>().is_ok() {
            out.replace(start, end, "ipv4");
        }
    }
}

/// Replaces every IPv6 address (with `::` compression and embedded IPv4 forms): a run of hex
/// digits, colons and dots with two colons or more that parses as one. Times (`12:30:45`) and
/// MAC addresses do not.
pub(super) fn redact_v6(text: &str, out: &mut Rewriter<'_>) {
    let bytes = text.as_bytes();
    let is_part = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
    let mut i = 0;
    while i < bytes.len() {
        if !is_part(bytes[i]) {
            i += 1;
            continue;
        }
        let run_start = i;
        i += bytes[i..].iter().take_while(|&&b| is_part(b)).count();
        // A run that continues a word (`abc::1` inside `xabc::1`) stays.
        let word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        let glued_before = bytes[run_start] != b':' && word(run_start.checked_sub(1).and_then(|p| bytes.get(p)));
        if glued_before || (bytes[i - 1] != b':' && word(bytes.get(i))) {
            continue;
        }
        let mut run = &text[run_start..i];
        let mut start = run_start;
        run = run.trim_end_matches('.');
        // `host:fe80::1` or `addr: ::1,`: a single colon around the address is punctuation.
        if run.starts_with(':') && !run.starts_with("::") {
            run = &run[1..];
            start += 1;
        }
        if run.ends_with(':') && !run.ends_with("::") {
            run = &run[..run.len() - 1];
        }
        if run.bytes().filter(|&b| b == b':').count() >= 2
            && run.bytes().any(|b| b.is_ascii_hexdigit())
            && run.parse::<Ipv6Addr>().is_ok()
        {
            out.replace(start, start + run.len(), "ipv6");
        }
    }
}
