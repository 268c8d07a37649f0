use dd_instrument::dd_slo;

#[dd_slo(name = "checkout")]
fn charge() {}

fn main() {}
