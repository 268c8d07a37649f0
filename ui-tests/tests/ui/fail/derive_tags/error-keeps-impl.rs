use dd_instrument::{DdTags, dd_span};

// On an error the derive still implements `DdTags` (with no tags), so uses of the struct
// compile and only the real mistake is reported.
#[derive(DdTags)]
struct OrderTags {
    #[dd_tag(rename = "Tier")]
    tier: u8,
}

#[dd_span(tags(..tags))]
fn charge(tags: &OrderTags) -> u8 {
    tags.tier
}

fn main() {}
