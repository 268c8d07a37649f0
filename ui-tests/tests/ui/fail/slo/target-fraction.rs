use dd_instrument::dd_slo;

// The objective is in percent: 0.999 would be a 0.999 % objective.
#[dd_slo(name = "checkout", target = 0.999)]
fn charge() {}

fn main() {}
