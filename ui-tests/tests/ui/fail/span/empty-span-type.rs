use dd_instrument::dd_span;

#[dd_span(span_type = "")]
fn query() {}

fn main() {}
