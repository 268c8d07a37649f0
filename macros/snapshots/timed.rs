//! `#[dd_timed]` alone: a `CallSite` static with the timer, no span (`Span::none()`); literal
//! tags normalized at compile time.

#[dd_timed]
fn charge() {}

#[dd_timed(name = "checkout.payment.Latency_2", tags(method = "card", region = "EU West"))]
fn charge_named() -> Result<(), PayError> {
    Ok(())
}
