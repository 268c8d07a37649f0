use dd_instrument::dd_span;

#[dd_span(name = "Payments Charge")]
fn charge() {}

fn main() {}
