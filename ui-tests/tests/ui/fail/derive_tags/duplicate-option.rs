use dd_instrument::DdTags;

#[derive(DdTags)]
struct OrderTags {
    #[dd_tag(rename = "order.tier", rename = "order.level")]
    tier: u8,
}

fn main() {}
