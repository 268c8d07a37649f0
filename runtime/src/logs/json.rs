//! JSON encoding of a line's parts: event fields, strings, the level as Datadog's status.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::Write as _;

use tracing::Level;
use tracing::field::{Field, Visit};

use super::RESERVED_KEYS;

/// Datadog's status for a level.
pub(super) fn status(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

/// Writes the event's fields: the message (escaped, unquoted) into `message`, every other field
/// as `,"key":value` into `fields`. Text goes through the process's redaction first (see
/// [`Redaction::redact_tag`](crate::Redaction::redact_tag), the field's name as the key).
pub(super) struct FieldVisitor<'a> {
    pub(super) message: &'a mut Vec<u8>,
    pub(super) fields: &'a mut Vec<u8>,
    /// Where formatted values are written before they are redacted.
    pub(super) scratch: &'a mut String,
    pub(super) has_error: bool,
}

impl FieldVisitor<'_> {
    fn key(&mut self, name: &str) {
        push_key(self.fields, name);
    }

    /// A value written as a JSON string (or into the message), redacted. A message written as a
    /// literal (no arguments) is the program's own text and is written as it is.
    fn text(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        if let (Some(literal), "message") = (value.as_str(), field.name()) {
            push_escaped(self.message, literal);
            return;
        }
        self.scratch.clear();
        let scratch = &mut *self.scratch;
        if crate::user_code::contained("a logged value's `Display` or `Debug`", || scratch.write_fmt(value)).is_none() {
            scratch.clear();
            scratch.push_str(crate::user_code::PANICKED);
        }
        let redaction = crate::redact::current();
        if field.name() == "message" {
            push_escaped(self.message, &redaction.redact(scratch));
        } else {
            let text = redaction.redact_tag(field.name(), scratch);
            push_key(self.fields, field.name());
            push_json_str(self.fields, &text);
        }
    }

    /// A value written as a JSON number or boolean (or into the message).
    fn plain(&mut self, field: &Field, value: impl fmt::Display) {
        if field.name() == "message" {
            let _ = write!(JsonEscape(self.message), "{value}");
        } else {
            self.key(field.name());
            let _ = write!(self.fields, "{value}");
        }
    }
}

impl Visit for FieldVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "message" {
            self.text(field, format_args!("{value}"));
        } else if value.is_finite() {
            // serde_json (ryu) writes the shortest form that reads back, as valid JSON.
            self.key(field.name());
            let _ = serde_json::to_writer(&mut *self.fields, &value);
        } else {
            self.key(field.name());
            self.fields.extend_from_slice(b"null");
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.plain(field, value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.plain(field, value);
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        if i64::try_from(value).is_ok() {
            self.plain(field, value);
        } else {
            self.text(field, format_args!("{value}"));
        }
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        if u64::try_from(value).is_ok() {
            self.plain(field, value);
        } else {
            self.text(field, format_args!("{value}"));
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.plain(field, value);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.text(field, format_args!("{value}"));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if self.has_error || field.name() == "message" {
            self.text(field, format_args!("{value}"));
        } else {
            // `error.kind` would need the concrete type's name, which `dyn Error` does not give.
            self.has_error = true;
            let mut message = crate::user_code::display(value);
            if let Cow::Owned(redacted) = crate::redact::current().redact(&message) {
                message = redacted;
            }
            self.fields.extend_from_slice(b",\"error.message\":");
            push_json_str(self.fields, &message);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.text(field, format_args!("{value:?}"));
    }
}

/// `,"name":`, with reserved names moved under `fields.`.
fn push_key(fields: &mut Vec<u8>, name: &str) {
    fields.extend_from_slice(b",\"");
    if RESERVED_KEYS.contains(&name) {
        fields.extend_from_slice(b"fields.");
    }
    push_escaped(fields, name);
    fields.extend_from_slice(b"\":");
}

/// `value` as a JSON string, quotes included.
pub(super) fn push_json_str(out: &mut Vec<u8>, value: &str) {
    out.push(b'"');
    push_escaped(out, value);
    out.push(b'"');
}

/// `value` escaped for the inside of a JSON string, exactly as serde_json does: `"`, `\` and
/// control characters; everything else, non-ASCII included, is copied as UTF-8.
fn push_escaped(out: &mut Vec<u8>, value: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = value.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let short: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..0x20 => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if short.is_empty() {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
        } else {
            out.extend_from_slice(short);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Formats straight into a buffer, escaped for a JSON string, with no intermediate `String`.
struct JsonEscape<'a>(&'a mut Vec<u8>);

impl fmt::Write for JsonEscape<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        push_escaped(self.0, s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(value: &str) -> String {
        let mut out = Vec::new();
        push_json_str(&mut out, value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escaping_matches_serde_json() {
        let ascii: String = (0u8..0x80).map(char::from).collect();
        for value in [
            ascii.as_str(),
            "",
            "plain",
            "say \"hi\"\nand\tleave\\",
            "\u{0}\u{1f}\u{7f}",
            "héllo wörld — 日本語 🦀",
            "\u{2028}\u{2029}",
            "\r\n",
        ] {
            let ours = escaped(value);
            assert_eq!(ours, serde_json::to_string(value).unwrap(), "{value:?}");
            assert_eq!(serde_json::from_str::<String>(&ours).unwrap(), value);
        }
        assert_eq!(escaped("a\"b\n\u{1}é"), r#""a\"b\n\u0001é""#);
    }
}
