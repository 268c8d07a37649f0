//! Resolution: what [`Builder`](crate::Builder) settings and the environment add up to.
//!
//! Each setting is resolved by one small `resolve_*` function, in the order code > specific
//! variable > generic variable > default. Values that cannot be used are errors naming the
//! variable and the value.

use std::time::Duration;

use super::env::{self, EnvSource};
use super::error::{InitError, invalid_env, invalid_setting, shorten};
use super::exporters::{DogStatsdAddr, MetricsExporter, OtlpCompression, OtlpProtocol, TracesExporter};
use super::parse::{
    check_host, check_url, parse_bool, parse_dd_tags, parse_headers, parse_resource_attributes, parse_timeout,
    split_host_port,
};
use super::propagation_style::{DEFAULT_STYLES, PropagationStyle, parse_styles_ignoring};
use super::sampling_rule::{DEFAULT_RATE_LIMIT, SamplingRule, parse_rules};
use super::service::ServiceInfo;
use crate::tags::{RESERVED_TAG_KEYS, normalize_tag};

/// Where and how OTLP data is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(feature = "otlp"), allow(dead_code, reason = "headers and origin are read by OTLP export only"))]
pub(crate) struct OtlpTarget {
    /// Full URL of the signal (with `/v1/traces` or `/v1/metrics` for HTTP).
    pub(crate) endpoint: String,
    /// Transport.
    pub(crate) protocol: OtlpProtocol,
    /// Extra request headers: lowercase names, decoded values; the signal's own variable merged
    /// over `OTEL_EXPORTER_OTLP_HEADERS`.
    pub(crate) headers: Vec<(String, String)>,
    /// Most time one request may take (an export with its retries too).
    pub(crate) timeout: Duration,
    /// Compression of request bodies.
    pub(crate) compression: OtlpCompression,
    /// What the endpoint came from (a variable, a builder method, or the default), for
    /// messages.
    pub(crate) origin: &'static str,
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
    pub(crate) health_metrics: Option<bool>,
    pub(crate) keep_errors: Option<bool>,
    pub(crate) keep_slow: Option<Duration>,
    pub(crate) span_sampling_rules: Vec<super::SpanSamplingRule>,
    pub(crate) redaction: Option<crate::redact::Redaction>,
    pub(crate) runtime_metrics: Option<bool>,
    pub(crate) profiling: Option<bool>,
    pub(crate) profiling_hz: Option<u32>,
    pub(crate) profiling_period: Option<Duration>,
    pub(crate) otel_metrics: Option<bool>,
}

/// Everything `init` needs, resolved.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools, reason = "independent on/off settings, as the variables are")]
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
    /// The exporters' counters as self-metrics (`datadog.dd_instrument.*`).
    pub(crate) health_metrics: bool,
    /// What is kept of the traces the sampler dropped.
    pub(crate) keep: super::KeepSettings,
    /// What is scrubbed from what the crate sends.
    pub(crate) redaction: crate::redact::Redaction,
    /// Runtime metrics on (`DD_RUNTIME_METRICS_ENABLED`).
    pub(crate) runtime_metrics: bool,
    /// Most finished spans waiting for the OTLP span exporter (`OTEL_BSP_MAX_QUEUE_SIZE`).
    #[cfg_attr(not(feature = "otlp"), allow(dead_code))]
    pub(crate) span_queue_size: usize,
    /// Continuous profiling (`DD_PROFILING_ENABLED`), when on.
    pub(crate) profiling: Option<ProfilingSettings>,
    /// The global OpenTelemetry meter provider on (`DD_INSTRUMENT_OTEL_METRICS`).
    #[cfg_attr(not(feature = "otel-metrics"), allow(dead_code))]
    pub(crate) otel_metrics: bool,
    pub(crate) flush_interval: Duration,
    pub(crate) shutdown_timeout: Duration,
    /// Whether the environment or the code names an Agent, a collector or an address; when
    /// not, telemetry goes to the defaults on `localhost`.
    pub(crate) destination_configured: bool,
    /// What `init` must warn about: settings it could not follow as given and what it did
    /// instead.
    pub(crate) notices: Vec<String>,
}

pub(crate) fn resolve(
    code: &CodeSettings,
    source: &dyn EnvSource,
    flush_interval: Duration,
    shutdown_timeout: Duration,
) -> Result<Resolved, InitError> {
    let mut notices = Vec::new();
    let service = resolve_service(code, source, &mut notices)?;
    // A malformed Agent URL is reported as such before any "needs the `datadog` feature".
    let trace_agent_url = resolve_trace_agent_url(code, source)?;
    // A trace Agent URL given as such: its host also receives OTLP when no endpoint is set.
    let named_agent = match (&code.trace_agent_url, env::read(source, env::DD_TRACE_AGENT_URL)) {
        (Some(url), _) => Some((url.clone(), "the builder's trace_agent_url")),
        (None, Some(url)) => Some((url, env::DD_TRACE_AGENT_URL)),
        (None, None) => None,
    };
    let mut fell_back = None;
    let traces = resolve_traces_exporter(code, source, &mut fell_back)?;
    let metrics = resolve_metrics_exporter(code, source)?;
    let otlp_traces = resolve_otlp(code, source, Signal::Traces, named_agent.as_ref())?;
    if let Some(variable) = fell_back {
        notices.push(format!(
            "{variable} is set, but native trace export needs the `datadog` feature of dd-instrument, which this \
             build lacks: traces go {} instead",
            match traces {
                TracesExporter::Otlp => {
                    format!("over OTLP to {} (the Agent's OTLP receiver must be enabled)", otlp_traces.endpoint)
                }
                _ => "nowhere (this build has neither the `datadog` nor the `otlp` feature)".to_owned(),
            }
        ));
    }
    let propagation_extract = resolve_propagation(code, source, env::DD_TRACE_PROPAGATION_STYLE_EXTRACT, &mut notices)?;
    let propagation_inject = resolve_propagation(code, source, env::DD_TRACE_PROPAGATION_STYLE_INJECT, &mut notices)?;
    // Both directions read DD_TRACE_PROPAGATION_STYLE: say things about it once.
    notices.dedup();
    Ok(Resolved {
        service,
        traces,
        metrics,
        sample_rate: resolve_sample_rate(code, source)?,
        dogstatsd: resolve_dogstatsd(code, source)?,
        otlp_traces,
        otlp_metrics: resolve_otlp(code, source, Signal::Metrics, named_agent.as_ref())?,
        trace_agent_url,
        sampling_rules: resolve_sampling_rules(code, source)?,
        rate_limit: resolve_rate_limit(code, source)?,
        propagation_extract,
        propagation_inject,
        logs_injection: match (code.logs_injection, env::read(source, env::DD_LOGS_INJECTION)) {
            (Some(enabled), _) => enabled,
            (None, Some(value)) => parse_bool(env::DD_LOGS_INJECTION, &value)?,
            (None, None) => false,
        },
        runtime_metrics: match (code.runtime_metrics, env::read(source, env::DD_RUNTIME_METRICS_ENABLED)) {
            (Some(enabled), _) => enabled,
            (None, Some(value)) => parse_bool(env::DD_RUNTIME_METRICS_ENABLED, &value)?,
            (None, None) => false,
        },
        profiling: resolve_profiling(code, source)?,
        otel_metrics: match (code.otel_metrics, env::read(source, env::DD_INSTRUMENT_OTEL_METRICS)) {
            (Some(enabled), _) => enabled,
            (None, Some(value)) => parse_bool(env::DD_INSTRUMENT_OTEL_METRICS, &value)?,
            (None, None) => true,
        },
        keep: super::keep::resolve_keep(code.keep_errors, code.keep_slow, &code.span_sampling_rules, source)?,
        health_metrics: match (code.health_metrics, env::read(source, env::DD_INSTRUMENT_HEALTH_METRICS)) {
            (Some(enabled), _) => enabled,
            (None, Some(value)) => parse_bool(env::DD_INSTRUMENT_HEALTH_METRICS, &value)?,
            (None, None) => false,
        },
        redaction: resolve_redaction(code, source)?,
        span_queue_size: resolve_span_queue_size(source)?,
        flush_interval,
        shutdown_timeout,
        destination_configured: agent_configured(source)
            || code.dogstatsd.is_some()
            || code.otlp_endpoint.is_some()
            || code.trace_agent_url.is_some(),
        notices,
    })
}

fn resolve_service(
    code: &CodeSettings,
    source: &dyn EnvSource,
    notices: &mut Vec<String>,
) -> Result<ServiceInfo, InitError> {
    let dd_tags = parse_dd_tags(source)?;
    let otel = parse_resource_attributes(source)?;
    let from_otel = |keys: &[&str]| otel.iter().find(|(k, _)| keys.contains(&k.as_str())).map(|(_, v)| v.clone());
    let from_dd_tags = |key: &str| dd_tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());

    let named = code
        .service
        .clone()
        .map(|name| (name, "service"))
        .or_else(|| env::read(source, env::DD_SERVICE).map(|name| (name, env::DD_SERVICE)))
        .or_else(|| from_dd_tags("service").map(|name| (name, env::DD_TAGS)))
        .or_else(|| env::read(source, env::OTEL_SERVICE_NAME).map(|name| (name, env::OTEL_SERVICE_NAME)))
        .or_else(|| from_otel(&["service.name"]).map(|name| (name, env::OTEL_RESOURCE_ATTRIBUTES)));
    let service = match named {
        Some((name, origin)) => {
            let service = normalize_service(&name);
            if service.is_empty() {
                let reason = "a service name needs a letter or digit Datadog keeps (`a-z`, `0-9`; \
                              also `_`, `-`, `.`, `/`); other characters become `_`";
                return Err(if origin == "service" {
                    invalid_setting(origin, &name, reason)
                } else {
                    invalid_env(origin, &name, reason)
                });
            }
            service
        }
        None => Some(normalize_service(&default_service_name()))
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "unnamed-rust-service".to_owned()),
    };
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
        let normalized = normalize_tag(tag).ok_or_else(|| {
            invalid_setting("tag", tag, "a tag must contain a letter; it is `key:value` with Datadog's tag characters")
        })?;
        tags.push(normalized);
    }
    let entity_id = env::read(source, env::DD_ENTITY_ID);
    let mut unified = vec![format!("service:{service}")];
    unified.extend(env_name.iter().map(|env| format!("env:{env}")));
    unified.extend(version.iter().map(|version| format!("version:{version}")));
    unified.extend(entity_id.iter().map(|id| format!("dd.internal.entity_id:{id}")));
    let tags = bound_tags(tags, unified.iter().map(|tag| tag.len() + 1).sum(), notices);
    let otel_attributes = otel
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
        otel_attributes,
        entity_id,
        // Kept to printable ASCII without `|`, which would end the field early.
        external_env: env::read(source, env::DD_EXTERNAL_ENV)
            .map(|value| value.chars().filter(|c| c.is_ascii_graphic() && *c != '|').collect::<String>())
            .filter(|value| !value.is_empty()),
        hostname: env::read(source, env::DD_HOSTNAME).or_else(system_hostname),
    })
}

/// Most bytes the tags of every DogStatsD line may take (`env`, `service`, `version`, the entity
/// id, `DD_TAGS` and the builder's tags, with their commas): half of a UDP datagram, leaving the
/// other half for the metric's name, values and own tags.
pub(crate) const MAX_GLOBAL_TAG_BYTES: usize = 716;

/// `tags` without repeats, and cut so that, after `unified_bytes` of unified service tags, they
/// fit in [`MAX_GLOBAL_TAG_BYTES`]; what is cut is said in a notice.
fn bound_tags(tags: Vec<String>, unified_bytes: usize, notices: &mut Vec<String>) -> Vec<String> {
    let given = tags.len();
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<String> = tags.into_iter().filter(|tag| seen.insert(tag.clone())).collect();
    let mut used = unified_bytes;
    let kept = unique
        .iter()
        .take_while(|tag| {
            used += tag.len() + 1;
            used <= MAX_GLOBAL_TAG_BYTES
        })
        .count();
    if kept < unique.len() {
        let dropped = &unique[kept..];
        let mut shown: Vec<&str> = dropped.iter().take(3).map(String::as_str).collect();
        if dropped.len() > shown.len() {
            shown.push("...");
        }
        notices.push(format!(
            "DD_TAGS and the builder's tags hold {given} tags ({} distinct); every DogStatsD datagram carries them and \
             must fit in 1432 bytes, so only the first {kept} are kept (at most {MAX_GLOBAL_TAG_BYTES} bytes of tags \
             with env, service and version), on spans as on metrics: {} dropped ({})",
            unique.len(),
            dropped.len(),
            super::error::shorten(&shown.join(", "))
        ));
    }
    unique.into_iter().take(kept).collect()
}

/// The system's host name, as the Agent would report it without `DD_HOSTNAME`; read once per
/// `init`, never per log line.
fn system_hostname() -> Option<String> {
    hostname::get().ok()?.into_string().ok().filter(|name| !name.is_empty())
}

/// Longest service name Datadog keeps, in bytes.
const MAX_SERVICE_LEN: usize = 100;

/// A service name by Datadog's rules, the same on spans, metrics and logs: lowercase, tag
/// characters (`a-z`, `0-9`, `_`, `-`, `:`, `.`, `/`; others become `_`), at most 100 bytes.
/// Empty when nothing remains.
fn normalize_service(name: &str) -> String {
    let mut service = dd_instrument_rules::normalize_tag_value(name);
    service.truncate(MAX_SERVICE_LEN);
    while service.ends_with(['_', ':']) {
        service.pop();
    }
    service
}

/// The executable's file name, as Datadog's tracers default to.
fn default_service_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|path| path.file_stem().map(|stem| stem.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unnamed-rust-service".to_owned())
}

fn resolve_traces_exporter(
    code: &CodeSettings,
    source: &dyn EnvSource,
    fell_back: &mut Option<&'static str>,
) -> Result<TracesExporter, InitError> {
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
    } else if code.trace_agent_url.is_some() {
        TracesExporter::Datadog
    } else if let Some(variable) =
        [env::DD_TRACE_AGENT_URL, env::DD_TRACE_AGENT_PORT].into_iter().find(|name| env::read(source, name).is_some())
    {
        if cfg!(feature = "datadog") {
            TracesExporter::Datadog
        } else {
            // Platforms inject these (Datadog's admission controller sets DD_TRACE_AGENT_URL in
            // every pod): a build without native export must not crash-loop on them.
            *fell_back = Some(variable);
            default_without_native()
        }
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
        default_without_native()
    };
    if exporter == TracesExporter::Datadog && !cfg!(feature = "datadog") {
        return Err(InitError::FeatureDisabled {
            what: "native trace export to the Datadog Agent (OTEL_TRACES_EXPORTER=datadog, DD_TRACE_AGENT_URL or DD_TRACE_AGENT_PORT)",
            feature: "datadog",
        });
    }
    Ok(exporter)
}

/// The trace export of a build without the `datadog` feature: OTLP if built in, else none.
fn default_without_native() -> TracesExporter {
    if cfg!(feature = "otlp") { TracesExporter::Otlp } else { TracesExporter::None }
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
            Err(invalid_setting("sample_rate", &rate.to_string(), "expected a number from 0.0 to 1.0"))
        };
    }
    let Some(value) = env::read(source, env::DD_TRACE_SAMPLE_RATE) else { return Ok(None) };
    match value.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(Some(rate)),
        _ => Err(invalid_env(env::DD_TRACE_SAMPLE_RATE, &value, "expected a number from 0.0 to 1.0")),
    }
}

/// `DD_AGENT_HOST`, checked: a host name or IP address.
fn agent_host(source: &dyn EnvSource) -> Result<Option<String>, InitError> {
    host_var(source, env::DD_AGENT_HOST)
}

fn host_var(source: &dyn EnvSource, variable: &'static str) -> Result<Option<String>, InitError> {
    match env::read(source, variable) {
        None => Ok(None),
        Some(host) => {
            check_host(&host).map(|()| Some(host.clone())).map_err(|reason| invalid_env(variable, &host, reason))
        }
    }
}

/// A host for a URL: IPv6 addresses in brackets.
fn url_host(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_owned() }
}

fn resolve_dogstatsd(code: &CodeSettings, source: &dyn EnvSource) -> Result<DogStatsdAddr, InitError> {
    if let Some(addr) = &code.dogstatsd {
        return Ok(addr.clone());
    }
    if let Some(url) = env::read(source, env::DD_DOGSTATSD_URL) {
        return url.parse::<DogStatsdAddr>().map_err(|e| invalid_env(env::DD_DOGSTATSD_URL, &url, e.to_string()));
    }
    let host = match host_var(source, env::DD_DOGSTATSD_HOST)? {
        Some(host) => host,
        None => agent_host(source)?.unwrap_or_else(|| "localhost".to_owned()),
    };
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

/// OpenTelemetry's default queue of the batch span processor.
const DEFAULT_SPAN_QUEUE_SIZE: usize = 2048;

fn resolve_span_queue_size(source: &dyn EnvSource) -> Result<usize, InitError> {
    match env::read(source, env::OTEL_BSP_MAX_QUEUE_SIZE) {
        None => Ok(DEFAULT_SPAN_QUEUE_SIZE),
        Some(value) => {
            value.trim().parse::<usize>().ok().filter(|size| *size > 0).ok_or_else(|| {
                invalid_env(env::OTEL_BSP_MAX_QUEUE_SIZE, &value, "expected a number of spans, 1 or more")
            })
        }
    }
}

fn resolve_rate_limit(code: &CodeSettings, source: &dyn EnvSource) -> Result<f64, InitError> {
    let valid = |limit: f64| limit.is_finite() && limit >= 0.0;
    if let Some(limit) = code.rate_limit {
        return if valid(limit) {
            Ok(limit)
        } else {
            Err(invalid_setting("rate_limit", &limit.to_string(), "expected a number of traces per second, 0 or more"))
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
    notices: &mut Vec<String>,
) -> Result<Vec<PropagationStyle>, InitError> {
    const NO_STYLE: &str = "no style is listed; write `none` to turn propagation off";
    if let Some(styles) = &code.propagation {
        if styles.is_empty() {
            return Err(invalid_setting("propagation", "[]", NO_STYLE));
        }
        return Ok(styles.clone());
    }
    for variable in [specific, env::DD_TRACE_PROPAGATION_STYLE] {
        if let Some(value) = env::read(source, variable) {
            let mut ignored = Vec::new();
            let styles =
                parse_styles_ignoring(&value, &mut ignored).map_err(|reason| invalid_env(variable, &value, reason))?;
            if ignored.is_empty() && styles.is_empty() {
                return Err(invalid_env(variable, &value, NO_STYLE));
            }
            if ignored.is_empty() {
                return Ok(styles);
            }
            let (styles, instead) = if styles.is_empty() {
                (DEFAULT_STYLES.to_vec(), "the default, `datadog,tracecontext`")
            } else {
                (styles, "the other styles listed")
            };
            notices.push(format!(
                "{variable}={}: dd-instrument does not read or write `{}`, so it uses {instead}",
                shorten(&value),
                ignored.join("`, `")
            ));
            return Ok(styles);
        }
    }
    Ok(DEFAULT_STYLES.to_vec())
}

/// `DD_TRACE_AGENT_URL`, else `DD_AGENT_HOST` + `DD_TRACE_AGENT_PORT` when either is set.
/// What continuous profiling runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "profiling"), allow(dead_code, reason = "read by the profiler only"))]
pub(crate) struct ProfilingSettings {
    /// CPU samples per second of CPU time.
    pub(crate) hz: u32,
    /// Time covered by one uploaded profile.
    pub(crate) period: Duration,
}

/// Default CPU samples per second: 99, not 100, so sampling does not run in lockstep with
/// timers of the application.
pub(crate) const DEFAULT_PROFILING_HZ: u32 = 99;
/// Default time covered by one profile (what Datadog's tracers use).
pub(crate) const DEFAULT_PROFILING_PERIOD: Duration = Duration::from_mins(1);

/// `DD_PROFILING_ENABLED`, `DD_INSTRUMENT_PROFILING_HZ`, `DD_PROFILING_UPLOAD_PERIOD`; the
/// numbers are checked even when profiling is off, so a typo shows before it matters.
fn resolve_profiling(code: &CodeSettings, source: &dyn EnvSource) -> Result<Option<ProfilingSettings>, InitError> {
    let enabled = match (code.profiling, env::read(source, env::DD_PROFILING_ENABLED)) {
        (Some(enabled), _) => enabled,
        (None, Some(value)) => parse_bool(env::DD_PROFILING_ENABLED, &value)?,
        (None, None) => false,
    };
    let hz = match (code.profiling_hz, env::read(source, env::DD_INSTRUMENT_PROFILING_HZ)) {
        (Some(hz), _) if (1..=1000).contains(&hz) => hz,
        (Some(hz), _) => {
            return Err(invalid_setting("profiling_hz", &hz.to_string(), "expected 1 to 1000 samples per second"));
        }
        (None, Some(value)) => value.parse::<u32>().ok().filter(|hz| (1..=1000).contains(hz)).ok_or_else(|| {
            invalid_env(
                env::DD_INSTRUMENT_PROFILING_HZ,
                &value,
                "expected a whole number of samples per second from 1 to 1000, like 99",
            )
        })?,
        (None, None) => DEFAULT_PROFILING_HZ,
    };
    let period = match (code.profiling_period, env::read(source, env::DD_PROFILING_UPLOAD_PERIOD)) {
        (Some(period), _) if !period.is_zero() && period <= Duration::from_hours(1) => period,
        (Some(period), _) => {
            return Err(invalid_setting(
                "profiling_upload_period",
                &format!("{period:?}"),
                "expected more than zero and at most an hour",
            ));
        }
        (None, Some(value)) => value
            .parse::<u64>()
            .ok()
            .filter(|seconds| (1..=3600).contains(seconds))
            .map(Duration::from_secs)
            .ok_or_else(|| {
                invalid_env(
                    env::DD_PROFILING_UPLOAD_PERIOD,
                    &value,
                    "expected a whole number of seconds from 1 to 3600, like 60",
                )
            })?,
        (None, None) => DEFAULT_PROFILING_PERIOD,
    };
    Ok(enabled.then_some(ProfilingSettings { hz, period }))
}

fn resolve_trace_agent_url(code: &CodeSettings, source: &dyn EnvSource) -> Result<Option<String>, InitError> {
    let check = |url: &str| -> Result<(), String> {
        if let Some(path) = url.strip_prefix("unix://") {
            return if path.starts_with('/') { Ok(()) } else { Err(format!("socket path `{path}` must be absolute")) };
        }
        check_url(url).map_err(|reason| format!("{reason}, or `unix:///path` for the Agent's socket"))
    };
    if let Some(url) = &code.trace_agent_url {
        check(url).map_err(|reason| invalid_setting("trace_agent_url", url, reason))?;
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
    let host = agent_host(source)?;
    if host.is_none() && port.is_none() {
        return Ok(None);
    }
    let host = url_host(host.as_deref().unwrap_or("localhost"));
    Ok(Some(format!("http://{host}:{}", port.unwrap_or(8126))))
}

/// The host of an `http://host:port` URL (`[v6]` kept in brackets); `None` for Unix sockets.
fn http_host(url: &str) -> Option<&str> {
    let authority = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"))?.split('/').next()?;
    let host = match split_host_port(authority) {
        Some((host, _)) if authority.starts_with('[') => &authority[..=host.len() + 1],
        Some((host, _)) => host,
        None => authority,
    };
    (!host.is_empty()).then_some(host)
}

#[derive(Debug, Clone, Copy)]
enum Signal {
    Traces,
    Metrics,
}

/// The OTLP target of `signal`. `trace_agent`: the trace Agent named for native export, whose
/// host receives OTLP when native export is not available and no OTLP endpoint is set.
fn resolve_otlp(
    code: &CodeSettings,
    source: &dyn EnvSource,
    signal: Signal,
    trace_agent: Option<&(String, &'static str)>,
) -> Result<OtlpTarget, InitError> {
    let (endpoint_var, protocol_var, path) = match signal {
        Signal::Traces => {
            (env::OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, env::OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, "/v1/traces")
        }
        Signal::Metrics => {
            (env::OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, env::OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, "/v1/metrics")
        }
    };
    let (headers_var, timeout_var, compression_var) = match signal {
        Signal::Traces => (
            env::OTEL_EXPORTER_OTLP_TRACES_HEADERS,
            env::OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
            env::OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,
        ),
        Signal::Metrics => (
            env::OTEL_EXPORTER_OTLP_METRICS_HEADERS,
            env::OTEL_EXPORTER_OTLP_METRICS_TIMEOUT,
            env::OTEL_EXPORTER_OTLP_METRICS_COMPRESSION,
        ),
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
    let (endpoint, origin) = if let Some(base) = &code.otlp_endpoint {
        check_url(base).map_err(|reason| invalid_setting("otlp_endpoint", base, reason))?;
        (with_path(base), "the builder's otlp_endpoint")
    } else if let Some(url) = env::read(source, endpoint_var) {
        check_url(&url).map_err(|reason| invalid_env(endpoint_var, &url, reason))?;
        (url, endpoint_var)
    } else if let Some(base) = env::read(source, env::OTEL_EXPORTER_OTLP_ENDPOINT) {
        check_url(&base).map_err(|reason| invalid_env(env::OTEL_EXPORTER_OTLP_ENDPOINT, &base, reason))?;
        (with_path(&base), env::OTEL_EXPORTER_OTLP_ENDPOINT)
    } else if let Some((host, origin)) = trace_agent.and_then(|(url, origin)| Some((http_host(url)?, *origin))) {
        (with_path(&format!("http://{host}:{}", protocol.default_port())), origin)
    } else if let Some(host) = agent_host(source)? {
        (with_path(&format!("http://{}:{}", url_host(&host), protocol.default_port())), env::DD_AGENT_HOST)
    } else {
        (with_path(&format!("http://localhost:{}", protocol.default_port())), "the default")
    };
    // Both headers variables are checked even when one would do, so a typo shows at once.
    let mut headers = parse_headers(source, env::OTEL_EXPORTER_OTLP_HEADERS)?;
    for (key, value) in parse_headers(source, headers_var)? {
        match headers.iter_mut().find(|(existing, _)| *existing == key) {
            Some(existing) => existing.1 = value,
            None => headers.push((key, value)),
        }
    }
    let timeout = per_signal(source, timeout_var, env::OTEL_EXPORTER_OTLP_TIMEOUT, parse_timeout)?
        .unwrap_or(DEFAULT_OTLP_TIMEOUT);
    let compression = per_signal(source, compression_var, env::OTEL_EXPORTER_OTLP_COMPRESSION, OtlpCompression::parse)?
        .unwrap_or_default();
    Ok(OtlpTarget { endpoint, protocol, headers, timeout, compression, origin })
}

/// The `specific` variable's value, else the `general` one's, each read with `parse`. Both are
/// checked when both are set, so a typo in the one not used still shows.
fn per_signal<T>(
    source: &dyn EnvSource,
    specific: &'static str,
    general: &'static str,
    parse: impl Fn(&'static str, &str) -> Result<T, InitError>,
) -> Result<Option<T>, InitError> {
    let general = env::read(source, general).map(|value| parse(general, &value)).transpose()?;
    let specific = env::read(source, specific).map(|value| parse(specific, &value)).transpose()?;
    Ok(specific.or(general))
}

/// The OTLP timeout when no variable sets one (the OpenTelemetry spec's default).
const DEFAULT_OTLP_TIMEOUT: Duration = Duration::from_secs(10);

/// The redaction given in code (else the default), with `DD_INSTRUMENT_REDACT` applied on top:
/// an operator can turn detectors on or off without a new build.
fn resolve_redaction(code: &CodeSettings, source: &dyn EnvSource) -> Result<crate::redact::Redaction, InitError> {
    let mut redaction = code.redaction.clone().unwrap_or_default();
    if let (false, Some(key)) = (redaction.has_hash_key(), env::read(source, env::DD_INSTRUMENT_REDACT_HASH_KEY)) {
        // The key is a secret: the error says what is wrong with it, never what it is.
        redaction = redaction.hash_key(&key).map_err(|e| InitError::InvalidEnv {
            variable: env::DD_INSTRUMENT_REDACT_HASH_KEY,
            value: "(hidden)".to_owned(),
            reason: e.to_string(),
        })?;
    }
    match env::read(source, env::DD_INSTRUMENT_REDACT) {
        None => Ok(redaction),
        Some(value) => {
            redaction.apply_switch(&value).map_err(|e| invalid_env(env::DD_INSTRUMENT_REDACT, &value, e.to_string()))
        }
    }
}
