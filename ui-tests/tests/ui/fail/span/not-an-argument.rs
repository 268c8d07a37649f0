use dd_instrument::dd_span;

#[dd_span("payments.charge")]
fn charge() {}

fn main() {}
