use dd_instrument::dd_span;

#[dd_span(peer = "payments-gateway")]
fn charge() {}

fn main() {}
