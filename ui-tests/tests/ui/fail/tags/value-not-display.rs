use dd_instrument::dd_timed;

struct Region {
    code: u8,
}

// Metric tags are text: a run-time value must implement `Display`.
#[dd_timed(tags(region = region))]
fn charge(region: &Region) -> u8 {
    region.code
}

fn main() {}
