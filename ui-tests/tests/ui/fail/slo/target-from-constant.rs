use dd_instrument::dd_slo;

const OBJECTIVE: f64 = 99.9;

#[dd_slo(name = "checkout", target = OBJECTIVE)]
fn charge() {}

fn main() {}
