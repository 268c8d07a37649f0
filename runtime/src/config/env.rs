//! Environment variables read by [`init`](crate::init()), and where they are read from.
//!
//! An empty value counts as unset. A value that cannot be used is an
//! [`InitError::InvalidEnv`](crate::InitError::InvalidEnv) naming the variable and the value;
//! nothing is silently ignored.

use std::collections::{BTreeMap, HashMap};

/// Service name. Default: `OTEL_SERVICE_NAME`, then `service.name` in `OTEL_RESOURCE_ATTRIBUTES`,
/// then the executable's name.
pub const DD_SERVICE: &str = "DD_SERVICE";
/// Deployment environment (`env` tag). Default: `deployment.environment.name` (or
/// `deployment.environment`) in `OTEL_RESOURCE_ATTRIBUTES`, else none.
pub const DD_ENV: &str = "DD_ENV";
/// Application version (`version` tag). Default: `service.version` in `OTEL_RESOURCE_ATTRIBUTES`,
/// else none.
pub const DD_VERSION: &str = "DD_VERSION";
/// Extra tags on every span (as resource attributes) and metric: `key:value` pairs separated by
/// commas or spaces. `env:`, `service:` and `version:` entries count when `DD_ENV`, `DD_SERVICE`
/// and `DD_VERSION` are unset. Default: none.
pub const DD_TAGS: &str = "DD_TAGS";
/// Host of the Datadog Agent, for DogStatsD and OTLP when their own addresses are unset.
/// Default: `localhost`.
pub const DD_AGENT_HOST: &str = "DD_AGENT_HOST";
/// URL of the Datadog trace Agent for native export (feature `datadog`): `http://host:port` or
/// `unix:///path/to/apm.socket`. Setting it (or `DD_TRACE_AGENT_PORT`) selects native export
/// when `OTEL_TRACES_EXPORTER` is unset. Default: `http://<DD_AGENT_HOST>:8126`, or the
/// Agent's socket `/var/run/datadog/apm.socket` when it exists.
pub const DD_TRACE_AGENT_URL: &str = "DD_TRACE_AGENT_URL";
/// Port of the Datadog trace Agent, with `DD_AGENT_HOST`. Default: `8126`.
pub const DD_TRACE_AGENT_PORT: &str = "DD_TRACE_AGENT_PORT";
/// DogStatsD address: `udp://host:port`, `unix:///path` (datagram socket) or
/// `unixstream:///path`. Default: built from `DD_DOGSTATSD_HOST` and `DD_DOGSTATSD_PORT`.
pub const DD_DOGSTATSD_URL: &str = "DD_DOGSTATSD_URL";
/// DogStatsD host. Default: `DD_AGENT_HOST`, then `localhost`.
pub const DD_DOGSTATSD_HOST: &str = "DD_DOGSTATSD_HOST";
/// DogStatsD UDP port. Default: `8125`.
pub const DD_DOGSTATSD_PORT: &str = "DD_DOGSTATSD_PORT";
/// `false` turns trace export off (spans are still created for logs). Default: `true`.
pub const DD_TRACE_ENABLED: &str = "DD_TRACE_ENABLED";
/// Fraction of traces kept, from `0.0` to `1.0`, decided at the root and followed by children
/// (parent-based ratio sampling). Metrics and SLO counters are never sampled. Default: keep all
/// (OTLP); the Agent's rates (native export).
pub const DD_TRACE_SAMPLE_RATE: &str = "DD_TRACE_SAMPLE_RATE";
/// Sampling rules: a JSON array of `{"service", "name", "resource", "tags", "sample_rate"}`
/// objects with glob patterns (`*`, `?`); the first rule that matches a new trace decides. A
/// malformed rule set is an `InitError` naming the rule. Default: none. Metrics and SLO counters
/// are never sampled.
pub const DD_TRACE_SAMPLING_RULES: &str = "DD_TRACE_SAMPLING_RULES";
/// Most traces per second kept by sampling rules and `DD_TRACE_SAMPLE_RATE`. Default: `100`.
pub const DD_TRACE_RATE_LIMIT: &str = "DD_TRACE_RATE_LIMIT";
/// Trace context header styles, in order: `datadog`, `tracecontext`, `baggage`, `none`, comma
/// separated. Datadog's `b3multi` and `b3` are skipped with a warning (the default is used if
/// nothing else is listed); an empty list is an error (`none` turns propagation off). Default:
/// `datadog,tracecontext`.
pub const DD_TRACE_PROPAGATION_STYLE: &str = "DD_TRACE_PROPAGATION_STYLE";
/// Styles read from incoming requests. Default: `DD_TRACE_PROPAGATION_STYLE`.
pub const DD_TRACE_PROPAGATION_STYLE_EXTRACT: &str = "DD_TRACE_PROPAGATION_STYLE_EXTRACT";
/// Styles written to outgoing requests. Default: `DD_TRACE_PROPAGATION_STYLE`.
pub const DD_TRACE_PROPAGATION_STYLE_INJECT: &str = "DD_TRACE_PROPAGATION_STYLE_INJECT";
/// `true` makes `init` log JSON lines with Datadog's attributes and the trace and span ids of
/// the current span, instead of human-readable lines. Default: `false`.
pub const DD_LOGS_INJECTION: &str = "DD_LOGS_INJECTION";
/// `true` keeps whole local traces that contain an error even when the trace sampler dropped
/// them (OTLP and console export). Default: `false`.
pub const DD_INSTRUMENT_KEEP_ERRORS: &str = "DD_INSTRUMENT_KEEP_ERRORS";
/// Milliseconds: keeps whole local traces whose local root lasted at least this long even when
/// the trace sampler dropped them (OTLP and console export); `0` turns it off. Default: off.
pub const DD_INSTRUMENT_KEEP_SLOW_MS: &str = "DD_INSTRUMENT_KEEP_SLOW_MS";
/// Span sampling rules (single span ingestion): a JSON array of `{"service", "name",
/// "sample_rate", "max_per_second"}` objects; spans of dropped traces that match are sent on
/// their own (OTLP and console export). Default: none.
pub const DD_SPAN_SAMPLING_RULES: &str = "DD_SPAN_SAMPLING_RULES";
/// Path of a file holding the span sampling rules, read when `DD_SPAN_SAMPLING_RULES` is unset.
pub const DD_SPAN_SAMPLING_RULES_FILE: &str = "DD_SPAN_SAMPLING_RULES_FILE";
/// `true` sends runtime metrics every 10 s: CPU, memory, file descriptors and threads of the
/// process, and workers, tasks, queue depth and busy ratio of the tokio runtime `init` ran in,
/// as `runtime.rust.*` gauges tagged `runtime-id` (feature `runtime-metrics`, on by default).
/// Default: `false`.
pub const DD_RUNTIME_METRICS_ENABLED: &str = "DD_RUNTIME_METRICS_ENABLED";
/// `true` turns continuous profiling on: CPU samples of every thread, uploaded as a pprof
/// profile to the trace Agent (`/profiling/v1/input`) every `DD_PROFILING_UPLOAD_PERIOD`
/// (feature `profiling`; without it, a warning and no profiles). Default: `false`.
pub const DD_PROFILING_ENABLED: &str = "DD_PROFILING_ENABLED";
/// Seconds covered by one uploaded profile, a whole number from 1 to 3600. Default: `60`.
pub const DD_PROFILING_UPLOAD_PERIOD: &str = "DD_PROFILING_UPLOAD_PERIOD";
/// CPU samples per second of CPU time the profiler takes, from 1 to 1000. Default: `99`.
pub const DD_INSTRUMENT_PROFILING_HZ: &str = "DD_INSTRUMENT_PROFILING_HZ";
/// Container or pod id, sent as tag `dd.internal.entity_id` on DogStatsD metrics so the Agent
/// can attach container tags. Default: none.
pub const DD_ENTITY_ID: &str = "DD_ENTITY_ID";
/// Origin-detection data Datadog's admission controller injects into every pod (`it-..,cn-..,pu-..`):
/// sent as the `e:` field of every DogStatsD metric line, so the Agent can tag metrics with the
/// pod's tags even without `DD_ENTITY_ID`. Default: none.
pub const DD_EXTERNAL_ENV: &str = "DD_EXTERNAL_ENV";
/// Host name reported with logs (`host`) and profiles (`host` tag). Default: the system's host
/// name, read once by `init`.
pub const DD_HOSTNAME: &str = "DD_HOSTNAME";
/// `true` sends the exporters' own counters as metrics through the metrics exporter, each
/// flush: `datadog.dd_instrument.spans.{sent,dropped,failed}` and
/// `datadog.dd_instrument.points.{sent,dropped,failed}` (counts since the previous flush; zero
/// counts are left out). The same counters are read in code with `Guard::stats`. Default:
/// `false`.
pub const DD_INSTRUMENT_HEALTH_METRICS: &str = "DD_INSTRUMENT_HEALTH_METRICS";
/// `false` keeps `init` from installing its global OpenTelemetry `MeterProvider` (feature
/// `otel-metrics`), for an application that installs its own. Default: `true` (installed when a
/// metrics exporter runs).
pub const DD_INSTRUMENT_OTEL_METRICS: &str = "DD_INSTRUMENT_OTEL_METRICS";
/// Service name, when `DD_SERVICE` is unset.
pub const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
/// Resource attributes: `key=value` pairs separated by commas, values percent-encoded.
pub const OTEL_RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";
/// Base URL of the OTLP receiver for traces and metrics. Default: `http://<DD_AGENT_HOST>:4318`
/// for HTTP, `http://<DD_AGENT_HOST>:4317` for gRPC.
pub const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// Full URL for OTLP traces (used as is, no path appended). Default: from the base endpoint.
pub const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// Full URL for OTLP metrics (used as is, no path appended). Default: from the base endpoint.
pub const OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
/// OTLP transport: `grpc` or `http/protobuf`. Default: `http/protobuf`.
pub const OTEL_EXPORTER_OTLP_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
/// OTLP transport for traces. Default: `OTEL_EXPORTER_OTLP_PROTOCOL`.
pub const OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
/// OTLP transport for metrics. Default: `OTEL_EXPORTER_OTLP_PROTOCOL`.
pub const OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL";
/// Extra headers on OTLP requests of both signals: `key=value` pairs separated by commas, values
/// percent-encoded. Default: none.
pub const OTEL_EXPORTER_OTLP_HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
/// Extra headers on OTLP trace requests, merged over `OTEL_EXPORTER_OTLP_HEADERS` (a key in
/// both takes this variable's value). Default: none.
pub const OTEL_EXPORTER_OTLP_TRACES_HEADERS: &str = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
/// Extra headers on OTLP metric requests, merged over `OTEL_EXPORTER_OTLP_HEADERS` (a key in
/// both takes this variable's value). Default: none.
pub const OTEL_EXPORTER_OTLP_METRICS_HEADERS: &str = "OTEL_EXPORTER_OTLP_METRICS_HEADERS";
/// Most time one OTLP request may take, in whole milliseconds from `1` to `3600000` (an hour);
/// an export that retries stays within it too. `0` is refused rather than read as "no timeout":
/// the exporter must never wait forever. Default: `10000`.
pub const OTEL_EXPORTER_OTLP_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
/// [`OTEL_EXPORTER_OTLP_TIMEOUT`] for traces. Default: `OTEL_EXPORTER_OTLP_TIMEOUT`.
pub const OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
/// [`OTEL_EXPORTER_OTLP_TIMEOUT`] for metrics. Default: `OTEL_EXPORTER_OTLP_TIMEOUT`.
pub const OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT";
/// Compression of OTLP request bodies: `gzip` (sent with `Content-Encoding: gzip` over HTTP, gRPC's
/// `grpc-encoding: gzip` over gRPC) or `none`. Default: `none`.
pub const OTEL_EXPORTER_OTLP_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_COMPRESSION";
/// [`OTEL_EXPORTER_OTLP_COMPRESSION`] for traces. Default: `OTEL_EXPORTER_OTLP_COMPRESSION`.
pub const OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION";
/// [`OTEL_EXPORTER_OTLP_COMPRESSION`] for metrics. Default: `OTEL_EXPORTER_OTLP_COMPRESSION`.
pub const OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION";
/// Where traces go: `datadog` (native, feature `datadog`), `otlp`, `console` or `none`. Default:
/// `datadog` when `DD_TRACE_AGENT_URL` or `DD_TRACE_AGENT_PORT` is set, else `otlp` when an OTLP
/// endpoint is set, else `datadog` if the `datadog` feature is compiled in, else `otlp`.
pub const OTEL_TRACES_EXPORTER: &str = "OTEL_TRACES_EXPORTER";
/// Where metrics go: `dogstatsd`, `otlp`, `console` or `none`. Default: `dogstatsd`, which the
/// Datadog Agent receives out of the box.
pub const OTEL_METRICS_EXPORTER: &str = "OTEL_METRICS_EXPORTER";
/// Most finished spans waiting for the OTLP span exporter (OpenTelemetry's batch processor
/// queue). A span that finds the queue full is dropped and counted in
/// [`Guard::stats`](crate::Guard::stats) (`spans.dropped`), with a rate-limited warning. A
/// positive integer. Default: `2048`.
pub const OTEL_BSP_MAX_QUEUE_SIZE: &str = "OTEL_BSP_MAX_QUEUE_SIZE";

/// Which detectors scrub what the crate sends (see [`Redaction::apply_switch`](crate::Redaction::apply_switch)):
/// comma-separated entries applied to the detectors already on: `kv_secrets,bearer` adds,
/// `-email` removes, `none`, `all`, `default`. Default: `card`, `email`, `url_credentials`.
pub const DD_INSTRUMENT_REDACT: &str = "DD_INSTRUMENT_REDACT";

/// The key of keyed hashes (`#[dd_tag(hash)]`), 16 bytes or more, the same for every instance of
/// a deployment (see [`Redaction::hash_key`](crate::Redaction::hash_key)). A key given in code
/// wins. Without one, hashed tags are sent as `[REDACTED:hash]`.
pub const DD_INSTRUMENT_REDACT_HASH_KEY: &str = "DD_INSTRUMENT_REDACT_HASH_KEY";

/// Where configuration values come from: the process environment, or a map in tests.
///
/// ```
/// use std::collections::HashMap;
///
/// let env = HashMap::from([("DD_SERVICE".to_owned(), "checkout".to_owned())]);
/// let config = dd_instrument::builder().env_source(env).metrics_exporter(dd_instrument::MetricsExporter::None);
/// # drop(config);
/// ```
pub trait EnvSource: Send + Sync {
    /// The value of `name`, if set.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var_os(name).map(|value| value.to_string_lossy().into_owned())
    }
}

impl<S: std::hash::BuildHasher + Send + Sync> EnvSource for HashMap<String, String, S> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl EnvSource for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// Reads one variable; empty counts as unset.
pub(crate) fn read(source: &dyn EnvSource, name: &str) -> Option<String> {
    source.var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}
