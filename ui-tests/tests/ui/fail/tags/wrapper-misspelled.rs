use dd_instrument::dd_span;

// A misspelled wrapper would send the value as it is: an error, with the wrapper meant.
#[dd_span(tags(card = redacted(card), user = hashed(user), email = hsah(email)))]
fn pay(card: &str, user: u64, email: &str) {
    let _ = (card, user, email);
}

fn main() {}
