use dd_instrument::dd_slo;

#[dd_slo(name = "checkout", target = 99.9, resource = "POST /charge")]
fn charge() {}

fn main() {}
