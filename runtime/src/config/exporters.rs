//! Where telemetry goes: the exporter choices and addresses a user configures.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::env;
use super::error::{InitError, invalid_env};
use super::parse::split_host_port;

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

// Names are read as OpenTelemetry's environment specification reads enum values: without regard
// to case (`OTLP`, `Console`).

impl TracesExporter {
    pub(super) fn parse(value: &str) -> Result<Self, InitError> {
        match single(env::OTEL_TRACES_EXPORTER, value)?.to_ascii_lowercase().as_str() {
            "datadog" => Ok(Self::Datadog),
            "otlp" => Ok(Self::Otlp),
            "console" => Ok(Self::Console),
            "none" => Ok(Self::None),
            _ => Err(invalid_env(env::OTEL_TRACES_EXPORTER, value, "expected `datadog`, `otlp`, `console` or `none`")),
        }
    }
}

impl MetricsExporter {
    pub(super) fn parse(value: &str) -> Result<Self, InitError> {
        match single(env::OTEL_METRICS_EXPORTER, value)?.to_ascii_lowercase().as_str() {
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
    pub(super) fn parse(variable: &'static str, value: &str) -> Result<Self, InitError> {
        match value.to_ascii_lowercase().as_str() {
            "grpc" => Ok(Self::Grpc),
            "http/protobuf" => Ok(Self::HttpProtobuf),
            "http/json" => {
                Err(invalid_env(variable, value, "http/json is not supported; use `grpc` or `http/protobuf`"))
            }
            _ => Err(invalid_env(variable, value, "expected `grpc` or `http/protobuf`")),
        }
    }

    pub(super) fn default_port(self) -> u16 {
        match self {
            Self::Grpc => 4317,
            Self::HttpProtobuf => 4318,
        }
    }
}

/// Compression of OTLP request bodies (`OTEL_EXPORTER_OTLP_COMPRESSION` and its per-signal
/// forms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum OtlpCompression {
    /// Bodies as encoded.
    #[default]
    None,
    /// gzip: `Content-Encoding: gzip` over HTTP, `grpc-encoding: gzip` over gRPC.
    Gzip,
}

impl OtlpCompression {
    pub(super) fn parse(variable: &'static str, value: &str) -> Result<Self, InitError> {
        match value.to_ascii_lowercase().as_str() {
            "none" => Ok(Self::None),
            "gzip" => Ok(Self::Gzip),
            "zstd" => Err(invalid_env(variable, value, "zstd is not supported; use `gzip` or `none`")),
            _ => Err(invalid_env(variable, value, "expected `gzip` or `none`")),
        }
    }
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

impl FromStr for DogStatsdAddr {
    type Err = ParseDogStatsdAddrError;

    /// Parses `udp://host:port` (`udp://[v6]:port` for an IPv6 address), `unix:///path` or
    /// `unixstream:///path`, as in `DD_DOGSTATSD_URL`.
    ///
    /// ```
    /// use dd_instrument::DogStatsdAddr;
    ///
    /// let addr: DogStatsdAddr = "udp://127.0.0.1:8125".parse()?;
    /// assert_eq!(addr, DogStatsdAddr::Udp { host: "127.0.0.1".into(), port: 8125 });
    /// assert!("tcp://agent:8125".parse::<DogStatsdAddr>().is_err());
    /// # Ok::<(), dd_instrument::ParseDogStatsdAddrError>(())
    /// ```
    fn from_str(url: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: String| ParseDogStatsdAddrError { reason };
        if let Some(path) = url.strip_prefix("unix://") {
            return absolute_path(path).map(Self::Unix).map_err(invalid);
        }
        if let Some(path) = url.strip_prefix("unixstream://") {
            return absolute_path(path).map(Self::UnixStream).map_err(invalid);
        }
        let Some(rest) = url.strip_prefix("udp://") else {
            return Err(invalid("expected `udp://host:port`, `unix:///path` or `unixstream:///path`".to_owned()));
        };
        let (host, port) = split_host_port(rest.trim_end_matches('/'))
            .ok_or_else(|| invalid("expected `udp://host:port` with a host and a port".to_owned()))?;
        let port =
            port.parse::<u16>().map_err(|_| invalid(format!("port `{port}` is not a number from 0 to 65535")))?;
        Ok(Self::Udp { host: host.to_owned(), port })
    }
}

/// Why a text is not a [`DogStatsdAddr`]: what is wrong and what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ParseDogStatsdAddrError {
    reason: String,
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
