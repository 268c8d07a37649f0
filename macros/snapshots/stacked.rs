//! The three attributes stacked, in two orders: the outermost expands all three into one
//! wrapper (one span, one `Call`, one site); the others stay as `__dd_stacked` markers, in place.
//! The same `tenant = tenant` on the span and the SLO is evaluated once.

#[dd_timed]
#[dd_instrument::dd_slo(name = "checkout", target = 99.9, tags(tenant = tenant))]
#[doc = "kept"]
#[dd_span(tags(tenant = tenant))]
fn charge(tenant: &str) -> u32 {
    1
}

#[dd_span(kind = "client", peer = "payments-gateway", resource = "POST /charge")]
#[dd_timed]
#[dd_slo(name = "checkout-payment", target = 99.9, latency_ms = 500)]
async fn authorize(order_id: u64, cents: u32) -> Result<Receipt, PayError> {
    gateway(order_id, cents).await
}
