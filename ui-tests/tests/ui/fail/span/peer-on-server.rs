use dd_instrument::dd_span;

#[dd_span(kind = "server", peer = "payments-gateway")]
fn handle() {}

fn main() {}
