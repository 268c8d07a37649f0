use dd_instrument::dd_span;

#[dd_span(tags("team:payments" = true))]
fn charge() {}

fn main() {}
