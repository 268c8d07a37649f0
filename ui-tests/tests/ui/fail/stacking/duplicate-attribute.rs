use dd_instrument::{dd_span, dd_timed};

#[dd_span]
#[dd_timed]
#[dd_span(kind = "client")]
fn charge() {}

fn main() {}
