//! Every argument of every attribute, in their documented forms; the declared SLOs are listed.
#![deny(warnings)]

use dd_instrument::{DdTags, dd_slo, dd_span, dd_timed};

#[derive(DdTags)]
struct CartTags {
    shard: u32,
}

#[dd_span(
    name = "cart.load",
    resource = format!("GET /carts/{}", shard),
    kind = "client",
    peer = "cart-db",
    span_type = "sql",
    measured,
    tags(team = "carts", shard = shard, ..cart_tags),
    crate = dd_instrument,
)]
fn load_cart_from(shard: u32, cart_tags: &CartTags) -> u32 {
    shard + cart_tags.shard
}

#[dd_span(kind = "server", resource = "POST /charge", span_type = "web")]
fn server() {}

#[dd_span(kind = "producer", peer = "orders-queue", span_type = "queue")]
fn producer() {}

#[dd_span(kind = "consumer", span_type = "queue")]
fn consumer() {}

#[dd_span(kind = "internal", name = "work.step_2", measured)]
fn internal() {}

#[dd_span(resource = "POST /charge",)]
fn trailing_comma() {}

#[dd_timed(name = "checkout.charge.Latency_2", tags(method = "card"), crate = "dd_instrument")]
fn timed_all() {}

#[dd_slo(
    name = "checkout-payment",
    target = 99.9,
    latency_ms = 500,
    timeframe = "90d",
    warning = 99.95,
    description = "Payments are charged within half a second.",
    tags(tier = "gold"),
    crate = ::dd_instrument,
)]
fn slo_all() {}

#[dd_slo(name = "v2.checkout/eu:west", target = 99, latency_ms = 0x1f4)]
fn slo_integer_target() {}

#[dd_slo(name = "99th", target = 1)]
fn slo_low_target() {}

fn main() {
    assert_eq!(load_cart_from(1, &CartTags { shard: 2 }), 3);
    server();
    producer();
    consumer();
    internal();
    trailing_comma();
    timed_all();
    slo_all();
    slo_integer_target();
    slo_low_target();
    let mut names: Vec<(&str, f64, Option<u64>)> =
        dd_instrument::slo::all().map(|slo| (slo.name(), slo.target(), slo.latency_ms())).collect();
    names.sort_by(|a, b| a.0.cmp(b.0));
    assert_eq!(
        names,
        [("99th", 1.0, None), ("checkout-payment", 99.9, Some(500)), ("v2.checkout/eu:west", 99.0, Some(500))]
    );
    let payment = dd_instrument::slo::find("checkout-payment").expect("declared");
    assert_eq!(payment.tags(), ["tier:gold"]);
    assert_eq!(payment.good_events_query(), "sum:slo.requests.fast{slo:checkout-payment}.as_count()");
    assert_eq!(payment.timeframe(), dd_instrument::slo::Timeframe::Days90);
    assert_eq!(payment.warning(), Some(99.95));
    assert_eq!(payment.description(), Some("Payments are charged within half a second."));
    let defaults = dd_instrument::slo::find("99th").expect("declared");
    assert_eq!((defaults.timeframe().as_str(), defaults.warning(), defaults.description()), ("30d", None, None));
}
