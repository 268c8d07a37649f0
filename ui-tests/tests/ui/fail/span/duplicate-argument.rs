use dd_instrument::dd_span;

#[dd_span(kind = "client", peer = "payments-gateway", kind = "producer")]
fn charge() {}

fn main() {}
