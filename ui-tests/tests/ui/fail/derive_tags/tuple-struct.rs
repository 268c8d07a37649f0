use dd_instrument::DdTags;

#[derive(DdTags)]
struct Region(&'static str);

fn main() {}
