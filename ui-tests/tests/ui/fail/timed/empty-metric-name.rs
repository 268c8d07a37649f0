use dd_instrument::dd_timed;

#[dd_timed(name = "")]
fn charge() {}

fn main() {}
