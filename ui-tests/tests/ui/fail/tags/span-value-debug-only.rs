use dd_instrument::dd_span;

#[derive(Debug)]
struct Cart {
    items: Vec<u32>,
}

// `Debug` is not enough: its output can be huge or private. Write `format!("{cart:?}")` to
// record it anyway.
#[dd_span(tags(cart = cart))]
fn checkout(cart: Cart) -> usize {
    cart.items.len()
}

fn main() {}
