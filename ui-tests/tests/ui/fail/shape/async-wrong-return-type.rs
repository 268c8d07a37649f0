use dd_instrument::dd_span;

#[dd_span]
async fn total(items: &[u32]) -> u32 {
    items.len()
}

fn main() {}
