//! HTTP: a `tower` layer for servers and one for clients, continuing traces across services.
//!
//! Both work with any `tower` HTTP stack built on the `http` crate: axum, hyper, tonic,
//! `hyper-util`'s client.
//!
//! # Request metrics
//!
//! While a metrics exporter runs, both layers also count every request, through the same
//! in-process aggregation as `#[dd_timed]` (no lock, no allocation, no syscall per request once
//! a tag set has been seen):
//!
//! | metric | type | what |
//! |---|---|---|
//! | `http.server.request.duration` | distribution, seconds | time from the request to its response (OpenTelemetry's name and unit) |
//! | `http.server.requests` | count | requests answered |
//! | `http.client.request.duration` | distribution, seconds | time from sending a request to its response |
//! | `http.client.requests` | count | requests sent |
//!
//! Tags: `http.request.method` (the standard methods, others as `_OTHER`), `http.route` (the route
//! template; absent when unknown, so unmatched paths collapse into one series and raw paths never
//! become tags), `http.response.status_code` and `http.status_class` (`2xx` ... `5xx`), or
//! `error.type:transport` when no response came; clients also get `peer.service`. The unified
//! service tags come from the exporter. Each metric keeps at most [`MAX_HTTP_SERIES`] tag sets
//! apart; further ones share the `dd_instrument.tags_overflow:true` series.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//!
//! let app: Router = Router::new()
//!     .route("/orders/{id}", get(|| async { "order" }))
//!     // `route_layer`: after routing, so the span knows the route template (`GET /orders/{id}`).
//!     .route_layer(dd_instrument::http::server_layer());
//! ```
//!
//! ```no_run
//! use hyper_util::client::legacy::Client;
//! use hyper_util::rt::TokioExecutor;
//! use tower::ServiceBuilder;
//!
//! let client = ServiceBuilder::new()
//!     .layer(dd_instrument::http::client_layer("inventory"))
//!     .service(Client::builder(TokioExecutor::new()).build_http::<String>());
//! # drop(client);
//! ```

use std::borrow::Cow;
use std::fmt::Display;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use http::{HeaderValue, Request, Response};
use opentelemetry::trace::TraceContextExt as _;
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;
use tracing::Instrument as _;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::metrics::{Counter, Distribution};
use crate::per_call::outcome::panic_message;

/// Operation name of server request spans (what Datadog names them without an integration).
pub const SERVER_OPERATION: &str = "http.server.request";
/// Operation name of client request spans.
pub const CLIENT_OPERATION: &str = "http.client.request";

/// Tag sets (method, route, status) each HTTP request metric keeps apart.
pub const MAX_HTTP_SERIES: usize = 2000;

static SERVER_DURATION: Distribution = Distribution::new("http.server.request.duration").max_series(MAX_HTTP_SERIES);
static SERVER_REQUESTS: Counter = Counter::new("http.server.requests").max_series(MAX_HTTP_SERIES);
static CLIENT_DURATION: Distribution = Distribution::new("http.client.request.duration").max_series(MAX_HTTP_SERIES);
static CLIENT_REQUESTS: Counter = Counter::new("http.client.requests").max_series(MAX_HTTP_SERIES);

/// The method as a metric tag: one of the standard methods, else `_OTHER` (a client could send
/// any token, and each would be a new series).
fn method_tag(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "GET",
        http::Method::HEAD => "HEAD",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::DELETE => "DELETE",
        http::Method::CONNECT => "CONNECT",
        http::Method::OPTIONS => "OPTIONS",
        http::Method::TRACE => "TRACE",
        http::Method::PATCH => "PATCH",
        _ => "_OTHER",
    }
}

/// `2xx` ... `5xx` (`1xx` for informational answers).
fn status_class(status: http::StatusCode) -> &'static str {
    match status.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// Counts one request in `duration` and `requests`: its method, the `extra` tags (route, peer),
/// and its status, or `error.type:transport` without a response.
fn record_request(
    duration: &'static Distribution,
    requests: &'static Counter,
    start: Instant,
    method: &'static str,
    extra: Option<(&'static str, &str)>,
    status: Option<http::StatusCode>,
) {
    let seconds = start.elapsed().as_secs_f64();
    let mut tags: [(&str, &str); 4] = [("http.request.method", method), ("", ""), ("", ""), ("", "")];
    let mut len = 1;
    if let Some(tag) = extra {
        tags[len] = tag;
        len += 1;
    }
    if let Some(status) = &status {
        tags[len] = ("http.response.status_code", status.as_str());
        tags[len + 1] = ("http.status_class", status_class(*status));
        len += 2;
    } else {
        tags[len] = ("error.type", "transport");
        len += 1;
    }
    duration.record_with(seconds, &tags[..len]);
    requests.add_with(1, &tags[..len]);
}

/// A layer that traces every request a server handles: one span of kind server per request,
/// continuing the caller's trace from its headers.
///
/// The span: operation `http.server.request`, resource `METHOD /route` (the route template, with
/// the `axum` feature or a [`route`](ServerLayer::route) function; the method alone otherwise, so
/// that ids in paths never become resources), type `web`, attributes `http.request.method`,
/// `http.route`, `http.response.status_code`; a 5xx response marks it as an error. The response
/// gets a `server-timing: traceparent;desc=...` header so a browser page can link its RUM view to
/// the trace (see [`rum_meta_tags`] for HTML pages).
///
/// A handler that panics is answered instead of unwinding into the server (which would drop the
/// connection without a response): the span gets `error.type` `panic` and the panic's message,
/// and the client `500 Internal Server Error` with an empty body (`ResBody::default()`, hence the
/// `Default` bound on response bodies), or, for a gRPC request, `grpc-status: 13` (`INTERNAL`).
///
/// Route templates: with the `axum` feature (axum 0.8) or `axum07` (axum 0.7), from axum's
/// `MatchedPath`, which exists only after routing: add the layer with `Router::route_layer`.
/// Anything else: [`ServerLayer::route`].
///
/// ```
/// use std::convert::Infallible;
/// use http::{Request, Response, StatusCode};
/// use tower::{Layer as _, ServiceExt as _, service_fn};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let handler = service_fn(|request: Request<String>| async move {
///     if request.uri().path() == "/boom" {
///         panic!("out of stock");
///     }
///     Ok::<_, Infallible>(Response::new(String::from("ok")))
/// });
/// let service = dd_instrument::http::server_layer()
///     // Without axum: the route template from the request (here, a fixed one).
///     .route(|_extensions| Some("/items/{id}".to_owned()))
///     .layer(handler);
/// let response = service.oneshot(Request::get("/boom").body(String::new()).unwrap()).await.unwrap();
/// assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
/// # }
/// ```
pub fn server_layer() -> ServerLayer {
    ServerLayer { route: None, server_timing: true }
}

/// A layer that traces every request a client sends: one span of kind client per request, with
/// `peer.service`, and the trace context injected into the request headers.
///
/// The span: operation `http.client.request`, resource `METHOD` (or [`resource`](ClientLayer::resource)),
/// type `http`, attributes `http.request.method`, `server.address`, `peer.service`,
/// `http.response.status_code`; a 4xx response or a transport error marks it as an error (the
/// server's span records its own 5xx), as Datadog's tracers do by default.
///
/// ```
/// use std::convert::Infallible;
/// use http::{Request, Response};
/// use tower::{Layer as _, ServiceExt as _, service_fn};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Any `tower` client: here, one that shows the headers it was given.
/// let transport = service_fn(|request: Request<()>| async move {
///     let traced = request.headers().contains_key("traceparent");
///     Ok::<_, Infallible>(Response::new(traced))
/// });
/// let client = dd_instrument::http::client_layer("inventory")
///     // A bounded resource: the route template, never the path with its ids.
///     .resource(|parts| format!("{} /items/{{id}}", parts.method))
///     .layer(transport);
/// let response = client.oneshot(Request::get("http://inventory/items/7").body(()).unwrap()).await.unwrap();
/// // Without a telemetry pipeline, spans are disabled: nothing to propagate.
/// assert!(!*response.body());
/// # }
/// ```
pub fn client_layer(peer_service: impl Into<Cow<'static, str>>) -> ClientLayer {
    let peer: Cow<'static, str> = peer_service.into();
    ClientLayer { peer_tag: Arc::from(&*peer), peer, resource: None }
}

/// Finds the route template of a request (`/orders/{id}`), for the resource and `http.route`.
pub type RouteFn = fn(&http::Extensions) -> Option<String>;

/// See [`server_layer`].
#[derive(Debug, Clone)]
pub struct ServerLayer {
    route: Option<RouteFn>,
    server_timing: bool,
}

impl ServerLayer {
    /// How to find the route template of a request. With the `axum` feature, axum's
    /// `MatchedPath` is used when no function is given.
    #[must_use]
    pub fn route(mut self, route: RouteFn) -> Self {
        self.route = Some(route);
        self
    }

    /// Whether responses get the `server-timing` header with the trace id. Default: `true`.
    #[must_use]
    pub fn server_timing(mut self, enabled: bool) -> Self {
        self.server_timing = enabled;
        self
    }
}

impl<S> Layer<S> for ServerLayer {
    type Service = ServerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ServerService { inner, layer: self.clone() }
    }
}

/// The service made by [`ServerLayer`].
#[derive(Debug, Clone)]
pub struct ServerService<S> {
    inner: S,
    layer: ServerLayer,
}

fn route_of(layer: &ServerLayer, extensions: &http::Extensions) -> Option<String> {
    if let Some(route) = layer.route {
        return route(extensions);
    }
    #[cfg(feature = "axum")]
    if let Some(path) = extensions.get::<axum::extract::MatchedPath>() {
        return Some(path.as_str().to_owned());
    }
    #[cfg(feature = "axum07")]
    if let Some(path) = extensions.get::<axum07::extract::MatchedPath>() {
        return Some(path.as_str().to_owned());
    }
    #[cfg(any(feature = "axum", feature = "axum07"))]
    no_matched_path();
    let _ = extensions;
    None
}

/// Says once that requests reach the layer without a route template, which turns every
/// resource into the bare method: the layer was added with `Router::layer` (before routing)
/// instead of `route_layer`, or the router is of an axum version whose feature is not on.
#[cfg(any(feature = "axum", feature = "axum07"))]
#[cold]
fn no_matched_path() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static SAID: AtomicBool = AtomicBool::new(false);
    if !SAID.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            target: "dd_instrument",
            "dd-instrument: a request reached `http::server_layer` without axum's `MatchedPath`, so its resource is \
             only its method. Add the layer with `Router::route_layer` (not `layer`), and enable the feature of \
             your axum version (`axum` for 0.8, `axum07` for 0.7)."
        );
    }
}

impl<S, B, ResBody> Service<Request<B>> for ServerService<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    S::Error: Display,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ServerFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let start = Instant::now();
        let method_tag = method_tag(request.method());
        let method = request.method().as_str().to_owned();
        let route = route_of(&self.layer, request.extensions());
        let resource = route.as_ref().map_or_else(|| method.clone(), |route| format!("{method} {route}"));
        let span = tracing::info_span!(
            target: "dd_instrument::http",
            "http.server.request",
            "otel.kind" = "server",
            "operation.name" = SERVER_OPERATION,
            "resource.name" = resource.as_str(),
            "span.type" = "web",
            "http.request.method" = method.as_str(),
            "http.route" = route.as_deref(),
            "http.response.status_code" = Empty,
            "error.type" = Empty,
            "error.message" = Empty,
            "otel.status_description" = Empty,
        );
        let parent = crate::propagation::extract(request.headers());
        if parent.span().span_context().is_valid() {
            let _ = span.set_parent(parent);
        }
        let server_timing = self.layer.server_timing;
        let grpc = is_grpc(&request);
        // A handler may panic in `call` already (a service that is not `async`): answered like
        // a panic while polling.
        let state = match catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(future) => State::Running { future: future.instrument(span.clone()) },
            Err(payload) => State::Panicked { message: Some(panic_message(&*payload)) },
        };
        ServerFuture { state, span, server_timing, grpc, start, method: method_tag, route }
    }
}

/// Whether a request is a gRPC call, which expects its errors as `grpc-status`, not as an HTTP
/// status.
fn is_grpc<B>(request: &Request<B>) -> bool {
    request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/grpc"))
}

pin_project! {
    /// The response future of [`ServerService`].
    #[must_use = "futures do nothing unless polled"]
    pub struct ServerFuture<F> {
        #[pin]
        state: State<F>,
        span: tracing::Span,
        server_timing: bool,
        grpc: bool,
        // For the request metrics.
        start: Instant,
        method: &'static str,
        route: Option<String>,
    }
}

pin_project! {
    #[project = StateProjection]
    enum State<F> {
        Running { #[pin] future: tracing::instrument::Instrumented<F> },
        // The handler panicked in `call`: the message, until the answer is made.
        Panicked { message: Option<String> },
    }
}

impl<F, ResBody, E> Future for ServerFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    E: Display,
    ResBody: Default,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let polled = match this.state.project() {
            // The handler runs inside this poll: a panic in it is caught here, recorded on the
            // span, and answered, instead of unwinding into the server (which drops the
            // connection without a response).
            StateProjection::Running { future } => {
                catch_unwind(AssertUnwindSafe(|| future.poll(cx))).map_err(|payload| panic_message(&*payload))
            }
            StateProjection::Panicked { message } => Err(message.take().unwrap_or_default()),
        };
        let (mut result, panicked) = match polled {
            Ok(poll) => (std::task::ready!(poll), false),
            Err(message) => (Ok(panic_response(this.span, &message, *this.grpc)), true),
        };
        let route = this.route.as_deref().map(|route| ("http.route", route));
        let status = result.as_ref().ok().map(Response::status);
        record_request(&SERVER_DURATION, &SERVER_REQUESTS, *this.start, this.method, route, status);
        match &mut result {
            Ok(response) => {
                let status = response.status();
                this.span.record("http.response.status_code", i64::from(status.as_u16()));
                // After a panic the span already says why it failed.
                if status.is_server_error() && !panicked {
                    record_status_error(this.span, status);
                }
                if *this.server_timing
                    && let Some(value) = server_timing(this.span)
                {
                    response.headers_mut().append("server-timing", value);
                }
            }
            Err(error) => record_transport_error(this.span, error),
        }
        Poll::Ready(result)
    }
}

/// Records a handler's panic on the server span (`error.type` `panic`, its message) and makes
/// the answer: `500 Internal Server Error` with an empty body; for gRPC, `grpc-status` 13
/// (`INTERNAL`) in a trailers-only response, as gRPC clients expect.
#[cold]
fn panic_response<ResBody: Default>(span: &tracing::Span, message: &str, grpc: bool) -> Response<ResBody> {
    span.record("error.type", "panic");
    span.record("error.message", message);
    span.record("otel.status_description", message);
    let mut response = Response::new(ResBody::default());
    if grpc {
        response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
        response.headers_mut().insert("grpc-status", HeaderValue::from_static("13"));
        response.headers_mut().insert("grpc-message", HeaderValue::from_static("handler%20panicked"));
    } else {
        *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    }
    response
}

/// The `traceparent` entry of a `Server-Timing` header for the span, which browsers expose to
/// Datadog RUM.
fn server_timing(span: &tracing::Span) -> Option<HeaderValue> {
    let cx = span.context();
    let span_context = cx.span().span_context().clone();
    if !span_context.is_valid() {
        return None;
    }
    let flags = if span_context.is_sampled() { "01" } else { "00" };
    let value = format!("traceparent;desc=\"00-{}-{}-{flags}\"", span_context.trace_id(), span_context.span_id());
    HeaderValue::from_str(&value).ok()
}

/// The `<meta>` tags that link a server-rendered HTML page to its trace in Datadog RUM:
/// `dd-trace-id` (decimal, low 64 bits) and `dd-trace-time` (now, in milliseconds since the Unix
/// epoch). Put them in the page's `<head>`.
pub fn rum_meta_tags(span: &tracing::Span) -> Option<String> {
    let cx = span.context();
    let span_context = cx.span().span_context().clone();
    if !span_context.is_valid() {
        return None;
    }
    let low = u64::from_be_bytes(span_context.trace_id().to_bytes()[8..].try_into().expect("8 bytes"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
    Some(format!("<meta name=\"dd-trace-id\" content=\"{low}\" /><meta name=\"dd-trace-time\" content=\"{now}\" />"))
}

fn record_status_error(span: &tracing::Span, status: http::StatusCode) {
    let message =
        status.canonical_reason().map_or_else(|| status.as_str().to_owned(), |r| format!("{} {r}", status.as_u16()));
    span.record("error.message", message.as_str());
    span.record("otel.status_description", message.as_str());
}

fn record_transport_error(span: &tracing::Span, error: &dyn Display) {
    let message = error.to_string();
    span.record("error.message", message.as_str());
    span.record("otel.status_description", message.as_str());
}

/// See [`client_layer`].
#[derive(Debug, Clone)]
pub struct ClientLayer {
    peer: Cow<'static, str>,
    /// The peer again, shared with every request's future for its metrics.
    peer_tag: Arc<str>,
    resource: Option<fn(&http::request::Parts) -> String>,
}

impl ClientLayer {
    /// How to name the resource of a request (default: its method). Keep it bounded: a template,
    /// never a path with ids in it.
    #[must_use]
    pub fn resource(mut self, resource: fn(&http::request::Parts) -> String) -> Self {
        self.resource = Some(resource);
        self
    }
}

impl<S> Layer<S> for ClientLayer {
    type Service = ClientService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ClientService { inner, layer: self.clone() }
    }
}

/// The service made by [`ClientLayer`].
#[derive(Debug, Clone)]
pub struct ClientService<S> {
    inner: S,
    layer: ClientLayer,
}

impl<S, B, ResBody> Service<Request<B>> for ClientService<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    S::Error: Display,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ClientFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let start = Instant::now();
        let (mut parts, body) = request.into_parts();
        let method = method_tag(&parts.method);
        let resource =
            self.layer.resource.map_or_else(|| parts.method.as_str().to_owned(), |resource| resource(&parts));
        let span = tracing::info_span!(
            target: "dd_instrument::http",
            "http.client.request",
            "otel.kind" = "client",
            "operation.name" = CLIENT_OPERATION,
            "resource.name" = resource.as_str(),
            "span.type" = "http",
            "peer.service" = &*self.layer.peer,
            "http.request.method" = parts.method.as_str(),
            "server.address" = parts.uri.host(),
            "http.response.status_code" = Empty,
            "error.type" = Empty,
            "error.message" = Empty,
            "otel.status_description" = Empty,
        );
        crate::propagation::inject_context(&span.context(), &mut parts.headers);
        let future = self.inner.call(Request::from_parts(parts, body)).instrument(span.clone());
        ClientFuture { future, span, start, method, peer: Arc::clone(&self.layer.peer_tag) }
    }
}

pin_project! {
    /// The response future of [`ClientService`].
    #[must_use = "futures do nothing unless polled"]
    pub struct ClientFuture<F> {
        #[pin]
        future: tracing::instrument::Instrumented<F>,
        span: tracing::Span,
        // For the request metrics.
        start: Instant,
        method: &'static str,
        peer: Arc<str>,
    }
}

impl<F, ResBody, E> Future for ClientFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    E: Display,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.future.poll(cx));
        let status = result.as_ref().ok().map(Response::status);
        let peer = Some(("peer.service", &**this.peer));
        record_request(&CLIENT_DURATION, &CLIENT_REQUESTS, *this.start, this.method, peer, status);
        match &result {
            Ok(response) => {
                let status = response.status();
                this.span.record("http.response.status_code", i64::from(status.as_u16()));
                if status.is_client_error() {
                    record_status_error(this.span, status);
                }
            }
            Err(error) => record_transport_error(this.span, error),
        }
        Poll::Ready(result)
    }
}
