use dd_instrument::dd_span;

#[dd_span(name = "payments.charge.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
fn charge() {}

fn main() {}
