use dd_instrument::DdTags;

#[derive(DdTags)]
union Bits {
    int: u32,
    float: f32,
}

fn main() {}
