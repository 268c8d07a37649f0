use dd_instrument::DdTags;

#[derive(DdTags)]
struct OrderTags {
    #[dd_tag(rename = "Order Tier")]
    tier: u8,
}

fn main() {}
