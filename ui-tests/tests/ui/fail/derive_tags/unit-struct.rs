use dd_instrument::DdTags;

#[derive(DdTags)]
struct NoTags;

fn main() {}
