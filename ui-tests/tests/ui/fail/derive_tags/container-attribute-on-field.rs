use dd_instrument::DdTags;

#[derive(DdTags)]
struct OrderTags {
    #[dd_tags(crate = dd_instrument)]
    tier: u8,
}

fn main() {}
