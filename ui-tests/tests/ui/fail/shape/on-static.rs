use dd_instrument::dd_timed;

#[dd_timed]
static LIMIT: u32 = 10;

fn main() {}
