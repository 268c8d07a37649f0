use dd_instrument::dd_span;

#[dd_span(db(system = "mysql", name = "", host = 10, port = 70000, statement = 1, query = "SELECT 1"))]
fn load() {}

fn main() {}
