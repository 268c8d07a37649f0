use dd_instrument::dd_slo;

#[dd_slo(name = "checkout", target = 99.9, latency = 500)]
fn charge() {}

fn main() {}
