use dd_instrument::dd_span;

struct Cart;

#[dd_span]
async fn items() -> impl Iterator<Item = u32> {
    Cart
}

fn main() {}
