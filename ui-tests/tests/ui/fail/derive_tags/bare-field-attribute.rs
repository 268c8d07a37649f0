use dd_instrument::DdTags;

#[derive(DdTags)]
struct OrderTags {
    #[dd_tag]
    tier: u8,
}

fn main() {}
