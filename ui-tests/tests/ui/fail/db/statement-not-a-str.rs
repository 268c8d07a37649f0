use dd_instrument::dd_span;

#[dd_span(db(system = "postgresql", statement = id))]
fn load(id: u64) -> u64 {
    id
}

fn main() {}
