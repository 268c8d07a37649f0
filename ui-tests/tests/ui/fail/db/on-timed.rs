use dd_instrument::dd_timed;

#[dd_timed(db(system = "redis"))]
fn load() {}

fn main() {}
