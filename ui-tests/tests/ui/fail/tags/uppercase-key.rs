use dd_instrument::dd_timed;

#[dd_timed(tags(Region = "eu-west"))]
fn charge() {}

fn main() {}
