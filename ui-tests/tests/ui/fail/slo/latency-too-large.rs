use dd_instrument::dd_slo;

#[dd_slo(name = "checkout", target = 99.9, latency_ms = 99999999999999999999)]
fn charge() {}

fn main() {}
