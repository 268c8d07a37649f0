use dd_instrument::{dd_slo, dd_span, dd_timed};

// The outermost attribute validates the whole stack: the mistakes of all three are reported.
#[dd_span(kind = "clinet")]
#[dd_timed(name = "checkout latency")]
#[dd_slo(name = "checkout", target = 100)]
fn charge() {}

fn main() {}
