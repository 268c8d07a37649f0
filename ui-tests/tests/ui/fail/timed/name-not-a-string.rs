use dd_instrument::dd_timed;

const LATENCY: &str = "checkout.latency";

#[dd_timed(name = LATENCY)]
fn charge() {}

fn main() {}
