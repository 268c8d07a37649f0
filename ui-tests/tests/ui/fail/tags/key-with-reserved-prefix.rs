use dd_instrument::dd_span;

#[dd_span(tags(error.kind = "declined"))]
fn charge() {}

fn main() {}
