use dd_instrument::dd_span;

#[dd_span(resource = "")]
fn charge() {}

fn main() {}
