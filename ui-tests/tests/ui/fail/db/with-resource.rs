use dd_instrument::dd_span;

#[dd_span(resource = "SELECT orders", db(system = "postgresql"))]
fn load() {}

fn main() {}
