//! The three attributes stack in any order, by any path, with or without arguments.
#![deny(warnings)]

use dd_instrument::{dd_slo, dd_span, dd_timed};

#[dd_span]
#[dd_timed]
#[dd_slo(name = "order-1", target = 99.9)]
fn span_timed_slo(n: u32) -> u32 {
    n
}

#[dd_span]
#[dd_slo(name = "order-2", target = 99.9)]
#[dd_timed]
fn span_slo_timed(n: u32) -> u32 {
    n
}

#[dd_timed]
#[dd_span]
#[dd_slo(name = "order-3", target = 99.9)]
fn timed_span_slo(n: u32) -> u32 {
    n
}

#[dd_timed]
#[dd_slo(name = "order-4", target = 99.9)]
#[dd_span]
fn timed_slo_span(n: u32) -> u32 {
    n
}

#[dd_slo(name = "order-5", target = 99.9)]
#[dd_span]
#[dd_timed]
fn slo_span_timed(n: u32) -> u32 {
    n
}

#[dd_slo(name = "order-6", target = 99.9)]
#[dd_timed]
#[dd_span]
fn slo_timed_span(n: u32) -> u32 {
    n
}

#[dd_span]
#[dd_timed]
fn span_timed() {}

#[dd_timed]
#[dd_span]
fn timed_span() {}

#[dd_slo(name = "pair-1", target = 99)]
#[dd_span]
fn slo_span() {}

#[dd_span]
#[dd_slo(name = "pair-2", target = 99)]
fn span_slo() {}

#[dd_timed(name = "pair.latency")]
#[dd_slo(name = "pair-3", target = 99)]
fn timed_slo() {}

#[dd_slo(name = "pair-4", target = 99)]
#[dd_timed]
fn slo_timed() {}

/// Other attributes between and around the `dd_*` ones stay in place.
#[inline]
#[dd_instrument::dd_span(kind = "server")]
#[allow(clippy::needless_pass_by_value)]
#[::dd_instrument::dd_timed]
#[must_use]
#[dd_instrument::dd_slo(name = "full-paths", target = 99.9)]
fn full_paths(text: String) -> usize {
    text.len()
}

/// The same expression in several attributes is evaluated once per call.
#[dd_span(tags(tenant = tenant))]
#[dd_timed(tags(tenant = tenant))]
#[dd_slo(name = "shared-tags", target = 99.9, tags(tenant = tenant))]
fn shared_tags(tenant: &str) -> usize {
    tenant.len()
}

struct Service;

impl Service {
    #[dd_slo(name = "method-stack", target = 99.9, latency_ms = 50)]
    #[dd_timed]
    #[dd_span(kind = "server")]
    fn handle(&self, n: u32) -> Result<u32, String> {
        if n == 0 { Err("zero".to_owned()) } else { Ok(n) }
    }
}

fn main() {
    let total = span_timed_slo(1)
        + span_slo_timed(1)
        + timed_span_slo(1)
        + timed_slo_span(1)
        + slo_span_timed(1)
        + slo_timed_span(1);
    assert_eq!(total, 6);
    span_timed();
    timed_span();
    slo_span();
    span_slo();
    timed_slo();
    slo_timed();
    assert_eq!(full_paths("abc".to_owned()), 3);
    assert_eq!(shared_tags("acme"), 4);
    assert_eq!(Service.handle(2), Ok(2));
    assert_eq!(dd_instrument::slo::all().count(), 13);
}
