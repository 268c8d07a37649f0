use dd_instrument::dd_span;

struct Order {
    region: String,
}

#[dd_span(tags(..order))]
fn charge(order: &Order) -> usize {
    order.region.len()
}

fn main() {}
