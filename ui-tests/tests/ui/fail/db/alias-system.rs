use dd_instrument::dd_span;

#[dd_span(db(system = "postgres"))]
fn load() {}

fn main() {}
