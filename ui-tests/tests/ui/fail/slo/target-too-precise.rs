use dd_instrument::dd_slo;

// Datadog keeps at most three decimals of an SLO target.
#[dd_slo(name = "checkout", target = 99.99999)]
fn charge() {}

fn main() {}
