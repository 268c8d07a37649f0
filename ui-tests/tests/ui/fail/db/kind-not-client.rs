use dd_instrument::dd_span;

#[dd_span(kind = "server", db(system = "postgresql"))]
fn load() {}

fn main() {}
