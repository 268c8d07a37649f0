//! The `DD_INSTRUMENT_REDACT` switch: which detectors run.

use super::{Detector, Detectors, RedactionError};

/// Applies the entries of `spec` to `set`, left to right.
///
/// Entries are separated by commas or whitespace and compared without case; empty entries are
/// skipped. `name` or `+name` turns a detector on, `-name` turns it off, `ip` stands for `ipv4`
/// and `ipv6`; `all`, `none` and `default` replace the whole set.
pub(super) fn apply(mut set: Detectors, spec: &str) -> Result<Detectors, RedactionError> {
    for entry in spec.split(|c: char| c == ',' || c.is_whitespace()).filter(|e| !e.is_empty()) {
        let lower = entry.to_ascii_lowercase();
        match lower.as_str() {
            "all" => set = Detectors::ALL,
            "none" => set = Detectors::NONE,
            "default" => set = Detectors::DEFAULT,
            _ => {
                let (on, name) = match lower.as_bytes()[0] {
                    b'-' => (false, &lower[1..]),
                    b'+' => (true, &lower[1..]),
                    _ => (true, lower.as_str()),
                };
                let named = match name {
                    "ip" => Detectors::of(Detector::Ipv4).with(Detector::Ipv6),
                    _ => Detector::ALL
                        .into_iter()
                        .find(|d| d.name() == name)
                        .map(Detectors::of)
                        .ok_or_else(|| RedactionError::UnknownDetector { entry: entry.to_owned() })?,
                };
                set = if on { set.union(named) } else { set.difference(named) };
            }
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(spec: &str) -> Result<Vec<&'static str>, String> {
        apply(Detectors::DEFAULT, spec).map(|set| set.iter().map(Detector::name).collect()).map_err(|e| e.to_string())
    }

    #[test]
    fn grammar() {
        assert_eq!(names(""), Ok(vec!["card", "email", "url_credentials"]));
        assert_eq!(names("kv_secrets,bearer"), Ok(vec!["card", "email", "url_credentials", "kv_secrets", "bearer"]));
        assert_eq!(names("-email"), Ok(vec!["card", "url_credentials"]));
        assert_eq!(names("none"), Ok(vec![]));
        assert_eq!(names("none,email"), Ok(vec!["email"]));
        assert_eq!(names("all"), Ok(vec!["card", "email", "url_credentials", "kv_secrets", "bearer", "ipv4", "ipv6"]));
        assert_eq!(names("all,-ip"), Ok(vec!["card", "email", "url_credentials", "kv_secrets", "bearer"]));
        assert_eq!(names("none, +IP"), Ok(vec!["ipv4", "ipv6"]));
        assert_eq!(names("Card  Email,,"), Ok(vec!["card", "email", "url_credentials"]));
        assert_eq!(names("none,card,default"), Ok(vec!["card", "email", "url_credentials"]));
        assert_eq!(names("-card,card"), Ok(vec!["card", "email", "url_credentials"]));
    }

    #[test]
    fn errors_name_the_entry() {
        let expected = "unknown redaction entry `cards`: expected card, email, url_credentials, kv_secrets, \
                        bearer, ipv4, ipv6 or ip (each optionally prefixed with `-` or `+`), all, none or default";
        assert_eq!(names("email,cards"), Err(expected.to_owned()));
        assert_eq!(names("-"), Err(expected.replace("cards", "-")));
        assert_eq!(names("-all"), Err(expected.replace("cards", "-all")));
        assert_eq!(names("false"), Err(expected.replace("cards", "false")));
    }
}
