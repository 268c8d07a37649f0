use dd_instrument::{DdTags, dd_span};

// A generic field gets a `Display` bound on the impl: a type argument that is not `Display` is
// reported where the struct is used as tags, where `Labelled<Region>` does not implement `DdTags`.
#[derive(DdTags)]
struct Labelled<T> {
    label: T,
}

struct Region;

#[dd_span(tags(..Labelled { label: Region }))]
fn charge() {}

fn main() {}
