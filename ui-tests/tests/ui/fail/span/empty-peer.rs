use dd_instrument::dd_span;

#[dd_span(kind = "client", peer = "")]
fn charge() {}

fn main() {}
