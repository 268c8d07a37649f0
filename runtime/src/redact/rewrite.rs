//! Building the redacted text: nothing is allocated until the first replacement, so a value in
//! which no detector finds anything comes back borrowed.

/// How every replacement starts; the whole marker is `[REDACTED:<label>]`.
pub(super) const MARKER_PREFIX: &str = "[REDACTED:";

/// Longest label of a marker (custom pattern names are checked against it), so that a marker is
/// never longer than [`MAX_MARKER_LEN`] bytes.
pub(super) const MAX_LABEL_LEN: usize = 32;

/// Longest marker, in bytes: the prefix, the label and `]`.
const MAX_MARKER_LEN: usize = MARKER_PREFIX.len() + MAX_LABEL_LEN + 1;

/// Whether `value` is a marker left by an earlier redaction (so that redacting twice changes
/// nothing).
pub(super) fn is_marker(value: &str) -> bool {
    marker_len(value).is_some()
}

/// Length of the marker `value` starts with, if it starts with one.
fn marker_len(value: &str) -> Option<usize> {
    let rest = value.strip_prefix(MARKER_PREFIX)?;
    let label = rest.bytes().take(MAX_LABEL_LEN + 1).position(|b| !is_label_byte(b))?;
    (label > 0 && rest.as_bytes()[label] == b']').then_some(MARKER_PREFIX.len() + label + 1)
}

/// Characters of a marker label: they survive Datadog's tag normalization unchanged.
pub(super) const fn is_label_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
}

/// The text of one detector pass over `text`: the parts that matched replaced by markers, in
/// order.
pub(super) struct Rewriter<'a> {
    text: &'a str,
    out: Option<String>,
    /// Bytes of `text` already copied to `out` or replaced.
    done: usize,
    /// Whether `text` holds a marker at all; computed on the first replacement.
    has_markers: Option<bool>,
}

impl<'a> Rewriter<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self { text, out: None, done: 0, has_markers: None }
    }

    /// Replaces `text[start..end]` with the marker for `label`. Ranges come in increasing order;
    /// one that overlaps an earlier replacement or a marker already in the text is left alone
    /// (returns `false`), which keeps redaction idempotent.
    pub(super) fn replace(&mut self, start: usize, end: usize, label: &str) -> bool {
        let text = self.text;
        if start >= end
            || start < self.done
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
            || self.overlaps_marker(start, end)
        {
            return false;
        }
        let out = self.out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
        out.push_str(&text[self.done..start]);
        out.push_str(MARKER_PREFIX);
        out.push_str(label);
        out.push(']');
        self.done = end;
        true
    }

    /// Whether `text[start..end]` overlaps a marker. Markers are short, so only the markers
    /// starting from [`MAX_MARKER_LEN`] bytes before `start` up to `end` need looking at.
    fn overlaps_marker(&mut self, start: usize, end: usize) -> bool {
        let text = self.text;
        if !*self.has_markers.get_or_insert_with(|| text.contains(MARKER_PREFIX)) {
            return false;
        }
        let mut from = start.saturating_sub(MAX_MARKER_LEN);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (end + MARKER_PREFIX.len()).min(text.len());
        while !text.is_char_boundary(to) {
            to += 1;
        }
        let window = &text[from..to];
        let mut offset = 0;
        while let Some(found) = window[offset..].find(MARKER_PREFIX) {
            let marker_start = from + offset + found;
            if marker_start >= end {
                break;
            }
            if marker_len(&text[marker_start..]).is_some_and(|len| marker_start + len > start) {
                return true;
            }
            offset += found + MARKER_PREFIX.len();
        }
        false
    }

    /// The rewritten text, or `None` when nothing was replaced.
    pub(super) fn finish(self) -> Option<String> {
        let mut out = self.out?;
        out.push_str(&self.text[self.done..]);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_in_order_and_copies_the_rest() {
        let mut rw = Rewriter::new("a 1234 b 5678 c");
        assert!(rw.replace(2, 6, "card"));
        assert!(!rw.replace(4, 8, "card"), "overlaps the previous replacement");
        assert!(rw.replace(9, 13, "x"));
        assert_eq!(rw.finish().as_deref(), Some("a [REDACTED:card] b [REDACTED:x] c"));
    }

    #[test]
    fn nothing_replaced_is_none() {
        assert_eq!(Rewriter::new("text").finish(), None);
    }

    #[test]
    fn leaves_existing_markers_alone() {
        let text = "id [REDACTED:card] end";
        let mut rw = Rewriter::new(text);
        assert!(!rw.replace(4, 12, "custom"), "inside a marker");
        assert!(!rw.replace(0, 5, "custom"), "overlapping the start of a marker");
        assert!(rw.replace(19, 22, "custom"));
        assert_eq!(rw.finish().as_deref(), Some("id [REDACTED:card] [REDACTED:custom]"));
    }

    #[test]
    fn markers() {
        assert!(is_marker("[REDACTED:card]"));
        assert!(is_marker("[REDACTED:my_label2] and more"));
        assert!(!is_marker("[REDACTED:Card]"));
        assert!(!is_marker("[REDACTED:card"));
        assert!(!is_marker("REDACTED:card]"));
    }
}
