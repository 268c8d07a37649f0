use dd_instrument::dd_timed;

#[dd_timed(name = "checkout latency")]
fn charge() {}

fn main() {}
