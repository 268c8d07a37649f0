use dd_instrument::dd_span;

#[dd_span]
const fn answer() -> u32 {
    42
}

fn main() {}
