use dd_instrument::DdTags;

#[derive(DdTags)]
#[dd_tag(rename = "order")]
struct OrderTags {
    tier: u8,
}

fn main() {}
