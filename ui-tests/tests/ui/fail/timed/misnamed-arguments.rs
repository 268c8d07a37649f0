use dd_instrument::dd_timed;

#[dd_timed(metric = "cart.load.latency", unit = "ms")]
fn load_cart() {}

fn main() {}
