use dd_instrument::{dd_slo, dd_span, dd_timed};

struct Order {
    region: String,
}

// One spread used by the three attributes: one error.
#[dd_span(tags(..order))]
#[dd_timed(tags(..order))]
#[dd_slo(name = "checkout", target = 99.9, tags(..order))]
fn charge(order: &Order) -> usize {
    order.region.len()
}

fn main() {}
