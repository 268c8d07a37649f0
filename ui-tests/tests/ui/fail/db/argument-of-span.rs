use dd_instrument::dd_span;

#[dd_span(db(system = "redis", peer = "sessions", kind = "client"))]
fn load() {}

fn main() {}
