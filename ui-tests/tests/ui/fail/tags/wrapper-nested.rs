use dd_instrument::dd_span;

#[dd_span(tags(user = hash(redact(user)), card = redact(hash(card)), email = hash(hash(email))))]
fn pay(card: &str, user: u64, email: &str) {
    let _ = (card, user, email);
}

fn main() {}
