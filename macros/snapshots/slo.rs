//! `#[dd_slo]` alone: an `Slo` static registered with `inventory`, and the `CallSite` counting
//! it.

#[dd_slo(name = "checkout-payment", target = 99.9, latency_ms = 500)]
async fn charge() -> Result<(), PayError> {
    Ok(())
}

#[dd_slo(name = "v2.checkout/eu:west", target = 99, latency_ms = 0x1f4, tags(tier = "gold"))]
fn integer_target() {}

#[dd_slo(name = "99th", target = 99.95)]
fn without_latency() {}
