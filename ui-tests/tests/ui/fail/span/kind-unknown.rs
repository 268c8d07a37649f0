use dd_instrument::dd_span;

#[dd_span(kind = "database")]
fn query() {}

fn main() {}
