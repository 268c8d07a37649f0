use dd_instrument::dd_span;

#[dd_span(crate = 42)]
fn charge() {}

fn main() {}
