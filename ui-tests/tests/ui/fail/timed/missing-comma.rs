use dd_instrument::dd_timed;

#[dd_timed(name = "checkout.latency" tags(method = "card"))]
fn charge() {}

fn main() {}
