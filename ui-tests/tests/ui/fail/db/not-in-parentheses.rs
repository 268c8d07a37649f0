use dd_instrument::dd_span;

#[dd_span(db = "postgresql")]
fn load() {}

fn main() {}
