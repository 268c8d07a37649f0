use dd_instrument::DdTags;

#[derive(DdTags)]
struct OrderTags<'a> {
    env: &'a str,
    #[dd_tag(rename = "Order Tier")]
    tier: u8,
    #[dd_tag(skp)]
    email: &'a str,
}

fn main() {}
