use dd_instrument::{dd_span, dd_timed};

struct Region {
    code: u8,
}

// The same tag on the span and the metric is evaluated and checked once: one error.
#[dd_span(tags(region = region))]
#[dd_timed(tags(region = region))]
fn charge(region: &Region) -> u8 {
    region.code
}

fn main() {}
