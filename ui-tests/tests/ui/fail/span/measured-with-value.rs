use dd_instrument::dd_span;

#[dd_span(measured = true)]
fn charge() {}

fn main() {}
