use dd_instrument::dd_span;

#[dd_span(target = 99.9)]
fn charge() {}

fn main() {}
