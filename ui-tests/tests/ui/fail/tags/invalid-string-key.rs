use dd_instrument::dd_span;

#[dd_span(tags("HTTP Route" = "/charge"))]
fn charge() {}

fn main() {}
