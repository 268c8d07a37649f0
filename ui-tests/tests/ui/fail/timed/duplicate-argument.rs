use dd_instrument::dd_timed;

#[dd_timed(name = "checkout.latency", name = "checkout.duration")]
fn charge() {}

fn main() {}
