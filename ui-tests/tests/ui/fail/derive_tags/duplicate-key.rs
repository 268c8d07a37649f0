use dd_instrument::DdTags;

#[derive(DdTags)]
struct OrderTags {
    tier: u8,
    #[dd_tag(rename = "tier")]
    level: u8,
}

fn main() {}
