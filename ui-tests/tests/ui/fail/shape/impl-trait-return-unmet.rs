use dd_instrument::dd_span;

struct Cart;

#[dd_span]
fn items() -> impl Iterator<Item = u32> {
    Cart
}

fn main() {}
