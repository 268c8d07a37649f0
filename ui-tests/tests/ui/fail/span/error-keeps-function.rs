use dd_instrument::dd_span;

// On a macro error the function is kept as written: callers still compile, and the body is
// still type-checked (the mismatched type below is reported too).
#[dd_span(kind = "clinet")]
fn charge() -> u32 {
    "free"
}

fn checkout() -> u32 {
    charge() + 1
}

fn main() {}
