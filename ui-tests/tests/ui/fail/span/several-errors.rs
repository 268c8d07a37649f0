use dd_instrument::dd_span;

// Every mistake of the attribute is reported in one compile, not only the first.
#[dd_span(nmae = "payments.charge", kind = "clinet", measured, measured)]
fn charge() {}

fn main() {}
