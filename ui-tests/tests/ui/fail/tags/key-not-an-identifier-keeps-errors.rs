use dd_instrument::dd_span;

// A syntax error inside `tags(..)` should not hide the mistakes found before it.
#[dd_span(kind = "clinet", tags(42 = "answer"))]
fn charge() {}

fn main() {}
