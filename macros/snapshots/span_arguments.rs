//! `#[dd_span]` alone, with every literal argument: the fields of the span, in order, and the
//! literal tags kept typed (strings, integers, floats, booleans, integers beyond `i64` as text).

#[dd_span(
    name = "cart.load",
    resource = "GET /carts",
    kind = "client",
    peer = "cart-db",
    span_type = "sql",
    measured,
    tags(team = "carts", order.priority = 2, "http.route" = "/carts", ratio = -0.5, cached = true, big = 18446744073709551615u64),
)]
fn load_cart() {}

#[dd_span(kind = "internal", name = "work.step_2")]
fn internal() {}

#[dd_span(kind = "server", resource = "POST /charge", span_type = "web")]
fn server() {}
