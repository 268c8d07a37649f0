use dd_instrument::dd_slo;

// Names other tools use for the same things.
#[dd_slo(slo = "checkout", objective = 99.9, threshold_ms = 500, tags = (team = "payments"))]
fn charge() {}

fn main() {}
