use dd_instrument::dd_timed;

#[dd_timed(tags(user = user_id))]
fn charge(customer_id: u64) -> u64 {
    customer_id
}

fn main() {}
