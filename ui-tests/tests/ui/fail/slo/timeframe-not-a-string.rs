use dd_instrument::dd_slo;

#[dd_slo(name = "checkout", target = 99.9, timeframe = 30)]
fn charge() {}

fn main() {}
