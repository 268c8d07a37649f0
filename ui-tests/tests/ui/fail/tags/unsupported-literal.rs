use dd_instrument::dd_timed;

#[dd_timed(tags(grade = 'A'))]
fn charge() {}

fn main() {}
