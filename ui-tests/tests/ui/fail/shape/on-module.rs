use dd_instrument::dd_span;

#[dd_span]
mod payments {}

fn main() {}
