use dd_instrument::DdTags;

// Names other derives give the same options.
#[derive(DdTags)]
struct OrderTags {
    #[dd_tag(name = "order.tier")]
    tier: u8,
    #[dd_tag(ignore)]
    email: String,
}

fn main() {}
