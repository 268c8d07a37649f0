use dd_instrument::dd_span;

#[dd_span(tags(card = redact(card, user), user = hash(), token = redact!(token)))]
fn pay(card: &str, user: u64, token: &str) {
    let _ = (card, user, token);
}

fn main() {}
