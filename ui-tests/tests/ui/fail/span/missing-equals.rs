use dd_instrument::dd_span;

#[dd_span(kind "client")]
fn charge() {}

fn main() {}
