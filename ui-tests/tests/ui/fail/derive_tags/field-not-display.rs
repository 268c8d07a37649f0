use dd_instrument::DdTags;

struct Region {
    code: u8,
}

#[derive(DdTags)]
struct OrderTags {
    region: Region,
    tier: u8,
}

fn main() {}
