//! Request metrics of the HTTP layers on the wire: `http.server.request.duration`,
//! `http.server.requests` and their client twins as exact DogStatsD lines, tagged with the
//! method, the route template (never the raw path), the status and `peer.service`.

use std::convert::Infallible;

use dd_instrument_tests::statsd::{GLOBAL_TAGS, lock, parse};
use http::{Request, Response, StatusCode};
use tower::{Layer as _, ServiceExt as _, service_fn};

/// Runs the requests of a test; the DogStatsD capture is held outside, around it.
fn run<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

fn tags(extra: &str) -> String {
    format!("{GLOBAL_TAGS},{extra}")
}

#[test]
fn server_requests_are_counted_by_route_template_method_and_status() {
    let app = axum::Router::new()
        .route("/orders/{id}", axum::routing::get(|| async { "order" }))
        .route("/orders", axum::routing::post(|| async { (StatusCode::CREATED, "created") }))
        .route_layer(dd_instrument::http::server_layer());
    let mut statsd = lock();
    run(async {
        for uri in ["/orders/1", "/orders/2", "/orders/3"] {
            let request = Request::get(uri).body(axum::body::Body::empty()).unwrap();
            assert_eq!(app.clone().oneshot(request).await.unwrap().status(), StatusCode::OK);
        }
        let request = Request::post("/orders").body(axum::body::Body::empty()).unwrap();
        assert_eq!(app.clone().oneshot(request).await.unwrap().status(), StatusCode::CREATED);
        // No route matches: the router answers before the route layer.
        let request = Request::get("/nowhere/42").body(axum::body::Body::empty()).unwrap();
        assert_eq!(app.clone().oneshot(request).await.unwrap().status(), StatusCode::NOT_FOUND);
    });

    let get =
        tags("http.request.method:get,http.route:/orders/_id,http.response.status_code:200,http.status_class:2xx");
    let post = tags("http.request.method:post,http.route:/orders,http.response.status_code:201,http.status_class:2xx");
    assert_eq!(
        statsd.take("http.server.requests"),
        [format!("http.server.requests:3|c|#{get}"), format!("http.server.requests:1|c|#{post}")],
        "the 404 never reached the route layer"
    );
    let lines: Vec<_> = statsd.take("http.server.request.duration").iter().map(|l| parse(l)).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!((lines[0].kind.as_str(), lines[0].values.len(), lines[0].tags.join(",")), ("d", 3, get));
    assert_eq!((lines[1].kind.as_str(), lines[1].values.len(), lines[1].tags.join(",")), ("d", 1, post));
    for value in lines.iter().flat_map(|l| &l.values) {
        let seconds: f64 = value.parse().unwrap();
        assert!((0.0..10.0).contains(&seconds), "seconds, not nanoseconds: {seconds}");
    }
}

#[test]
fn layers_without_a_route_collapse_unknown_routes_and_odd_methods() {
    let handler = service_fn(|_request: Request<()>| async {
        Ok::<_, Infallible>(Response::builder().status(StatusCode::SERVICE_UNAVAILABLE).body(()).unwrap())
    });
    let service = dd_instrument::http::server_layer().layer(handler);
    let mut statsd = lock();
    run(async {
        for (method, uri) in [("GET", "/a/1"), ("GET", "/b/2"), ("BREW", "/pot")] {
            let request = Request::builder().method(method).uri(uri).body(()).unwrap();
            service.clone().oneshot(request).await.unwrap();
        }
    });
    let status = "http.response.status_code:503,http.status_class:5xx";
    assert_eq!(
        statsd.take_matching("http.server.requests", |line| line.tags.iter().any(|t| t.ends_with(":503"))),
        [
            format!("http.server.requests:1|c|#{}", tags(&format!("http.request.method:_other,{status}"))),
            format!("http.server.requests:2|c|#{}", tags(&format!("http.request.method:get,{status}"))),
        ]
    );
    statsd.take("http.server.request.duration");
}

#[test]
fn client_requests_carry_the_peer_service_and_transport_errors() {
    let transport = service_fn(|request: Request<()>| async move {
        if request.uri().path() == "/down" {
            return Err("connection refused");
        }
        Ok(Response::builder().status(StatusCode::NOT_FOUND).body(()).unwrap())
    });
    let client = dd_instrument::http::client_layer("inventory").layer(transport);
    let mut statsd = lock();
    run(async {
        client.clone().oneshot(Request::get("http://inventory/items/7").body(()).unwrap()).await.unwrap();
        client.clone().oneshot(Request::get("http://inventory/down").body(()).unwrap()).await.unwrap_err();
    });
    assert_eq!(
        statsd.take("http.client.requests"),
        [
            format!(
                "http.client.requests:1|c|#{}",
                tags("http.request.method:get,peer.service:inventory,error.type:transport")
            ),
            format!(
                "http.client.requests:1|c|#{}",
                tags(
                    "http.request.method:get,peer.service:inventory,http.response.status_code:404,http.status_class:4xx"
                )
            ),
        ]
    );
    assert_eq!(statsd.take("http.client.request.duration").len(), 2);
}
