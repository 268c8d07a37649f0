//! `resource = <expression>`: evaluated once per call before the span, checked `Display`,
//! recorded through `field!`.

#[dd_span(resource = format!("GET /carts/{}", shard))]
fn load_cart(shard: u32) {}

#[dd_span(kind = "server", resource = request.route())]
async fn handle(request: &Request) -> Response {
    respond(request).await
}
