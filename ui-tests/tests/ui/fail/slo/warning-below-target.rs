use dd_instrument::dd_slo;

#[dd_slo(name = "checkout", target = 99.9, warning = 99.5)]
fn charge() {}

fn main() {}
