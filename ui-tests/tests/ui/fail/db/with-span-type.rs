use dd_instrument::dd_span;

#[dd_span(db(system = "postgresql"), span_type = "sql")]
fn load() {}

fn main() {}
