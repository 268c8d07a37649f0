//! OTLP receivers on 127.0.0.1: gRPC (tonic) and HTTP/protobuf (hyper), decoding requests with
//! the official OpenTelemetry protobuf definitions (`opentelemetry-proto`), gzipped ones too
//! (`Content-Encoding: gzip` over HTTP, `grpc-encoding: gzip` over gRPC), and keeping the
//! headers of each request.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsServiceRequest, ExportMetricsServiceResponse};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use prost::Message as _;
use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;

/// What a receiver got.
#[derive(Debug, Default)]
pub struct Received {
    /// Trace export requests, in arrival order.
    pub traces: Mutex<Vec<ExportTraceServiceRequest>>,
    /// Metric export requests, in arrival order.
    pub metrics: Mutex<Vec<ExportMetricsServiceRequest>>,
    /// Request paths (HTTP) or gRPC method paths, in arrival order.
    pub paths: Mutex<Vec<String>>,
    /// Each request's path (as in `paths`) and headers (gRPC: its metadata), names lowercase,
    /// in arrival order.
    pub headers: Mutex<Vec<(String, BTreeMap<String, String>)>>,
}

impl Received {
    fn record_headers(&self, path: &str, headers: &hyper::HeaderMap) {
        let headers = headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect();
        self.headers.lock().unwrap_or_else(PoisonError::into_inner).push((path.to_owned(), headers));
    }
}

/// A running receiver; stops when dropped.
#[allow(missing_debug_implementations)]
pub struct Receiver {
    /// Base endpoint, `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// What arrived.
    pub received: Arc<Received>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

impl Receiver {
    /// Waits until `ready` holds for what arrived, at most 10 s.
    pub fn wait_for(&self, mut ready: impl FnMut(&Received) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ready(&self.received) {
            assert!(
                Instant::now() < deadline,
                "the receiver did not get the expected data in time: {:?}",
                self.received.paths
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The trace requests received so far.
    pub fn traces(&self) -> Vec<ExportTraceServiceRequest> {
        self.received.traces.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The metric requests received so far.
    pub fn metrics(&self) -> Vec<ExportMetricsServiceRequest> {
        self.received.metrics.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The path and headers of each request received so far.
    pub fn headers(&self) -> Vec<(String, BTreeMap<String, String>)> {
        self.received.headers.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("receiver runtime")
}

fn bind(runtime: &tokio::runtime::Runtime) -> (TcpListener, SocketAddr) {
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        (listener, addr)
    })
}

struct Grpc(Arc<Received>);

#[tonic::async_trait]
impl TraceService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.0.paths.lock().unwrap_or_else(PoisonError::into_inner).push("TraceService/Export".into());
        self.0.record_headers("TraceService/Export", &request.metadata().clone().into_headers());
        self.0.traces.lock().unwrap_or_else(PoisonError::into_inner).push(request.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        self.0.paths.lock().unwrap_or_else(PoisonError::into_inner).push("MetricsService/Export".into());
        self.0.record_headers("MetricsService/Export", &request.metadata().clone().into_headers());
        self.0.metrics.lock().unwrap_or_else(PoisonError::into_inner).push(request.into_inner());
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

/// Starts an OTLP/gRPC receiver.
pub fn grpc() -> Receiver {
    let runtime = runtime();
    let (listener, addr) = bind(&runtime);
    let received = Arc::new(Received::default());
    let traces = TraceServiceServer::new(Grpc(Arc::clone(&received))).accept_compressed(CompressionEncoding::Gzip);
    let metrics = MetricsServiceServer::new(Grpc(Arc::clone(&received))).accept_compressed(CompressionEncoding::Gzip);
    runtime.spawn(async move {
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        let _ = tonic::transport::Server::builder()
            .add_service(traces)
            .add_service(metrics)
            .serve_with_incoming(incoming)
            .await;
    });
    Receiver { endpoint: format!("http://{addr}"), received, runtime: Some(runtime) }
}

/// Starts an OTLP/HTTP (protobuf) receiver serving `/v1/traces` and `/v1/metrics`.
pub fn http() -> Receiver {
    let runtime = runtime();
    let (listener, addr) = bind(&runtime);
    let received = Arc::new(Received::default());
    let state = Arc::clone(&received);
    runtime.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, std::convert::Infallible>(handle_http(&state, request).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Receiver { endpoint: format!("http://{addr}"), received, runtime: Some(runtime) }
}

async fn handle_http(state: &Received, request: hyper::Request<hyper::body::Incoming>) -> hyper::Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let content_type = request.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    state.paths.lock().unwrap_or_else(PoisonError::into_inner).push(format!("{path} {content_type}"));
    state.record_headers(&path, request.headers());
    let gzip = request.headers().get("content-encoding").is_some_and(|v| v.as_bytes() == b"gzip");
    let Ok(body) = request.into_body().collect().await.map(http_body_util::Collected::to_bytes) else {
        return respond(400, Vec::new());
    };
    let body = if gzip {
        let mut plain = Vec::new();
        if flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut plain).is_err() {
            return respond(400, Vec::new());
        }
        Bytes::from(plain)
    } else {
        body
    };
    match path.as_str() {
        "/v1/traces" => match ExportTraceServiceRequest::decode(body) {
            Ok(decoded) => {
                state.traces.lock().unwrap_or_else(PoisonError::into_inner).push(decoded);
                respond(200, ExportTraceServiceResponse::default().encode_to_vec())
            }
            Err(_) => respond(400, Vec::new()),
        },
        "/v1/metrics" => match ExportMetricsServiceRequest::decode(body) {
            Ok(decoded) => {
                state.metrics.lock().unwrap_or_else(PoisonError::into_inner).push(decoded);
                respond(200, ExportMetricsServiceResponse::default().encode_to_vec())
            }
            Err(_) => respond(400, Vec::new()),
        },
        _ => respond(404, Vec::new()),
    }
}

fn respond(status: u16, body: Vec<u8>) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/x-protobuf")
        .body(Full::new(Bytes::from(body)))
        .expect("valid response")
}

/// Attributes as `key -> text` (strings as is, other values in their protobuf debug form).
pub fn attributes(attributes: &[KeyValue]) -> BTreeMap<String, String> {
    attributes.iter().map(|kv| (kv.key.clone(), value_text(kv.value.as_ref()))).collect()
}

/// The text of an attribute value.
pub fn value_text(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        other => format!("{other:?}"),
    }
}
