use dd_instrument::dd_span;

// Names of the same things in Datadog's tracers, OpenTelemetry and `tracing`.
#[dd_span(operation = "cart.load", resource_name = "GET /cart", span_kind = "client", peer_service = "db")]
fn load_cart() {}

#[dd_span(service = "carts", fields(shard = 1), level = "info")]
fn save_cart() {}

fn main() {}
