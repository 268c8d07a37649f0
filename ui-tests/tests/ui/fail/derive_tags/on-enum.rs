use dd_instrument::DdTags;

#[derive(DdTags)]
enum Region {
    EuWest,
    UsEast,
}

fn main() {}
