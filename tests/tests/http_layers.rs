//! The HTTP layers: a server span continues the caller's trace from its headers; a client span
//! injects the trace into the request; status codes mark errors as Datadog's tracers do.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use dd_instrument::propagation::DdPropagator;
use dd_instrument_tests::spans::{attributes, capture_async, error_status, kind, named};
use http::{HeaderMap, Request, Response, StatusCode};
use opentelemetry::trace::{SpanId, TraceId};
use tower::{Layer as _, ServiceExt as _, service_fn};

fn install_propagator() {
    opentelemetry::global::set_text_map_propagator(DdPropagator::default());
}

fn answering(
    status: StatusCode,
) -> impl tower::Service<Request<()>, Response = Response<()>, Error = Infallible, Future: Send> + Clone {
    service_fn(move |_request: Request<()>| async move {
        Ok::<_, Infallible>(Response::builder().status(status).body(()).unwrap())
    })
}

#[test]
fn server_spans_continue_the_callers_trace_and_tell_the_browser() {
    install_propagator();
    let request = Request::get("/orders/42")
        .header("x-datadog-trace-id", "1234567890")
        .header("x-datadog-parent-id", "987654321")
        .header("x-datadog-sampling-priority", "2")
        .body(())
        .unwrap();
    let service = dd_instrument::http::server_layer().layer(answering(StatusCode::OK));
    let (response, spans) = capture_async(service.oneshot(request));
    let response = response.unwrap();
    let [span] = &spans[..] else { panic!("one span: {spans:?}") };
    assert_eq!((span.name.as_ref(), kind(span)), ("http.server.request", "server"));
    assert_eq!(span.span_context.trace_id(), TraceId::from(1_234_567_890_u128));
    assert_eq!(span.parent_span_id, SpanId::from(987_654_321_u64));
    assert!(span.parent_span_is_remote);
    let attrs = attributes(span);
    assert_eq!(attrs["operation.name"], "http.server.request");
    assert_eq!(attrs["resource.name"], "GET", "no route template known: the method alone, never the raw path");
    assert_eq!(attrs["span.type"], "web");
    assert_eq!(attrs["http.request.method"], "GET");
    assert_eq!(attrs["http.response.status_code"], "200");
    assert!(!attrs.contains_key("http.route"));
    assert_eq!(error_status(span), None);
    let server_timing = response.headers()["server-timing"].to_str().unwrap();
    assert_eq!(
        server_timing,
        format!("traceparent;desc=\"00-{}-{}-01\"", span.span_context.trace_id(), span.span_context.span_id())
    );
}

#[test]
fn server_errors_and_route_templates() {
    install_propagator();
    let service = dd_instrument::http::server_layer()
        .route(|_| Some("/orders/{id}".to_owned()))
        .server_timing(false)
        .layer(answering(StatusCode::SERVICE_UNAVAILABLE));
    let (response, spans) = capture_async(service.oneshot(Request::post("/orders/42").body(()).unwrap()));
    assert!(!response.unwrap().headers().contains_key("server-timing"));
    let attrs = attributes(&spans[0]);
    assert_eq!((attrs["resource.name"].as_str(), attrs["http.route"].as_str()), ("POST /orders/{id}", "/orders/{id}"));
    assert_eq!(attrs["http.response.status_code"], "503");
    assert_eq!(error_status(&spans[0]), Some("503 Service Unavailable"));
    assert!(spans[0].parent_span_id == SpanId::INVALID, "no incoming context: a new trace");
}

#[test]
fn client_spans_inject_their_context_and_name_the_peer() {
    install_propagator();
    let seen: Arc<Mutex<Option<HeaderMap>>> = Arc::default();
    let record = Arc::clone(&seen);
    let inner = service_fn(move |request: Request<()>| {
        *record.lock().unwrap() = Some(request.headers().clone());
        async move { Ok::<_, Infallible>(Response::builder().status(StatusCode::NOT_FOUND).body(()).unwrap()) }
    });
    let client = dd_instrument::http::client_layer("inventory").layer(inner);
    let (response, spans) =
        capture_async(client.oneshot(Request::get("http://inventory.internal:8080/items/7").body(()).unwrap()));
    assert_eq!(response.unwrap().status(), StatusCode::NOT_FOUND);
    let span = &spans[0];
    assert_eq!((span.name.as_ref(), kind(span)), ("http.client.request", "client"));
    let attrs = attributes(span);
    assert_eq!(attrs["peer.service"], "inventory");
    assert_eq!(attrs["server.address"], "inventory.internal");
    assert_eq!(attrs["resource.name"], "GET");
    assert_eq!(attrs["http.response.status_code"], "404");
    assert_eq!(error_status(span), Some("404 Not Found"), "4xx is a client error, as Datadog's tracers count it");

    let headers = seen.lock().unwrap().take().expect("the request went through");
    let low = u64::from_be_bytes(span.span_context.trace_id().to_bytes()[8..].try_into().unwrap());
    let span_id = u64::from_be_bytes(span.span_context.span_id().to_bytes());
    assert_eq!(headers["x-datadog-trace-id"], low.to_string().as_str());
    assert_eq!(headers["x-datadog-parent-id"], span_id.to_string().as_str());
    assert_eq!(headers["x-datadog-sampling-priority"], "1");
    assert_eq!(
        headers["traceparent"],
        format!("00-{}-{}-01", span.span_context.trace_id(), span.span_context.span_id()).as_str()
    );
    assert!(headers["tracestate"].to_str().unwrap().starts_with("dd=s:1;p:"));
}

#[test]
fn client_server_errors_are_the_servers_to_report() {
    install_propagator();
    let client = dd_instrument::http::client_layer("inventory").layer(answering(StatusCode::INTERNAL_SERVER_ERROR));
    let (_, spans) = capture_async(client.oneshot(Request::get("http://inventory/items").body(()).unwrap()));
    assert_eq!(attributes(&spans[0])["http.response.status_code"], "500");
    assert_eq!(error_status(&spans[0]), None);
}

/// Sends `request_line` (`GET /path`) to `address` over HTTP/1.1 and returns the whole answer.
async fn send(address: std::net::SocketAddr, request_line: &str, headers: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    let request = format!("{request_line} HTTP/1.1\r\nhost: shop\r\nconnection: close\r\n{headers}\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    // The connection may be reset after a dropped answer: what arrived is what counts.
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// Serves `app` on 127.0.0.1, port 0, for one request; the server task is stopped after it.
async fn serve_once(app: axum::Router, request_line: &str, headers: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(std::future::IntoFuture::into_future(axum::serve(listener, app)));
    let answer = send(address, request_line, headers).await;
    server.abort();
    let _ = server.await;
    answer
}

async fn explode() -> &'static str {
    panic!("order 7 exploded")
}

#[test]
fn a_panicking_handler_gets_an_error_span_and_answers_500() {
    install_propagator();
    let app = axum::Router::new()
        .route("/orders/{id}", axum::routing::get(explode))
        .route_layer(dd_instrument::http::server_layer());
    let (answer, spans) = capture_async(serve_once(app, "GET /orders/7", ""));
    assert!(answer.starts_with("HTTP/1.1 500 Internal Server Error\r\n"), "{answer}");
    let span = named(&spans, "http.server.request");
    let attrs = attributes(span);
    assert_eq!(attrs["resource.name"], "GET /orders/{id}");
    assert_eq!(attrs["http.route"], "/orders/{id}");
    assert_eq!(attrs["http.response.status_code"], "500");
    assert_eq!(attrs["error.type"], "panic");
    assert_eq!(attrs["error.message"], "order 7 exploded");
    assert_eq!(error_status(span), Some("order 7 exploded"));
}

#[test]
fn a_panicking_grpc_handler_answers_grpc_status_internal() {
    install_propagator();
    let app = axum::Router::new()
        .route("/shop.Orders/Get", axum::routing::post(explode))
        .route_layer(dd_instrument::http::server_layer());
    let (answer, spans) = capture_async(serve_once(
        app,
        "POST /shop.Orders/Get",
        "content-type: application/grpc\r\ncontent-length: 0\r\n",
    ));
    let head = answer.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{answer}");
    assert!(
        head.contains("\r\ngrpc-status: 13\r\n") && head.contains("\r\ncontent-type: application/grpc\r\n"),
        "{answer}"
    );
    let attrs = attributes(named(&spans, "http.server.request"));
    assert_eq!((attrs["error.type"].as_str(), attrs["error.message"].as_str()), ("panic", "order 7 exploded"));
}

#[test]
fn a_service_that_panics_when_called_is_answered_too() {
    install_propagator();
    let inner = tower::service_fn(|_request: Request<()>| -> std::future::Ready<Result<Response<()>, Infallible>> {
        panic!("no future at all")
    });
    let service = dd_instrument::http::server_layer().layer(inner);
    let (response, spans) = capture_async(service.oneshot(Request::get("/").body(()).unwrap()));
    assert_eq!(response.unwrap().status(), StatusCode::INTERNAL_SERVER_ERROR);
    let attrs = attributes(&spans[0]);
    assert_eq!((attrs["error.type"].as_str(), attrs["error.message"].as_str()), ("panic", "no future at all"));
}

#[test]
fn axum_route_templates_with_a_real_server() {
    install_propagator();
    let app = axum::Router::new()
        .route("/orders/{id}", axum::routing::get(|| async { "order" }))
        .route_layer(dd_instrument::http::server_layer());
    let (answer, spans) = capture_async(serve_once(app, "GET /orders/42", ""));
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    let attrs = attributes(named(&spans, "http.server.request"));
    assert_eq!((attrs["resource.name"].as_str(), attrs["http.route"].as_str()), ("GET /orders/{id}", "/orders/{id}"));
    assert_eq!(error_status(&spans[0]), None);
}

#[test]
fn axum_07_route_templates_with_the_axum07_feature() {
    install_propagator();
    let app: axum07::Router = axum07::Router::new()
        .route("/orders/:id", axum07::routing::get(|| async { "order" }))
        .route_layer(dd_instrument::http::server_layer());
    let (response, spans) =
        capture_async(app.oneshot(Request::get("/orders/42").body(axum07::body::Body::empty()).unwrap()));
    assert_eq!(response.unwrap().status(), StatusCode::OK);
    let attrs = attributes(&spans[0]);
    assert_eq!((attrs["resource.name"].as_str(), attrs["http.route"].as_str()), ("GET /orders/:id", "/orders/:id"));
}
