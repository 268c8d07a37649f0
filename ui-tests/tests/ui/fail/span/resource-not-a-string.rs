use dd_instrument::dd_span;

#[dd_span(resource = 404)]
fn charge() {}

fn main() {}
