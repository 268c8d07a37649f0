//! Resolved configuration: what [`Builder`](crate::Builder) settings and the environment add up to.
//!
//! Each setting is resolved by one small `resolve_*` function, in the order code > specific
//! variable > generic variable > default. Values that cannot be used are errors naming the
//! variable and the value.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::env::{self, EnvSource};
use crate::propagation::{DEFAULT_STYLES, PropagationStyle, parse_styles};
use crate::sampling::{DEFAULT_RATE_LIMIT, SamplingRule, parse_rules};
use crate::tags::{RESERVED_TAG_KEYS, normalize_tag};

/// Why [`init`](crate::init) or [`Builder::build`](crate::Builder::build) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// An environment variable has a value that cannot be used.
    #[error("invalid value {value:?} for {variable}: {reason}")]
    InvalidEnv {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// A value given to the [`Builder`](crate::Builder) cannot be used.
    #[error("invalid {setting} {value:?}: {reason}")]
    InvalidSetting {
        /// The builder method.
        setting: &'static str,
        /// The value.
        value: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// Another `tracing` subscriber is already the global default. Use
    /// [`Builder::build`](crate::Builder::build) and add [`Telemetry::layer`](crate::Telemetry)
    /// to your own subscriber instead.
    #[error(
        "a global tracing subscriber is already set; build the telemetry with `dd_instrument::builder().build()` and add its layer to your subscriber instead"
    )]
    SubscriberAlreadySet,
    /// A metrics pipeline from an earlier [`Guard`](crate::Guard) is still running.
    #[error("dd-instrument metrics are already being exported; drop the earlier guard first")]
    AlreadyRunning,
    /// An exporter could not be created.
    #[error("could not create the {exporter} exporter: {message}")]
    Exporter {
        /// Which exporter.
        exporter: &'static str,
        /// Why.
        message: String,
    },
    /// The configuration asks for something this build does not include.
    #[error("{what} needs the `{feature}` feature of dd-instrument")]
    FeatureDisabled {
        /// What was asked for.
        what: &'static str,
        /// The cargo feature to enable.
        feature: &'static str,
    },
}

pub(crate) fn invalid_env(variable: &'static str, value: &str, reason: impl Into<String>) -> InitError {
    InitError::InvalidEnv { variable, value: value.to_owned(), reason: reason.into() }
}

/// OTLP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OtlpProtocol {
    /// OTLP/gRPC, port 4317.
    Grpc,
    /// OTLP/HTTP with protobuf bodies, port 4318.
    HttpProtobuf,
}

impl OtlpProtocol {
    fn parse(variable: &'static str, value: &str) -> Result<Self, InitError> {
        match value {
            "grpc" => Ok(Self::Grpc),
            "http/protobuf" => Ok(Self::HttpProtobuf),
            "http/json" => {
                Err(invalid_env(variable, value, "http/json is not supported; use `grpc` or `http/protobuf`"))
            }
            _ => Err(invalid_env(variable, value, "expected `grpc` or `http/protobuf`")),
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Self::Grpc => 4317,
            Self::HttpProtobuf => 4318,
        }
    }
}

/// Where and how OTLP data is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtlpTarget {
    /// Full URL of the signal (with `/v1/traces` or `/v1/metrics` for HTTP).
    pub endpoint: String,
    /// Transport.
    pub protocol: OtlpProtocol,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
}

/// A DogStatsD address.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DogStatsdAddr {
    /// UDP to `host:port`, resolved in the background (never blocking the caller).
    Udp {
        /// Host name or IP address.
        host: String,
        /// Port.
        port: u16,
    },
    /// Unix datagram socket.
    Unix(PathBuf),
    /// Unix stream socket; each payload is framed with its length (4 bytes, little endian).
    UnixStream(PathBuf),
}

impl DogStatsdAddr {
    /// Parses `udp://host:port`, `unix:///path` or `unixstream:///path`.
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("unix://") {
            return absolute_path(path).map(Self::Unix);
        }
        if let Some(path) = url.strip_prefix("unixstream://") {
            return absolute_path(path).map(Self::UnixStream);
        }
        let Some(rest) = url.strip_prefix("udp://") else {
            return Err("expected `udp://host:port`, `unix:///path` or `unixstream:///path`".to_owned());
        };
        let (host, port) = split_host_port(rest.trim_end_matches('/'))
            .ok_or_else(|| "expected `udp://host:port` with a host and a port".to_owned())?;
        let port = port.parse::<u16>().map_err(|_| format!("port `{port}` is not a number from 0 to 65535"))?;
        Ok(Self::Udp { host: host.to_owned(), port })
    }
}

impl fmt::Display for DogStatsdAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Udp { host, port } if host.contains(':') => write!(f, "udp://[{host}]:{port}"),
            Self::Udp { host, port } => write!(f, "udp://{host}:{port}"),
            Self::Unix(path) => write!(f, "unix://{}", path.display()),
            Self::UnixStream(path) => write!(f, "unixstream://{}", path.display()),
        }
    }
}

fn absolute_path(path: &str) -> Result<PathBuf, String> {
    if path.starts_with('/') { Ok(PathBuf::from(path)) } else { Err(format!("socket path `{path}` must be absolute")) }
}

/// `host:port` or `[v6]:port`.
fn split_host_port(text: &str) -> Option<(&str, &str)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, rest) = rest.split_once(']')?;
        let port = rest.strip_prefix(':')?;
        return (!host.is_empty()).then_some((host, port));
    }
    let (host, port) = text.rsplit_once(':')?;
    (!host.is_empty() && !host.contains(':')).then_some((host, port))
}

/// Where traces go.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TracesExporter {
    /// Natively to the Datadog trace Agent (port 8126 or its Unix socket), through Datadog's own
    /// SDK: needs the `datadog` feature.
    Datadog,
    /// OTLP, to the Datadog Agent's OTLP receiver or any OpenTelemetry collector.
    Otlp,
    /// A tree per finished local trace, printed to standard error.
    Console,
    /// No trace export.
    None,
}

/// Where metrics go.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetricsExporter {
    /// DogStatsD, to the Datadog Agent (UDP port 8125 by default).
    DogStatsd,
    /// OTLP with delta temporality.
    Otlp,
    /// The points of each flush, printed to standard error.
    Console,
    /// No metrics: calls skip metric work entirely.
    None,
}

impl TracesExporter {
    fn parse(value: &str) -> Result<Self, InitError> {
        match single(env::OTEL_TRACES_EXPORTER, value)? {
            "datadog" => Ok(Self::Datadog),
            "otlp" => Ok(Self::Otlp),
            "console" => Ok(Self::Console),
            "none" => Ok(Self::None),
            _ => Err(invalid_env(env::OTEL_TRACES_EXPORTER, value, "expected `datadog`, `otlp`, `console` or `none`")),
        }
    }
}

impl MetricsExporter {
    fn parse(value: &str) -> Result<Self, InitError> {
        match single(env::OTEL_METRICS_EXPORTER, value)? {
            "dogstatsd" => Ok(Self::DogStatsd),
            "otlp" => Ok(Self::Otlp),
            "console" => Ok(Self::Console),
            "none" => Ok(Self::None),
            _ => {
                Err(invalid_env(env::OTEL_METRICS_EXPORTER, value, "expected `dogstatsd`, `otlp`, `console` or `none`"))
            }
        }
    }
}

fn single<'a>(variable: &'static str, value: &'a str) -> Result<&'a str, InitError> {
    let mut parts = value.split(',').map(str::trim).filter(|p| !p.is_empty());
    let first = parts.next().unwrap_or("");
    if parts.next().is_some() {
        return Err(invalid_env(variable, value, "only one exporter can be named"));
    }
    Ok(first)
}

/// Unified service tags and the other tags every signal carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInfo {
    /// `service`.
    pub service: String,
    /// `env`.
    pub env: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `DD_TAGS`, normalized, without the reserved keys.
    pub tags: Vec<String>,
    /// `OTEL_RESOURCE_ATTRIBUTES` other than the ones mapped to service, env and version.
    pub resource_attributes: Vec<(String, String)>,
    /// `DD_ENTITY_ID`.
    pub entity_id: Option<String>,
}

impl ServiceInfo {
    /// Tags every metric carries: `env`, `service`, `version`, then `DD_TAGS`.
    pub fn metric_tags(&self) -> Vec<String> {
        let mut tags = Vec::new();
        let mut push = |key: &str, value: &str| {
            if let Some(tag) = normalize_tag(&format!("{key}:{value}")) {
                tags.push(tag);
            }
        };
        if let Some(env) = &self.env {
            push("env", env);
        }
        push("service", &self.service);
        if let Some(version) = &self.version {
            push("version", version);
        }
        if let Some(entity) = &self.entity_id {
            push("dd.internal.entity_id", entity);
        }
        tags.extend(self.tags.iter().cloned());
        tags
    }

    /// Resource attributes of spans and OTLP metrics.
    pub fn resource_attributes(&self) -> Vec<(String, String)> {
        let mut attributes = vec![("service.name".to_owned(), self.service.clone())];
        if let Some(env) = &self.env {
            attributes.push(("deployment.environment.name".to_owned(), env.clone()));
            attributes.push(("deployment.environment".to_owned(), env.clone()));
        }
        if let Some(version) = &self.version {
            attributes.push(("service.version".to_owned(), version.clone()));
        }
        for tag in &self.tags {
            let (key, value) = tag.split_once(':').unwrap_or((tag, ""));
            attributes.push((key.to_owned(), value.to_owned()));
        }
        attributes.extend(self.resource_attributes.iter().cloned());
        attributes
    }
}

/// What the builder says in code; every field overrides the environment.
#[derive(Debug, Default, Clone)]
pub(crate) struct CodeSettings {
    pub(crate) service: Option<String>,
    pub(crate) env: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) traces: Option<TracesExporter>,
    pub(crate) metrics: Option<MetricsExporter>,
    pub(crate) fallback_traces: Option<TracesExporter>,
    pub(crate) fallback_metrics: Option<MetricsExporter>,
    pub(crate) sample_rate: Option<f64>,
    pub(crate) dogstatsd: Option<DogStatsdAddr>,
    pub(crate) otlp_endpoint: Option<String>,
    pub(crate) otlp_protocol: Option<OtlpProtocol>,
    pub(crate) trace_agent_url: Option<String>,
    pub(crate) sampling_rules: Vec<SamplingRule>,
    pub(crate) rate_limit: Option<f64>,
    pub(crate) propagation: Option<Vec<PropagationStyle>>,
    pub(crate) logs_injection: Option<bool>,
}

/// Everything `init` needs, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) service: ServiceInfo,
    pub(crate) traces: TracesExporter,
    pub(crate) metrics: MetricsExporter,
    /// `DD_TRACE_SAMPLE_RATE`, when set: without it every trace is kept (OTLP) or the Agent's
    /// rates apply (native).
    pub(crate) sample_rate: Option<f64>,
    pub(crate) dogstatsd: DogStatsdAddr,
    #[cfg_attr(not(feature = "otlp"), allow(dead_code, reason = "read by OTLP export only"))]
    pub(crate) otlp_traces: OtlpTarget,
    #[cfg_attr(not(feature = "otlp"), allow(dead_code, reason = "read by OTLP export only"))]
    pub(crate) otlp_metrics: OtlpTarget,
    /// The trace Agent for native export, when one is named; `None` lets Datadog's SDK find it.
    #[cfg_attr(not(feature = "datadog"), allow(dead_code, reason = "read by native export only"))]
    pub(crate) trace_agent_url: Option<String>,
    /// Sampling rules, first match wins.
    pub(crate) sampling_rules: Vec<SamplingRule>,
    /// Most traces per second kept by rules and the sample rate.
    pub(crate) rate_limit: f64,
    /// Header styles read from incoming requests.
    pub(crate) propagation_extract: Vec<PropagationStyle>,
    /// Header styles written to outgoing requests.
    pub(crate) propagation_inject: Vec<PropagationStyle>,
    /// JSON logs with trace ids instead of human-readable logs.
    pub(crate) logs_injection: bool,
    pub(crate) flush_interval: Duration,
    pub(crate) shutdown_timeout: Duration,
}

pub(crate) fn resolve(
    code: &CodeSettings,
    source: &dyn EnvSource,
    flush_interval: Duration,
    shutdown_timeout: Duration,
) -> Result<Resolved, InitError> {
    let service = resolve_service(code, source)?;
    // A malformed Agent URL is reported as such before any "needs the `datadog` feature".
    let trace_agent_url = resolve_trace_agent_url(code, source)?;
    let traces = resolve_traces_exporter(code, source)?;
    let metrics = resolve_metrics_exporter(code, source)?;
    Ok(Resolved {
        service,
        traces,
        metrics,
        sample_rate: resolve_sample_rate(code, source)?,
        dogstatsd: resolve_dogstatsd(code, source)?,
        otlp_traces: resolve_otlp(code, source, Signal::Traces)?,
        otlp_metrics: resolve_otlp(code, source, Signal::Metrics)?,
        trace_agent_url,
        sampling_rules: resolve_sampling_rules(code, source)?,
        rate_limit: resolve_rate_limit(code, source)?,
        propagation_extract: resolve_propagation(code, source, env::DD_TRACE_PROPAGATION_STYLE_EXTRACT)?,
        propagation_inject: resolve_propagation(code, source, env::DD_TRACE_PROPAGATION_STYLE_INJECT)?,
        logs_injection: match (code.logs_injection, env::read(source, env::DD_LOGS_INJECTION)) {
            (Some(enabled), _) => enabled,
            (None, Some(value)) => parse_bool(env::DD_LOGS_INJECTION, &value)?,
            (None, None) => false,
        },
        flush_interval,
        shutdown_timeout,
    })
}

fn resolve_service(code: &CodeSettings, source: &dyn EnvSource) -> Result<ServiceInfo, InitError> {
    let dd_tags = parse_dd_tags(source)?;
    let otel = parse_resource_attributes(source)?;
    let from_otel = |keys: &[&str]| otel.iter().find(|(k, _)| keys.contains(&k.as_str())).map(|(_, v)| v.clone());
    let from_dd_tags = |key: &str| dd_tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());

    let service = code
        .service
        .clone()
        .or_else(|| env::read(source, env::DD_SERVICE))
        .or_else(|| from_dd_tags("service"))
        .or_else(|| env::read(source, env::OTEL_SERVICE_NAME))
        .or_else(|| from_otel(&["service.name"]))
        .unwrap_or_else(default_service_name);
    let env_name = code
        .env
        .clone()
        .or_else(|| env::read(source, env::DD_ENV))
        .or_else(|| from_dd_tags("env"))
        .or_else(|| from_otel(&["deployment.environment.name", "deployment.environment"]));
    let version = code
        .version
        .clone()
        .or_else(|| env::read(source, env::DD_VERSION))
        .or_else(|| from_dd_tags("version"))
        .or_else(|| from_otel(&["service.version"]));

    let mut tags: Vec<String> = dd_tags
        .iter()
        .filter(|(key, _)| !RESERVED_TAG_KEYS.contains(&key.as_str()))
        .map(|(key, value)| if value.is_empty() { key.clone() } else { format!("{key}:{value}") })
        .collect();
    for tag in &code.tags {
        let normalized = normalize_tag(tag).ok_or_else(|| InitError::InvalidSetting {
            setting: "tag",
            value: tag.clone(),
            reason: "a tag must contain a letter; it is `key:value` with Datadog's tag characters".to_owned(),
        })?;
        tags.push(normalized);
    }
    let resource_attributes = otel
        .into_iter()
        .filter(|(key, _)| {
            !matches!(
                key.as_str(),
                "service.name" | "service.version" | "deployment.environment.name" | "deployment.environment"
            )
        })
        .collect();
    Ok(ServiceInfo {
        service,
        env: env_name,
        version,
        tags,
        resource_attributes,
        entity_id: env::read(source, env::DD_ENTITY_ID),
    })
}

/// The executable's file name, as Datadog's tracers default to.
fn default_service_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|path| path.file_stem().map(|stem| stem.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unnamed-rust-service".to_owned())
}

/// `DD_TAGS`: `k:v` entries separated by commas or spaces, normalized.
fn parse_dd_tags(source: &dyn EnvSource) -> Result<Vec<(String, String)>, InitError> {
    let Some(raw) = env::read(source, env::DD_TAGS) else { return Ok(Vec::new()) };
    let mut tags = Vec::new();
    for entry in raw.split([',', ' ']).map(str::trim).filter(|e| !e.is_empty()) {
        let normalized = normalize_tag(entry).ok_or_else(|| {
            invalid_env(
                env::DD_TAGS,
                &raw,
                format!("entry `{entry}` has no letter to start a tag key; entries are `key:value`"),
            )
        })?;
        let (key, value) = normalized.split_once(':').unwrap_or((&normalized, ""));
        tags.push((key.to_owned(), value.to_owned()));
    }
    Ok(tags)
}

/// `OTEL_RESOURCE_ATTRIBUTES`: `k=v` entries separated by commas, values percent-decoded.
fn parse_resource_attributes(source: &dyn EnvSource) -> Result<Vec<(String, String)>, InitError> {
    let Some(raw) = env::read(source, env::OTEL_RESOURCE_ATTRIBUTES) else { return Ok(Vec::new()) };
    raw.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let bad = |why: &str| invalid_env(env::OTEL_RESOURCE_ATTRIBUTES, &raw, format!("entry `{entry}` {why}"));
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

fn parse_bool(variable: &'static str, value: &str) -> Result<bool, InitError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid_env(variable, value, "expected `true` or `false`")),
    }
}

fn resolve_traces_exporter(code: &CodeSettings, source: &dyn EnvSource) -> Result<TracesExporter, InitError> {
    if let Some(exporter) = &code.traces {
        return Ok(exporter.clone());
    }
    if let Some(enabled) = env::read(source, env::DD_TRACE_ENABLED)
        && !parse_bool(env::DD_TRACE_ENABLED, &enabled)?
    {
        return Ok(TracesExporter::None);
    }
    let exporter = if let Some(value) = env::read(source, env::OTEL_TRACES_EXPORTER) {
        TracesExporter::parse(&value)?
    } else if code.trace_agent_url.is_some()
        || env::read(source, env::DD_TRACE_AGENT_URL).is_some()
        || env::read(source, env::DD_TRACE_AGENT_PORT).is_some()
    {
        TracesExporter::Datadog
    } else if [env::OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, env::OTEL_EXPORTER_OTLP_ENDPOINT]
        .iter()
        .any(|name| env::read(source, name).is_some())
        || code.otlp_endpoint.is_some()
    {
        TracesExporter::Otlp
    } else if let Some(fallback) = code.fallback_traces.as_ref().filter(|_| !agent_configured(source)) {
        fallback.clone()
    } else if cfg!(feature = "datadog") {
        TracesExporter::Datadog
    } else {
        TracesExporter::Otlp
    };
    if exporter == TracesExporter::Datadog && !cfg!(feature = "datadog") {
        return Err(InitError::FeatureDisabled {
            what: "native trace export to the Datadog Agent (OTEL_TRACES_EXPORTER=datadog, DD_TRACE_AGENT_URL or DD_TRACE_AGENT_PORT)",
            feature: "datadog",
        });
    }
    Ok(exporter)
}

fn resolve_metrics_exporter(code: &CodeSettings, source: &dyn EnvSource) -> Result<MetricsExporter, InitError> {
    if let Some(exporter) = &code.metrics {
        return Ok(exporter.clone());
    }
    if let Some(value) = env::read(source, env::OTEL_METRICS_EXPORTER) {
        return MetricsExporter::parse(&value);
    }
    if let Some(fallback) = &code.fallback_metrics
        && !agent_configured(source)
    {
        return Ok(fallback.clone());
    }
    Ok(MetricsExporter::DogStatsd)
}

/// Whether the environment names a Datadog Agent or collector at all.
fn agent_configured(source: &dyn EnvSource) -> bool {
    [
        env::DD_AGENT_HOST,
        env::DD_TRACE_AGENT_URL,
        env::DD_TRACE_AGENT_PORT,
        env::DD_DOGSTATSD_URL,
        env::DD_DOGSTATSD_HOST,
        env::DD_DOGSTATSD_PORT,
        env::OTEL_EXPORTER_OTLP_ENDPOINT,
        env::OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
        env::OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
    ]
    .iter()
    .any(|name| env::read(source, name).is_some())
}

fn resolve_sample_rate(code: &CodeSettings, source: &dyn EnvSource) -> Result<Option<f64>, InitError> {
    if let Some(rate) = code.sample_rate {
        return if (0.0..=1.0).contains(&rate) {
            Ok(Some(rate))
        } else {
            Err(InitError::InvalidSetting {
                setting: "sample_rate",
                value: rate.to_string(),
                reason: "expected a number from 0.0 to 1.0".to_owned(),
            })
        };
    }
    let Some(value) = env::read(source, env::DD_TRACE_SAMPLE_RATE) else { return Ok(None) };
    match value.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(Some(rate)),
        _ => Err(invalid_env(env::DD_TRACE_SAMPLE_RATE, &value, "expected a number from 0.0 to 1.0")),
    }
}

fn resolve_dogstatsd(code: &CodeSettings, source: &dyn EnvSource) -> Result<DogStatsdAddr, InitError> {
    if let Some(addr) = &code.dogstatsd {
        return Ok(addr.clone());
    }
    if let Some(url) = env::read(source, env::DD_DOGSTATSD_URL) {
        return DogStatsdAddr::parse(&url).map_err(|reason| invalid_env(env::DD_DOGSTATSD_URL, &url, reason));
    }
    let host = env::read(source, env::DD_DOGSTATSD_HOST)
        .or_else(|| env::read(source, env::DD_AGENT_HOST))
        .unwrap_or_else(|| "localhost".to_owned());
    let port = match env::read(source, env::DD_DOGSTATSD_PORT) {
        None => 8125,
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| invalid_env(env::DD_DOGSTATSD_PORT, &port, "expected a port number from 1 to 65535"))?,
    };
    Ok(DogStatsdAddr::Udp { host, port })
}

fn resolve_sampling_rules(code: &CodeSettings, source: &dyn EnvSource) -> Result<Vec<SamplingRule>, InitError> {
    if !code.sampling_rules.is_empty() {
        return Ok(code.sampling_rules.clone());
    }
    match env::read(source, env::DD_TRACE_SAMPLING_RULES) {
        None => Ok(Vec::new()),
        Some(value) => parse_rules(&value).map_err(|reason| invalid_env(env::DD_TRACE_SAMPLING_RULES, &value, reason)),
    }
}

fn resolve_rate_limit(code: &CodeSettings, source: &dyn EnvSource) -> Result<f64, InitError> {
    let valid = |limit: f64| limit.is_finite() && limit >= 0.0;
    if let Some(limit) = code.rate_limit {
        return if valid(limit) {
            Ok(limit)
        } else {
            Err(InitError::InvalidSetting {
                setting: "rate_limit",
                value: limit.to_string(),
                reason: "expected a number of traces per second, 0 or more".to_owned(),
            })
        };
    }
    match env::read(source, env::DD_TRACE_RATE_LIMIT) {
        None => Ok(DEFAULT_RATE_LIMIT),
        Some(value) => value.parse::<f64>().ok().filter(|limit| valid(*limit)).ok_or_else(|| {
            invalid_env(env::DD_TRACE_RATE_LIMIT, &value, "expected a number of traces per second, 0 or more")
        }),
    }
}

/// Styles for one direction: code > `..._EXTRACT`/`..._INJECT` > `DD_TRACE_PROPAGATION_STYLE` >
/// `datadog,tracecontext`.
fn resolve_propagation(
    code: &CodeSettings,
    source: &dyn EnvSource,
    specific: &'static str,
) -> Result<Vec<PropagationStyle>, InitError> {
    if let Some(styles) = &code.propagation {
        return Ok(styles.clone());
    }
    for variable in [specific, env::DD_TRACE_PROPAGATION_STYLE] {
        if let Some(value) = env::read(source, variable) {
            return parse_styles(&value).map_err(|reason| invalid_env(variable, &value, reason));
        }
    }
    Ok(DEFAULT_STYLES.to_vec())
}

/// `DD_TRACE_AGENT_URL`, else `DD_AGENT_HOST` + `DD_TRACE_AGENT_PORT` when either is set.
fn resolve_trace_agent_url(code: &CodeSettings, source: &dyn EnvSource) -> Result<Option<String>, InitError> {
    let check = |url: &str| -> Result<(), String> {
        if let Some(path) = url.strip_prefix("unix://") {
            return if path.starts_with('/') { Ok(()) } else { Err(format!("socket path `{path}` must be absolute")) };
        }
        check_url(url).map_err(|reason| format!("{reason}, or `unix:///path` for the Agent's socket"))
    };
    if let Some(url) = &code.trace_agent_url {
        check(url).map_err(|reason| InitError::InvalidSetting {
            setting: "trace_agent_url",
            value: url.clone(),
            reason,
        })?;
        return Ok(Some(url.clone()));
    }
    if let Some(url) = env::read(source, env::DD_TRACE_AGENT_URL) {
        check(&url).map_err(|reason| invalid_env(env::DD_TRACE_AGENT_URL, &url, reason))?;
        return Ok(Some(url));
    }
    let port =
        match env::read(source, env::DD_TRACE_AGENT_PORT) {
            None => None,
            Some(port) => Some(port.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| {
                invalid_env(env::DD_TRACE_AGENT_PORT, &port, "expected a port number from 1 to 65535")
            })?),
        };
    let host = env::read(source, env::DD_AGENT_HOST);
    if host.is_none() && port.is_none() {
        return Ok(None);
    }
    let host = host.unwrap_or_else(|| "localhost".to_owned());
    let host = if host.contains(':') { format!("[{host}]") } else { host };
    Ok(Some(format!("http://{host}:{}", port.unwrap_or(8126))))
}

#[derive(Debug, Clone, Copy)]
enum Signal {
    Traces,
    Metrics,
}

fn resolve_otlp(code: &CodeSettings, source: &dyn EnvSource, signal: Signal) -> Result<OtlpTarget, InitError> {
    let (endpoint_var, protocol_var, path) = match signal {
        Signal::Traces => {
            (env::OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, env::OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, "/v1/traces")
        }
        Signal::Metrics => {
            (env::OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, env::OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, "/v1/metrics")
        }
    };
    let protocol = match code.otlp_protocol {
        Some(protocol) => protocol,
        None => match (env::read(source, protocol_var), env::read(source, env::OTEL_EXPORTER_OTLP_PROTOCOL)) {
            (Some(value), _) => OtlpProtocol::parse(protocol_var, &value)?,
            (None, Some(value)) => OtlpProtocol::parse(env::OTEL_EXPORTER_OTLP_PROTOCOL, &value)?,
            (None, None) => OtlpProtocol::HttpProtobuf,
        },
    };
    let with_path = |base: &str| match protocol {
        OtlpProtocol::Grpc => base.to_owned(),
        OtlpProtocol::HttpProtobuf => format!("{}{path}", base.trim_end_matches('/')),
    };
    let endpoint = if let Some(base) = &code.otlp_endpoint {
        check_url(base).map_err(|reason| InitError::InvalidSetting {
            setting: "otlp_endpoint",
            value: base.clone(),
            reason,
        })?;
        with_path(base)
    } else if let Some(url) = env::read(source, endpoint_var) {
        check_url(&url).map_err(|reason| invalid_env(endpoint_var, &url, reason))?;
        url
    } else if let Some(base) = env::read(source, env::OTEL_EXPORTER_OTLP_ENDPOINT) {
        check_url(&base).map_err(|reason| invalid_env(env::OTEL_EXPORTER_OTLP_ENDPOINT, &base, reason))?;
        with_path(&base)
    } else {
        let host = env::read(source, env::DD_AGENT_HOST).unwrap_or_else(|| "localhost".to_owned());
        let host = if host.contains(':') { format!("[{host}]") } else { host };
        with_path(&format!("http://{host}:{}", protocol.default_port()))
    };
    Ok(OtlpTarget { endpoint, protocol, headers: parse_headers(source)? })
}

/// Accepts `http://host[:port][/path]` and `https://...`.
fn check_url(url: &str) -> Result<(), String> {
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
        return Err(format!("`{authority}` is not `host:port` with a port from 0 to 65535"));
    }
    Ok(())
}

fn parse_headers(source: &dyn EnvSource) -> Result<Vec<(String, String)>, InitError> {
    let Some(raw) = env::read(source, env::OTEL_EXPORTER_OTLP_HEADERS) else { return Ok(Vec::new()) };
    raw.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let bad = |why: &str| invalid_env(env::OTEL_EXPORTER_OTLP_HEADERS, &raw, format!("entry `{entry}` {why}"));
            let (key, value) = entry.split_once('=').ok_or_else(|| bad("is not `key=value`"))?;
            let value = percent_decode(value.trim()).ok_or_else(|| bad("has an invalid percent-encoding"))?;
            let key = key.trim().to_ascii_lowercase();
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
                return Err(bad("has a key that is not a valid header name"));
            }
            Ok((key, value))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    fn resolved(vars: &[(&'static str, &'static str)]) -> Result<Resolved, InitError> {
        resolve(&CodeSettings::default(), &vars.to_vec(), Duration::from_secs(1), Duration::from_secs(1))
    }

    fn error_of(vars: &[(&'static str, &'static str)]) -> String {
        resolved(vars).expect_err("configuration should be rejected").to_string()
    }

    #[test]
    fn unified_service_tags_follow_precedence() {
        let config = resolved(&[
            ("OTEL_SERVICE_NAME", "otel-name"),
            ("DD_SERVICE", "checkout"),
            ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=staging,service.version=1.0,team=payments"),
            ("DD_VERSION", "2.3.4"),
        ])
        .unwrap();
        let service = config.service;
        assert_eq!(service.service, "checkout");
        assert_eq!(service.env.as_deref(), Some("staging"));
        assert_eq!(service.version.as_deref(), Some("2.3.4"));
        assert_eq!(service.resource_attributes, [("team".to_owned(), "payments".to_owned())]);
        assert_eq!(service.metric_tags(), ["env:staging", "service:checkout", "version:2.3.4"]);

        let code = CodeSettings { service: Some("from-code".into()), ..CodeSettings::default() };
        let config = resolve(&code, &vec![("DD_SERVICE", "env")], Duration::ZERO, Duration::ZERO).unwrap();
        assert_eq!(config.service.service, "from-code");
    }

    #[test]
    fn dd_tags_accept_commas_and_spaces_and_fill_reserved_keys() {
        let config = resolved(&[("DD_TAGS", "team:Payments, region:eu-west  env:prod,solo")]).unwrap();
        assert_eq!(config.service.tags, ["team:payments", "region:eu-west", "solo"]);
        assert_eq!(config.service.env.as_deref(), Some("prod"));
        assert_eq!(
            config.service.resource_attributes(),
            [
                ("service.name".to_owned(), config.service.service.clone()),
                ("deployment.environment.name".to_owned(), "prod".to_owned()),
                ("deployment.environment".to_owned(), "prod".to_owned()),
                ("team".to_owned(), "payments".to_owned()),
                ("region".to_owned(), "eu-west".to_owned()),
                ("solo".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn bad_values_name_the_variable_and_the_value() {
        assert_eq!(
            error_of(&[("DD_TRACE_SAMPLE_RATE", "1.5")]),
            r#"invalid value "1.5" for DD_TRACE_SAMPLE_RATE: expected a number from 0.0 to 1.0"#
        );
        assert_eq!(
            error_of(&[("DD_TRACE_ENABLED", "maybe")]),
            r#"invalid value "maybe" for DD_TRACE_ENABLED: expected `true` or `false`"#
        );
        assert_eq!(
            error_of(&[("DD_DOGSTATSD_PORT", "81250")]),
            r#"invalid value "81250" for DD_DOGSTATSD_PORT: expected a port number from 1 to 65535"#
        );
        assert!(
            error_of(&[("DD_DOGSTATSD_URL", "tcp://x:1")])
                .starts_with(r#"invalid value "tcp://x:1" for DD_DOGSTATSD_URL"#)
        );
        assert!(error_of(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]).contains("http/json is not supported"));
        assert!(
            error_of(&[("OTEL_TRACES_EXPORTER", "jaeger")]).contains("expected `datadog`, `otlp`, `console` or `none`")
        );
        assert!(error_of(&[("OTEL_METRICS_EXPORTER", "otlp,console")]).contains("only one exporter"));
        assert!(error_of(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4317")]).contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
        assert!(error_of(&[("OTEL_RESOURCE_ATTRIBUTES", "team")]).contains("entry `team` is not `key=value`"));
        assert!(error_of(&[("DD_TAGS", "team:a,:::")]).contains("entry `:::`"));
        assert!(error_of(&[("OTEL_EXPORTER_OTLP_HEADERS", "api-key")]).contains("OTEL_EXPORTER_OTLP_HEADERS"));
    }

    #[test]
    fn trace_agent_url_selects_native_export() {
        let native = resolved(&[("DD_TRACE_AGENT_URL", "unix:///var/run/datadog/apm.socket")]);
        if cfg!(feature = "datadog") {
            let native = native.unwrap();
            assert_eq!(native.traces, TracesExporter::Datadog);
            assert_eq!(native.trace_agent_url.as_deref(), Some("unix:///var/run/datadog/apm.socket"));
        } else {
            assert_eq!(
                native.unwrap_err().to_string(),
                "native trace export to the Datadog Agent (OTEL_TRACES_EXPORTER=datadog, DD_TRACE_AGENT_URL or DD_TRACE_AGENT_PORT) needs the `datadog` feature of dd-instrument"
            );
        }
        let config = resolved(&[
            ("DD_AGENT_HOST", "10.0.0.7"),
            ("DD_TRACE_AGENT_PORT", "9126"),
            ("OTEL_TRACES_EXPORTER", "otlp"),
        ])
        .unwrap();
        assert_eq!(config.trace_agent_url.as_deref(), Some("http://10.0.0.7:9126"));
        assert_eq!(config.traces, TracesExporter::Otlp, "OTEL_TRACES_EXPORTER wins");
        assert_eq!(resolved(&[]).unwrap().trace_agent_url, None, "Datadog's SDK finds the Agent by itself");
        assert!(error_of(&[("DD_TRACE_AGENT_URL", "localhost:8126")]).contains("DD_TRACE_AGENT_URL"));
        assert!(error_of(&[("DD_TRACE_AGENT_URL", "unix://relative.sock")]).contains("must be absolute"));
        assert!(error_of(&[("DD_TRACE_AGENT_PORT", "http")]).contains("DD_TRACE_AGENT_PORT"));
    }

    #[test]
    fn sampling_and_propagation_settings() {
        let config = resolved(&[
            ("DD_TRACE_SAMPLING_RULES", r#"[{"service":"shop","name":"http.*","sample_rate":0.5}]"#),
            ("DD_TRACE_RATE_LIMIT", "25"),
            ("DD_TRACE_PROPAGATION_STYLE", "tracecontext"),
            ("DD_TRACE_PROPAGATION_STYLE_INJECT", "Datadog, tracecontext"),
            ("DD_LOGS_INJECTION", "true"),
        ])
        .unwrap();
        assert_eq!(config.sampling_rules, [SamplingRule::new(0.5).service("shop").name("http.*")]);
        assert_eq!(config.rate_limit, 25.0);
        assert_eq!(config.propagation_extract, [PropagationStyle::TraceContext]);
        assert_eq!(config.propagation_inject, [PropagationStyle::Datadog, PropagationStyle::TraceContext]);
        assert!(config.logs_injection);

        let defaults = resolved(&[]).unwrap();
        assert_eq!((defaults.sampling_rules.len(), defaults.rate_limit), (0, 100.0));
        assert_eq!(defaults.propagation_extract, DEFAULT_STYLES);
        assert!(!defaults.logs_injection);

        assert_eq!(
            error_of(&[("DD_TRACE_SAMPLING_RULES", r#"[{"sample_rate":2}]"#)]),
            r#"invalid value "[{\"sample_rate\":2}]" for DD_TRACE_SAMPLING_RULES: rule 0 `{"sample_rate":2}`: `sample_rate` must be a number from 0.0 to 1.0"#
        );
        assert!(error_of(&[("DD_TRACE_RATE_LIMIT", "-1")]).contains("DD_TRACE_RATE_LIMIT"));
        assert!(error_of(&[("DD_TRACE_PROPAGATION_STYLE_EXTRACT", "b3")]).contains("unknown propagation style `b3`"));
        assert!(error_of(&[("DD_LOGS_INJECTION", "yes please")]).contains("DD_LOGS_INJECTION"));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let config =
            resolved(&[("DD_SERVICE", ""), ("DD_TRACE_SAMPLE_RATE", " "), ("OTEL_SERVICE_NAME", "svc")]).unwrap();
        assert_eq!(config.service.service, "svc");
        assert_eq!(config.sample_rate, None);
    }

    #[test]
    fn dogstatsd_address_resolution() {
        assert_eq!(resolved(&[]).unwrap().dogstatsd, DogStatsdAddr::Udp { host: "localhost".into(), port: 8125 });
        assert_eq!(
            resolved(&[("DD_AGENT_HOST", "10.0.0.7"), ("DD_DOGSTATSD_PORT", "9125")]).unwrap().dogstatsd,
            DogStatsdAddr::Udp { host: "10.0.0.7".into(), port: 9125 }
        );
        assert_eq!(
            resolved(&[("DD_AGENT_HOST", "a"), ("DD_DOGSTATSD_HOST", "b")]).unwrap().dogstatsd,
            DogStatsdAddr::Udp { host: "b".into(), port: 8125 }
        );
        assert_eq!(
            resolved(&[("DD_DOGSTATSD_URL", "unix:///var/run/datadog/dsd.socket"), ("DD_AGENT_HOST", "a")])
                .unwrap()
                .dogstatsd,
            DogStatsdAddr::Unix("/var/run/datadog/dsd.socket".into())
        );
        assert_eq!(
            resolved(&[("DD_DOGSTATSD_URL", "udp://[::1]:8125")]).unwrap().dogstatsd,
            DogStatsdAddr::Udp { host: "::1".into(), port: 8125 }
        );
        assert_eq!(
            DogStatsdAddr::parse("unixstream:///tmp/dsd.sock").unwrap(),
            DogStatsdAddr::UnixStream("/tmp/dsd.sock".into())
        );
    }

    #[test]
    fn otlp_endpoints_by_signal_and_protocol() {
        let config = resolved(&[]).unwrap();
        assert_eq!(config.otlp_traces.endpoint, "http://localhost:4318/v1/traces");
        assert_eq!(config.otlp_metrics.endpoint, "http://localhost:4318/v1/metrics");

        let config = resolved(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("DD_AGENT_HOST", "agent")]).unwrap();
        assert_eq!(
            (config.otlp_traces.endpoint.as_str(), config.otlp_traces.protocol),
            ("http://agent:4317", OtlpProtocol::Grpc)
        );

        let config = resolved(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
            ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://metrics:9000/custom"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
        ])
        .unwrap();
        assert_eq!(config.otlp_traces.endpoint, "http://collector:4318/");
        assert_eq!(config.otlp_traces.protocol, OtlpProtocol::Grpc);
        assert_eq!(config.otlp_metrics.endpoint, "http://metrics:9000/custom");
        assert_eq!(config.otlp_metrics.protocol, OtlpProtocol::HttpProtobuf);
    }

    #[test]
    fn exporters_default_and_follow_the_environment() {
        let config = resolved(&[]).unwrap();
        let default_traces = if cfg!(feature = "datadog") { TracesExporter::Datadog } else { TracesExporter::Otlp };
        assert_eq!((config.traces, config.metrics), (default_traces.clone(), MetricsExporter::DogStatsd));
        let config = resolved(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")]).unwrap();
        assert_eq!(config.traces, TracesExporter::Otlp, "an OTLP endpoint selects OTLP");
        let config = resolved(&[("OTEL_TRACES_EXPORTER", "console"), ("OTEL_METRICS_EXPORTER", "otlp")]).unwrap();
        assert_eq!((config.traces, config.metrics), (TracesExporter::Console, MetricsExporter::Otlp));
        assert_eq!(resolved(&[("DD_TRACE_ENABLED", "false")]).unwrap().traces, TracesExporter::None);

        let code = CodeSettings {
            fallback_traces: Some(TracesExporter::Console),
            fallback_metrics: Some(MetricsExporter::Console),
            ..CodeSettings::default()
        };
        let unconfigured = resolve(&code, &vec![], Duration::ZERO, Duration::ZERO).unwrap();
        assert_eq!((unconfigured.traces, unconfigured.metrics), (TracesExporter::Console, MetricsExporter::Console));
        let with_agent = resolve(&code, &vec![("DD_AGENT_HOST", "agent")], Duration::ZERO, Duration::ZERO).unwrap();
        assert_eq!((with_agent.traces, with_agent.metrics), (default_traces, MetricsExporter::DogStatsd));
    }
}
