use dd_instrument::dd_span;

struct Route;

#[dd_span(resource = Route)]
fn handle() {}

fn main() {}
