use dd_instrument::dd_span;

#[dd_span(nmae = "payments.charge")]
fn charge() {}

fn main() {}
