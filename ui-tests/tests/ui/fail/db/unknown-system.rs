use dd_instrument::dd_span;

#[dd_span(db(system = "postgress", name = "shop"))]
fn load() {}

fn main() {}
