//! Reading the text of configuration values: lists of tags and attributes, booleans, URLs.

use super::env::{self, EnvSource};
use super::error::{InitError, invalid_env, shorten};
use crate::tags::normalize_tag;

/// `host:port` or `[v6]:port`.
pub(super) fn split_host_port(text: &str) -> Option<(&str, &str)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, rest) = rest.split_once(']')?;
        let port = rest.strip_prefix(':')?;
        return (!host.is_empty()).then_some((host, port));
    }
    let (host, port) = text.rsplit_once(':')?;
    (!host.is_empty() && !host.contains(':')).then_some((host, port))
}

/// `DD_TAGS`: `k:v` entries separated by commas or spaces, normalized.
pub(super) fn parse_dd_tags(source: &dyn EnvSource) -> Result<Vec<(String, String)>, InitError> {
    let Some(raw) = env::read(source, env::DD_TAGS) else { return Ok(Vec::new()) };
    let mut tags = Vec::new();
    for entry in raw.split([',', ' ']).map(str::trim).filter(|e| !e.is_empty()) {
        let normalized = normalize_tag(entry).ok_or_else(|| {
            invalid_env(
                env::DD_TAGS,
                &raw,
                format!("entry `{}` has no letter to start a tag key; entries are `key:value`", shorten(entry)),
            )
        })?;
        let (key, value) = normalized.split_once(':').unwrap_or((&normalized, ""));
        tags.push((key.to_owned(), value.to_owned()));
    }
    Ok(tags)
}

/// `OTEL_RESOURCE_ATTRIBUTES`: `k=v` entries separated by commas, values percent-decoded.
pub(super) fn parse_resource_attributes(source: &dyn EnvSource) -> Result<Vec<(String, String)>, InitError> {
    let Some(raw) = env::read(source, env::OTEL_RESOURCE_ATTRIBUTES) else { return Ok(Vec::new()) };
    raw.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let bad = |why: &str| {
                invalid_env(env::OTEL_RESOURCE_ATTRIBUTES, &raw, format!("entry `{}` {why}", shorten(entry)))
            };
            let (key, value) = entry.split_once('=').ok_or_else(|| bad("is not `key=value`"))?;
            let key = key.trim();
            if key.is_empty() {
                return Err(bad("has an empty key"));
            }
            let value = percent_decode(value.trim()).ok_or_else(|| bad("has an invalid percent-encoding"))?;
            Ok((key.to_owned(), value))
        })
        .collect()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

pub(super) fn parse_bool(variable: &'static str, value: &str) -> Result<bool, InitError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid_env(variable, value, "expected `true` or `false`")),
    }
}

/// Accepts `http://host[:port][/path]` and `https://...`.
pub(super) fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| "expected a URL starting with `http://` or `https://`".to_owned())?;
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() {
        return Err("the URL has no host".to_owned());
    }
    if let Some((host, port)) = split_host_port(authority)
        && (host.is_empty() || port.parse::<u16>().is_err())
    {
        return Err(format!("`{}` is not `host:port` with a port from 0 to 65535", shorten(authority)));
    }
    if authority.starts_with('[') && !authority.contains(']') {
        return Err(format!("`{}` opens an IPv6 address with `[` and never closes it", shorten(authority)));
    }
    let uri: http::Uri = url.parse().map_err(|e| format!("not a valid URL ({e})"))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err("the URL has no host".to_owned());
    }
    Ok(())
}

/// Accepts a host name or an IP address, as in `DD_AGENT_HOST`: no scheme, port or path.
pub(super) fn check_host(host: &str) -> Result<(), String> {
    if host.contains("://") {
        return Err(
            "expected a host name or IP address, not a URL: set the host alone (`agent`, `10.0.0.7`)".to_owned()
        );
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    if let Some((_, port)) = split_host_port(host)
        && port.parse::<u16>().is_ok()
    {
        return Err("expected a host name or IP address without a port: ports have variables of their own".to_owned());
    }
    let valid =
        |label: &str| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if host.len() <= 253 && host.trim_end_matches('.').split('.').all(valid) {
        Ok(())
    } else {
        Err("expected a host name (letters, digits, `-`, `.`) or an IP address".to_owned())
    }
}

/// OTLP request headers in `variable` (`OTEL_EXPORTER_OTLP_HEADERS` or a per-signal one):
/// `key=value` entries separated by commas, keys lowercased, values percent-decoded.
pub(super) fn parse_headers(
    source: &dyn EnvSource,
    variable: &'static str,
) -> Result<Vec<(String, String)>, InitError> {
    let Some(raw) = env::read(source, variable) else { return Ok(Vec::new()) };
    raw.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            // Header values are often API keys: messages show the keys only.
            let bad = |why: &str| {
                invalid_env(
                    variable,
                    &masked_headers(&raw),
                    format!("entry `{}` {why}", shorten(&masked_headers(entry))),
                )
            };
            let (key, value) = entry.split_once('=').ok_or_else(|| bad("is not `key=value`"))?;
            let value = percent_decode(value.trim()).ok_or_else(|| bad("has an invalid percent-encoding"))?;
            if http::HeaderValue::from_str(&value).is_err() {
                return Err(bad("has a value with a control character, which no HTTP or gRPC request can carry"));
            }
            let key = key.trim().to_ascii_lowercase();
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
                return Err(bad("has a key that is not a valid header name"));
            }
            Ok((key, value))
        })
        .collect()
}

/// `key=value,...` with every value replaced by `***`, for messages.
fn masked_headers(raw: &str) -> String {
    raw.split(',')
        .map(|entry| match entry.split_once('=') {
            Some((key, _)) => format!("{key}=***"),
            None => entry.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Most milliseconds an OTLP timeout may name: an hour (a longer wait is a mistake, and bounds
/// the deadlines computed from it).
const MAX_TIMEOUT_MS: u64 = 3_600_000;

/// An OTLP timeout (`OTEL_EXPORTER_OTLP_TIMEOUT` and its per-signal forms): whole milliseconds,
/// 1 to an hour. `0` is refused: the spec gives it no meaning, and the exporter must never wait
/// forever.
pub(super) fn parse_timeout(variable: &'static str, value: &str) -> Result<std::time::Duration, InitError> {
    value
        .parse::<u64>()
        .ok()
        .filter(|ms| (1..=MAX_TIMEOUT_MS).contains(ms))
        .map(std::time::Duration::from_millis)
        .ok_or_else(|| {
            invalid_env(variable, value, "expected a whole number of milliseconds from 1 to 3600000, like 10000")
        })
}
