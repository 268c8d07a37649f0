use dd_instrument::dd_timed;

#[dd_timed(latency_ms = 500)]
fn charge() {}

fn main() {}
