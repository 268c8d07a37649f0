//! `redact(..)` and `hash(..)` in `tags(..)`: a redacted value needs no `Display` and an
//! argument only a redacted tag uses is still used; a hashed value is any `Display` value; a
//! function of the user's own named `redact` is called by its path.
#![deny(warnings)]

use std::fmt;

use dd_instrument::{dd_slo, dd_span, dd_timed};

/// Not `Display`: only `redact(..)` may take it.
struct Card {
    number: String,
}

struct UserId(u64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "user-{}", self.0)
    }
}

fn redact(value: &str) -> String {
    value.replace('a', "*")
}

#[dd_span(tags(card = redact(card), user = hash(user), email = hash(email), own = self::redact(email)))]
#[dd_timed(tags(card = redact(card)))]
#[dd_slo(name = "pay", target = 99.9, tags(card = redact(card.number.len())))]
fn pay(card: &Card, user: &UserId, email: &str) -> usize {
    let _ = user;
    email.len()
}

/// A value only `redact(..)` uses: no unused-variable warning (`#![deny(warnings)]`).
#[dd_span(tags(token = redact(token)))]
fn login(token: String) {}

/// Expressions, methods and `self`.
impl Card {
    #[dd_span(tags(card = redact(self.number.as_str()), last4 = hash(&self.number[self.number.len() - 4..])))]
    fn charge(self) -> String {
        self.number
    }
}

fn main() {
    let card = Card { number: "4111111111111111".to_owned() };
    assert_eq!(pay(&card, &UserId(7), "alice@example.com"), 17);
    login("secret".to_owned());
    assert_eq!(card.charge().len(), 16);
}
