use dd_instrument::DdTags;

#[derive(DdTags)]
struct OrderTags {
    #[dd_tag(skip, rename = "order.tier")]
    tier: u8,
}

fn main() {}
