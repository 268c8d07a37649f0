use dd_instrument::dd_span;

// A type error in the body is reported at the user's code, as without the attribute.
#[dd_span]
fn total(items: &[u32]) -> u32 {
    items.len()
}

fn main() {}
