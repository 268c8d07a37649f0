use dd_instrument::dd_slo;

#[dd_slo(name = "", target = 99.9)]
fn charge() {}

fn main() {}
