use dd_instrument::dd_span;

#[dd_span(db(name = "shop", statement = "SELECT 1"))]
fn load() {}

fn main() {}
