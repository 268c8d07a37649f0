use dd_instrument::dd_span;

#[dd_span(type = "sql")]
fn load_cart() {}

fn main() {}
