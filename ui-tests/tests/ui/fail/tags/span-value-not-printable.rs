use dd_instrument::dd_span;

struct Region {
    code: u8,
}

// Span attributes take strings, numbers and booleans, else `Display` values.
#[dd_span(tags(region = region))]
fn charge(region: &Region) -> u8 {
    region.code
}

fn main() {}
