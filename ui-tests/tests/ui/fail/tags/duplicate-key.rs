use dd_instrument::dd_span;

#[dd_span(tags(team = "payments", region = "eu", team = "checkout"))]
fn charge() {}

fn main() {}
