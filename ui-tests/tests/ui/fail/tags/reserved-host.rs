use dd_instrument::dd_span;

#[dd_span(tags(host = "web-1"))]
fn charge() {}

fn main() {}
