use dd_instrument::dd_span;

#[dd_span]
struct Cart {
    items: Vec<u32>,
}

fn main() {}
