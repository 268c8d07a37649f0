use dd_instrument::{dd_slo, dd_timed};

// One metric series per hashed value: hash is for span tags.
#[dd_timed(tags(user = hash(user), card = redact(card)))]
fn pay(card: &str, user: u64) {
    let _ = (card, user);
}

#[dd_slo(name = "refund", target = 99.9, tags(user = hash(user)))]
fn refund(user: u64) {
    let _ = user;
}

fn main() {}
