use dd_instrument::DdTags;

#[derive(DdTags)]
#[allow(non_snake_case)]
struct OrderTags {
    Tier: u8,
}

fn main() {}
