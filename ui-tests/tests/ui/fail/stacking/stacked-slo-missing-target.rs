use dd_instrument::{dd_slo, dd_span};

#[dd_span]
#[dd_slo(name = "checkout")]
fn charge() {}

fn main() {}
