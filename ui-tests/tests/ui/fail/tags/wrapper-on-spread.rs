use dd_instrument::{DdTags, dd_span};

#[derive(DdTags)]
struct Customer {
    email: String,
}

#[dd_span(tags(..redact(customer)))]
fn pay(customer: &Customer) {
    let _ = customer;
}

fn main() {}
