//! Two services over real HTTP on loopback, one trace across both processes.
//!
//! `frontend` (this process) handles three checkout requests; each calls `backend` (a child
//! process it starts) over HTTP through `dd_instrument::http::client_layer`, which injects the
//! trace context; `backend` continues the trace with `dd_instrument::http::server_layer`. The
//! sampling decision made by `frontend` travels with the request and `backend` follows it.
//!
//! See README.md.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use dd_instrument::{MetricsExporter, TracesExporter, dd_span, dd_timed};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower::{Service as _, ServiceBuilder, ServiceExt as _};

type Body = Full<axum::body::Bytes>;

#[derive(Debug)]
struct BackendError(String);

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BackendError {}

fn telemetry(service: &str) -> Result<dd_instrument::Guard, dd_instrument::InitError> {
    dd_instrument::builder()
        .service(service)
        .version(env!("CARGO_PKG_VERSION"))
        .fallback_traces_exporter(TracesExporter::Console)
        .fallback_metrics_exporter(MetricsExporter::None)
        .init()
}

// ---- backend --------------------------------------------------------------------------------

/// A database lookup inside the backend's request span.
#[dd_span(span_type = "sql", resource = "SELECT quantity FROM stock WHERE sku = ?")]
async fn stock_of(sku: &str) -> Result<u32, BackendError> {
    tokio::time::sleep(Duration::from_millis(2)).await;
    if sku == "broken" {
        Err(BackendError("stock table unavailable".into()))
    } else {
        Ok(u32::try_from(sku.len()).unwrap_or(0) * 7)
    }
}

async fn stock(Path(sku): Path<String>) -> (StatusCode, String) {
    match stock_of(&sku).await {
        Ok(quantity) => (StatusCode::OK, quantity.to_string()),
        Err(error) => (StatusCode::SERVICE_UNAVAILABLE, error.to_string()),
    }
}

async fn backend() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = telemetry("backend")?;
    let app = Router::new().route("/stock/{sku}", get(stock)).route_layer(dd_instrument::http::server_layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    // The parent reads the port from the first line, and closes our standard input to stop us.
    println!("listening on {}", listener.local_addr()?.port());
    let stopped = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {}
    });
    axum::serve(listener, app).with_graceful_shutdown(async move { drop(stopped.await) }).await?;
    drop(telemetry);
    Ok(())
}

// ---- frontend -------------------------------------------------------------------------------

/// One checkout: the frontend's server span; the HTTP call below is its child.
#[dd_span(kind = "server", resource = "GET /checkout/{sku}", tags(sku = sku))]
#[dd_timed]
async fn checkout(client: &HttpClient, port: u16, sku: &str) -> Result<u32, BackendError> {
    let request = axum::http::Request::get(format!("http://127.0.0.1:{port}/stock/{sku}"))
        .body(Body::default())
        .map_err(|e| BackendError(e.to_string()))?;
    let response = client.clone().oneshot(request).await.map_err(|e| BackendError(e.to_string()))?;
    let status = response.status();
    let body = response.into_body().collect().await.map_err(|e| BackendError(e.to_string()))?.to_bytes();
    let text = String::from_utf8_lossy(&body).into_owned();
    if status.is_success() {
        text.parse().map_err(|_| BackendError(format!("bad quantity {text}")))
    } else {
        Err(BackendError(text))
    }
}

type HttpClient = dd_instrument::http::ClientService<Client<hyper_util::client::legacy::connect::HttpConnector, Body>>;

async fn frontend() -> Result<(), Box<dyn std::error::Error>> {
    let mut backend =
        Command::new(std::env::current_exe()?).arg("backend").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    let mut first_line = String::new();
    BufReader::new(backend.stdout.take().ok_or("no stdout")?).read_line(&mut first_line)?;
    let port: u16 = first_line.trim().strip_prefix("listening on ").ok_or("backend did not start")?.parse()?;

    let telemetry = telemetry("frontend")?;
    let mut client = ServiceBuilder::new()
        .layer(dd_instrument::http::client_layer("backend"))
        .service(Client::builder(TokioExecutor::new()).build_http::<Body>());
    std::future::poll_fn(|cx| client.poll_ready(cx)).await?;
    for sku in ["blue-mug", "red-kettle", "broken"] {
        match checkout(&client, port, sku).await {
            Ok(quantity) => tracing::info!(sku, quantity, "in stock"),
            Err(error) => tracing::warn!(sku, %error, "checkout failed"),
        }
    }
    drop(telemetry);
    // Closing the backend's standard input stops it; wait so its spans are flushed too.
    drop(backend.stdin.take());
    backend.wait()?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().nth(1).as_deref() == Some("backend") { backend().await } else { frontend().await }
}
