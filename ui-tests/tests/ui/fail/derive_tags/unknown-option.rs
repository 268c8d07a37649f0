use dd_instrument::DdTags;

#[derive(DdTags)]
struct OrderTags {
    #[dd_tag(renam = "order.tier")]
    tier: u8,
}

fn main() {}
