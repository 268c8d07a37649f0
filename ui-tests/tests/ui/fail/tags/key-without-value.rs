use dd_instrument::dd_span;

#[dd_span(tags(team))]
fn charge() {}

fn main() {}
