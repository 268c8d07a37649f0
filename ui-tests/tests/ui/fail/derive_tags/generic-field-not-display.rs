use dd_instrument::DdTags;

// A generic field needs a bound: the derive adds none.
#[derive(DdTags)]
struct Labelled<T> {
    label: T,
}

fn main() {}
