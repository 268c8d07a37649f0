//! OTLP transport: how spans and metric requests reach an OTLP receiver, over HTTP/protobuf or
//! gRPC (feature `otlp`).
//!
//! What to send is decided elsewhere: spans come from the tracer provider ([`crate::trace`]),
//! metric requests are encoded from flushed points ([`crate::metrics::otlp`]). This module owns
//! the connection side: the [`Transport`] of a guard, with the one-worker Tokio runtime that
//! gRPC needs (started with the first gRPC exporter, so it exists only when a signal uses gRPC),
//! the span exporter of a target (OTLP/HTTP: our own encoder and client, [`spans`]; gRPC:
//! `opentelemetry-otlp`'s), the [`MetricsClient`] that posts metric requests, and the one
//! conversion of configured headers into gRPC metadata. Both protocols follow the target's
//! resolved timeout, headers and compression (`OTEL_EXPORTER_OTLP_TIMEOUT`, `_HEADERS`,
//! `_COMPRESSION` and their per-signal forms).

mod spans;

use std::io::Write as _;
use std::time::Duration;

use opentelemetry_otlp::{WithExportConfig as _, WithTonicConfig as _};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use prost::Message as _;
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};

use crate::config::{InitError, OtlpCompression, OtlpProtocol, OtlpTarget};

/// The OTLP connections of one guard.
///
/// gRPC exporters run on a Tokio runtime of our own, with one worker thread
/// (`dd-instrument-otlp`), so they work whether or not the application runs Tokio, and never
/// compete with its tasks. Dropping the transport shuts it down without blocking.
#[derive(Debug, Default)]
pub(crate) struct Transport {
    grpc: Option<tokio::runtime::Runtime>,
}

impl Transport {
    /// The span exporter for `target`: over HTTP our own ([`spans::HttpSpanExporter`]), over gRPC
    /// the OpenTelemetry SDK's OTLP exporter, given the target's timeout, headers (as metadata)
    /// and compression, so that it follows the same resolved settings as the HTTP path.
    pub(crate) fn span_exporter(&mut self, target: &OtlpTarget) -> Result<SpanExporter, InitError> {
        match target.protocol {
            OtlpProtocol::HttpProtobuf => Ok(SpanExporter::Http(spans::HttpSpanExporter::new(target))),
            OtlpProtocol::Grpc => {
                let _entered = self.grpc()?.enter();
                let builder = opentelemetry_otlp::SpanExporter::builder()
                    .with_tonic()
                    .with_endpoint(target.endpoint.clone())
                    .with_timeout(target.timeout)
                    .with_metadata(metadata(&target.headers));
                match target.compression {
                    OtlpCompression::None => builder,
                    OtlpCompression::Gzip => builder.with_compression(opentelemetry_otlp::Compression::Gzip),
                }
                .build()
                .map(SpanExporter::Grpc)
                .map_err(|e| InitError::Exporter {
                    exporter: "OTLP span",
                    message: target_error(target, &e.to_string()),
                })
            }
        }
    }

    /// A client posting metric requests to `target`.
    pub(crate) fn metrics_client(&mut self, target: &OtlpTarget) -> Result<MetricsClient, InitError> {
        let connection = match target.protocol {
            OtlpProtocol::HttpProtobuf => Connection::Http(None),
            OtlpProtocol::Grpc => {
                let runtime = self.grpc()?;
                let _entered = runtime.enter();
                let channel = tonic::transport::Endpoint::from_shared(target.endpoint.clone())
                    .map_err(|e| InitError::Exporter {
                        exporter: "OTLP metric",
                        message: target_error(target, &e.to_string()),
                    })?
                    .timeout(target.timeout)
                    .connect_lazy();
                let client = match target.compression {
                    OtlpCompression::None => MetricsServiceClient::new(channel),
                    OtlpCompression::Gzip => {
                        MetricsServiceClient::new(channel).send_compressed(tonic::codec::CompressionEncoding::Gzip)
                    }
                };
                Connection::Grpc { client, runtime: runtime.handle().clone() }
            }
        };
        Ok(MetricsClient { target: target.clone(), connection })
    }

    fn grpc(&mut self) -> Result<&tokio::runtime::Runtime, InitError> {
        let runtime = match self.grpc.take() {
            Some(runtime) => runtime,
            None => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("dd-instrument-otlp")
                .enable_all()
                .build()
                .map_err(|e| InitError::Exporter {
                    exporter: "OTLP gRPC",
                    message: format!("could not start its runtime: {e}"),
                })?,
        };
        Ok(self.grpc.insert(runtime))
    }
}

/// An exporter's complaint about `target`, naming the endpoint and where it came from.
fn target_error(target: &OtlpTarget, error: &str) -> String {
    format!("{error} (endpoint `{}`, from {})", crate::config::shorten(&target.endpoint), target.origin)
}

impl Drop for Transport {
    /// Stops the gRPC runtime, if it was started, without blocking: safe in any context,
    /// including the application's own async one.
    fn drop(&mut self) {
        if let Some(runtime) = self.grpc.take() {
            runtime.shutdown_background();
        }
    }
}

/// The span exporter of an OTLP target.
#[derive(Debug)]
pub(crate) enum SpanExporter {
    /// OTLP/HTTP with protobuf, encoded and posted by [`spans`].
    Http(spans::HttpSpanExporter),
    /// OTLP/gRPC, through `opentelemetry-otlp`.
    Grpc(opentelemetry_otlp::SpanExporter),
}

impl opentelemetry_sdk::trace::SpanExporter for SpanExporter {
    async fn export(&self, batch: Vec<opentelemetry_sdk::trace::SpanData>) -> opentelemetry_sdk::error::OTelSdkResult {
        match self {
            Self::Http(exporter) => exporter.export(batch).await,
            Self::Grpc(exporter) => exporter.export(batch).await,
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> opentelemetry_sdk::error::OTelSdkResult {
        match self {
            Self::Http(exporter) => exporter.shutdown_with_timeout(timeout),
            Self::Grpc(exporter) => exporter.shutdown_with_timeout(timeout),
        }
    }

    fn force_flush(&self) -> opentelemetry_sdk::error::OTelSdkResult {
        match self {
            Self::Http(exporter) => exporter.force_flush(),
            Self::Grpc(exporter) => exporter.force_flush(),
        }
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        match self {
            Self::Http(exporter) => exporter.set_resource(resource),
            Self::Grpc(exporter) => exporter.set_resource(resource),
        }
    }
}

/// Posts OTLP metric requests. Used from the metrics flusher thread only.
pub(crate) struct MetricsClient {
    target: OtlpTarget,
    connection: Connection,
}

impl std::fmt::Debug for MetricsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsClient").field("target", &self.target).finish_non_exhaustive()
    }
}

enum Connection {
    /// Created on the flusher thread at first use: the blocking client must not be created or
    /// dropped inside the application's async context.
    Http(Option<reqwest::blocking::Client>),
    Grpc {
        client: MetricsServiceClient<tonic::transport::Channel>,
        runtime: tokio::runtime::Handle,
    },
}

impl MetricsClient {
    /// Sends one request, waiting at most the target's timeout.
    pub(crate) fn send(&mut self, request: &ExportMetricsServiceRequest) -> Result<(), String> {
        match &mut self.connection {
            Connection::Http(client) => {
                let client = match client {
                    Some(client) => client,
                    None => client.insert(http_client(&self.target)?),
                };
                let body = body(&self.target, &request.encode_to_vec())?;
                let response = post_protobuf(client, &self.target, body)?;
                if response.status().is_success() { Ok(()) } else { Err(format!("HTTP {}", response.status())) }
            }
            Connection::Grpc { client, runtime } => {
                let mut grpc_request = tonic::Request::new(request.clone());
                *grpc_request.metadata_mut() = metadata(&self.target.headers);
                let mut client = client.clone();
                let timeout = self.target.timeout;
                runtime
                    .block_on(async move { tokio::time::timeout(timeout, client.export(grpc_request)).await })
                    .map_err(|_| "timed out".to_owned())?
                    .map(drop)
                    .map_err(|status| status.to_string())
            }
        }
    }
}

/// The blocking client of OTLP/HTTP requests to `target`, each bounded by its timeout. Made on
/// the exporting thread at first use: it must not be created or dropped inside the
/// application's async context.
fn http_client(target: &OtlpTarget) -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .timeout(target.timeout)
        .build()
        .map_err(|e| format!("could not build the HTTP client: {e}"))
}

/// The request body of the `encoded` protobuf message for `target`: gzipped when its compression
/// is gzip (what [`post_protobuf`] then says in `Content-Encoding`), else as is.
fn body(target: &OtlpTarget, encoded: &[u8]) -> Result<prost::bytes::Bytes, String> {
    match target.compression {
        OtlpCompression::None => Ok(prost::bytes::Bytes::copy_from_slice(encoded)),
        OtlpCompression::Gzip => {
            // A first guess at the size (OTLP protobuf repeats names and keys); the buffer grows as needed.
            let mut gzip =
                flate2::write::GzEncoder::new(Vec::with_capacity(encoded.len() / 4), flate2::Compression::default());
            gzip.write_all(encoded)
                .and_then(|()| gzip.finish())
                .map(prost::bytes::Bytes::from)
                .map_err(|e| format!("could not gzip the request: {e}"))
        }
    }
}

/// POSTs the protobuf `body` (made by [`body`]) to `target`'s endpoint with its configured
/// headers, and `Content-Encoding: gzip` when it is compressed. A request that got no response
/// is `Err` with its causes, without the URL (it can hold credentials).
fn post_protobuf(
    client: &reqwest::blocking::Client,
    target: &OtlpTarget,
    body: prost::bytes::Bytes,
) -> Result<reqwest::blocking::Response, String> {
    let mut post = client.post(&target.endpoint).header("content-type", "application/x-protobuf").body(body);
    if target.compression == OtlpCompression::Gzip {
        post = post.header("content-encoding", "gzip");
    }
    for (key, value) in &target.headers {
        post = post.header(key, value);
    }
    post.send().map_err(|e| with_causes(&e.without_url()))
}

/// `error: cause: cause...`: reqwest's own text leaves out why a request failed.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

/// Configured request headers as gRPC metadata. Headers are validated when they are read
/// (`OTEL_EXPORTER_OTLP_HEADERS`: lowercase token keys, decoded values); a value gRPC still
/// refuses (a control character) is left out rather than failing every request.
fn metadata(headers: &[(String, String)]) -> MetadataMap {
    let mut metadata = MetadataMap::new();
    for (key, value) in headers {
        if let (Ok(key), Ok(value)) = (MetadataKey::from_bytes(key.as_bytes()), MetadataValue::try_from(value.as_str()))
        {
            metadata.insert(key, value);
        }
    }
    metadata
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_become_metadata_and_unusable_values_are_left_out() {
        let headers = [
            ("dd-api-key".to_owned(), "secret".to_owned()),
            ("x-team".to_owned(), "payments".to_owned()),
            ("x-bad".to_owned(), "line\nbreak".to_owned()),
        ];
        let metadata = metadata(&headers);
        assert_eq!(metadata.len(), 2);
        assert_eq!(metadata.get("dd-api-key").and_then(|v| v.to_str().ok()), Some("secret"));
        assert_eq!(metadata.get("x-team").and_then(|v| v.to_str().ok()), Some("payments"));
        assert!(metadata.get("x-bad").is_none());
    }

    #[test]
    fn each_signal_sends_its_merged_headers_and_its_compression() {
        use opentelemetry_sdk::trace::SpanExporter as _;

        let (url, received) = spans::tests::receiver(vec![200, 200]);
        let env: std::collections::BTreeMap<String, String> = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", url.trim_end_matches("/v1/traces")),
            ("OTEL_EXPORTER_OTLP_HEADERS", "dd-api-key=general,x-team=payments"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "dd-api-key=traces"),
            ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-metrics=2"),
            ("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "gzip"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let config =
            crate::config::resolve(&crate::config::CodeSettings::default(), &env, Duration::ZERO, Duration::ZERO)
                .expect("resolves");
        let mut transport = Transport::default();

        let SpanExporter::Http(mut spans) = transport.span_exporter(&config.otlp_traces).expect("exporter") else {
            panic!("HTTP is the default protocol");
        };
        spans.set_resource(&opentelemetry_sdk::Resource::builder_empty().build());
        assert!(spans::tests::export(&spans, Vec::new()).is_ok());
        let (head, body) = received.recv().expect("the trace request");
        assert!(head.starts_with("post /v1/traces http/1.1\r\n"), "{head}");
        for header in ["dd-api-key: traces\r\n", "x-team: payments\r\n"] {
            assert!(head.contains(header), "{header} in {head}");
        }
        for absent in ["dd-api-key: general", "x-metrics", "content-encoding"] {
            assert!(!head.contains(absent), "no {absent} in {head}");
        }
        assert_eq!(body, spans::Encoder::default().encode(&[], "", &[]));

        let mut metrics = transport.metrics_client(&config.otlp_metrics).expect("client");
        let request = ExportMetricsServiceRequest {
            resource_metrics: vec![opentelemetry_proto::tonic::metrics::v1::ResourceMetrics::default()],
        };
        assert_eq!(metrics.send(&request), Ok(()));
        let (head, body) = received.recv().expect("the metrics request");
        assert!(head.starts_with("post /v1/metrics http/1.1\r\n"), "{head}");
        for header in
            ["dd-api-key: general\r\n", "x-team: payments\r\n", "x-metrics: 2\r\n", "content-encoding: gzip\r\n"]
        {
            assert!(head.contains(header), "{header} in {head}");
        }
        assert_eq!(spans::tests::gunzip(&body), request.encode_to_vec());
    }

    #[test]
    fn a_grpc_metrics_request_nobody_answers_ends_at_the_timeout() {
        // The connection completes in the listen backlog; nothing ever answers it.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let target = OtlpTarget {
            endpoint: format!("http://{}", listener.local_addr().expect("address")),
            protocol: OtlpProtocol::Grpc,
            timeout: Duration::from_millis(200),
            compression: OtlpCompression::Gzip,
            ..spans::tests::target("", Vec::new())
        };
        let mut transport = Transport::default();
        let mut client = transport.metrics_client(&target).expect("client");
        let error = client.send(&ExportMetricsServiceRequest::default()).expect_err("no answer");
        assert_eq!(crate::health::kind_of(&error), "no answer in time", "{error}");
        drop(listener);
    }

    #[test]
    fn a_metrics_request_nobody_answers_fails_without_the_url_in_its_message() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
        let target = OtlpTarget {
            endpoint: format!("http://user:pw-secret@127.0.0.1:{port}/v1/metrics"),
            protocol: OtlpProtocol::HttpProtobuf,
            headers: Vec::new(),
            timeout: Duration::from_secs(10),
            compression: OtlpCompression::None,
            origin: "a test",
        };
        let mut client = Transport::default().metrics_client(&target).expect("client");
        let error = client.send(&ExportMetricsServiceRequest::default()).expect_err("nothing listens");
        assert!(!error.contains("pw-secret") && !error.contains("127.0.0.1"), "{error}");
        assert_eq!(crate::health::kind_of(&error), "unreachable", "{error}");
    }
}
