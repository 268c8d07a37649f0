use dd_instrument::dd_slo;

// Rust accepts any suffix on a literal a macro reads: `2s` must not become 2 ms.
#[dd_slo(name = "checkout", target = 99.9, latency_ms = 2s)]
fn charge() {}

fn main() {}
