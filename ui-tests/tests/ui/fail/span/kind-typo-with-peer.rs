use dd_instrument::dd_span;

// The kind is wrong, not `peer`: one error, at the kind.
#[dd_span(kind = "clent", peer = "db")]
fn load_cart() {}

fn main() {}
