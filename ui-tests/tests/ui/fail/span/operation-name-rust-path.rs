use dd_instrument::dd_span;

#[dd_span(name = "payments::charge")]
fn charge() {}

fn main() {}
