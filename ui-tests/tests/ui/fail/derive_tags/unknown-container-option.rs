use dd_instrument::DdTags;

#[derive(DdTags)]
#[dd_tags(krate = dd_instrument)]
struct OrderTags {
    tier: u8,
}

fn main() {}
