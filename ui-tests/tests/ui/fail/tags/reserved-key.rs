use dd_instrument::dd_timed;

#[dd_timed(tags(env = "prod"))]
fn charge() {}

fn main() {}
