use dd_instrument::dd_timed;

#[dd_timed(kind = "client")]
fn charge() {}

fn main() {}
