use dd_instrument::dd_slo;

#[dd_slo(name = "checkout", target = 99.9, description = checkout_description())]
fn charge() {}

fn main() {}
