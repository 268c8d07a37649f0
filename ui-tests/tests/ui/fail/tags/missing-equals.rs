use dd_instrument::dd_span;

#[dd_span(tags(team "payments"))]
fn charge() {}

fn main() {}
