use dd_instrument::dd_timed;

#[dd_timed(tag(method = "card"))]
fn charge() {}

fn main() {}
