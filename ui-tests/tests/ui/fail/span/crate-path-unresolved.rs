use dd_instrument::dd_span;

#[dd_span(crate = observability)]
fn charge() {}

fn main() {}
