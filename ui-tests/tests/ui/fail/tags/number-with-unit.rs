use dd_instrument::dd_timed;

// `5s` is no number: its suffix would silently be dropped (`timeout:5`).
#[dd_timed(tags(timeout = 5s))]
fn charge() {}

fn main() {}
