use dd_instrument::{dd_span, dd_timed};

#[dd_span]
#[dd_timed = "checkout.latency"]
fn charge() {}

fn main() {}
