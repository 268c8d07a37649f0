use dd_instrument::dd_span;

#[dd_span(name("cart.load"), kind("client"))]
fn load_cart() {}

fn main() {}
