use dd_instrument::dd_span;

// Attributes on expressions need unstable features, but rustc still expands the macro: it
// reports, with rustc's own errors, that it goes on functions.
fn main() {
    let charge = #[dd_span] move |cents: u64| cents * 100;
    let _ = charge(1);
}
