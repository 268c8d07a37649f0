use dd_instrument::dd_slo;

#[dd_slo]
fn charge() {}

fn main() {}
