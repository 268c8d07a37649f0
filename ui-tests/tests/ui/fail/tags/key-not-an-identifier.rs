use dd_instrument::dd_span;

#[dd_span(tags(42 = "answer"))]
fn charge() {}

fn main() {}
