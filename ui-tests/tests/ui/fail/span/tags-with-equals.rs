use dd_instrument::dd_span;

#[dd_span(tags = (team = "carts"))]
fn load_cart() {}

fn main() {}
