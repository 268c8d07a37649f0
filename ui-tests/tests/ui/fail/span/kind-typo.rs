use dd_instrument::dd_span;

#[dd_span(kind = "clinet")]
fn charge() {}

fn main() {}
