//! `http::HeaderMap` as a carrier for OpenTelemetry propagators.

use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::propagation::{Extractor, Injector};

/// Writes propagation headers into an [`http::HeaderMap`].
///
/// A header whose name or value is not valid HTTP (a control character in an origin, say) is
/// skipped, and so is any header once the map is full: injecting never panics.
#[derive(Debug)]
pub struct HeaderInjector<'a>(pub &'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        let (Ok(name), Ok(value)) = (HeaderName::from_bytes(key.as_bytes()), HeaderValue::from_str(&value)) else {
            return;
        };
        // Replaces any earlier value: a propagator owns the headers it writes.
        let _ = self.0.try_insert(name, value);
    }
}

/// Reads propagation headers from an [`http::HeaderMap`]; names are case-insensitive.
///
/// Values that are not visible ASCII read as absent.
#[derive(Debug, Clone, Copy)]
pub struct HeaderExtractor<'a>(pub &'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values: Vec<&str> = self.0.get_all(key).iter().filter_map(|value| value.to_str().ok()).collect();
        (!values.is_empty()).then_some(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injector_skips_invalid_names_and_values() {
        let mut headers = HeaderMap::new();
        let mut injector = HeaderInjector(&mut headers);
        injector.set("x-datadog-origin", "rum".to_owned());
        injector.set("x-datadog-origin", "synthetics".to_owned());
        injector.set("x-bad-value", "line\nbreak".to_owned());
        injector.set("bad name", "value".to_owned());
        injector.set("X-Upper", "ok".to_owned());
        assert_eq!(headers.len(), 2);
        assert_eq!(headers["x-datadog-origin"], "synthetics");
        assert_eq!(headers["x-upper"], "ok");
    }

    #[test]
    fn extractor_is_case_insensitive_and_skips_opaque_values() {
        let mut headers = HeaderMap::new();
        headers.insert("x-datadog-trace-id", HeaderValue::from_static("42"));
        headers.append("tracestate", HeaderValue::from_static("a=1"));
        headers.append("tracestate", HeaderValue::from_bytes(b"b=\xff").unwrap());
        headers.append("tracestate", HeaderValue::from_static("c=3"));
        headers.insert("x-opaque", HeaderValue::from_bytes(b"\xfe").unwrap());
        let extractor = HeaderExtractor(&headers);
        assert_eq!(extractor.get("X-Datadog-Trace-Id"), Some("42"));
        assert_eq!(extractor.get("x-opaque"), None);
        assert_eq!(extractor.get("missing"), None);
        assert_eq!(extractor.get("not a header name"), None);
        assert_eq!(extractor.get_all("tracestate"), Some(vec!["a=1", "c=3"]));
        assert_eq!(extractor.get_all("x-opaque"), None);
        let mut keys = extractor.keys();
        keys.sort_unstable();
        assert_eq!(keys, ["tracestate", "x-datadog-trace-id", "x-opaque"]);
    }
}
