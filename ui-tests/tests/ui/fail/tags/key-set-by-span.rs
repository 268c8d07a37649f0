use dd_instrument::dd_span;

#[dd_span(tags(resource.name = "POST /charge", span.kind = "client"))]
fn charge() {}

fn main() {}
