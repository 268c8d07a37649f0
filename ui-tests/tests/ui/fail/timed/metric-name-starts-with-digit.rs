use dd_instrument::dd_timed;

#[dd_timed(name = "2fa.latency")]
fn verify() {}

fn main() {}
