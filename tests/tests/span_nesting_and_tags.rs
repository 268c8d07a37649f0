//! Spans nest with each other and with `tracing`'s own spans; tags are recorded only when asked.

use dd_instrument::{DdTags, dd_span};
use dd_instrument_tests::spans::{assert_parent, assert_root, attribute, attributes, capture, named};
use opentelemetry::Value;

#[dd_span(kind = "server")]
fn handle() {
    let _log_span = tracing::info_span!("middleware").entered();
    route();
}

#[tracing::instrument(skip_all)]
fn route() {
    query();
}

#[dd_span(span_type = "sql")]
fn query() {
    tracing::info!("inside the query");
}

#[test]
fn spans_nest_with_tracing_spans_in_between() {
    let ((), spans) = capture(handle);
    assert_eq!(spans.len(), 4);
    let server = named(&spans, "span_nesting_and_tags.handle");
    let middleware = named(&spans, "middleware");
    let route = named(&spans, "route");
    let query = named(&spans, "span_nesting_and_tags.query");
    assert_root(server);
    assert_parent(middleware, server);
    assert_parent(route, middleware);
    assert_parent(query, route);
    // Log events are not span events: nothing recorded that was not asked for.
    assert!(query.events.is_empty());
}

#[derive(DdTags)]
struct Order<'a> {
    region: &'a str,
    #[dd_tag(rename = "order.items")]
    items: u32,
    express: bool,
    #[dd_tag(skip)]
    #[allow(dead_code)]
    email: &'a str,
    coupon: Option<&'a str>,
}

#[dd_span(tags(team = "payments", priority = 2, tenant = tenant.to_uppercase(), amount = cents, ..order))]
fn checkout(tenant: &str, cents: i64, order: &Order<'_>, card_number: &str) -> usize {
    card_number.len()
}

#[test]
fn only_listed_tags_are_recorded_with_their_types() {
    let order = Order { region: "EU West", items: 3, express: true, email: "a@b.c", coupon: None };
    let (_, spans) = capture(|| checkout("acme", 1999, &order, "4111111111111111"));
    let span = &spans[0];
    assert_eq!(attribute(span, "team"), Some(&Value::from("payments")));
    assert_eq!(attribute(span, "priority"), Some(&Value::I64(2)));
    assert_eq!(attribute(span, "tenant"), Some(&Value::from("ACME")));
    assert_eq!(attribute(span, "amount"), Some(&Value::I64(1999)));
    // Span attributes keep values as they are; only metric tags are normalized.
    assert_eq!(attribute(span, "region"), Some(&Value::from("EU West")));
    assert_eq!(attribute(span, "order.items"), Some(&Value::I64(3)));
    assert_eq!(attribute(span, "express"), Some(&Value::Bool(true)));
    let attrs = attributes(span);
    for absent in ["email", "coupon", "card_number", "cents", "order", "tenant_id"] {
        assert!(!attrs.contains_key(absent), "{absent} must not be recorded: {attrs:?}");
    }
    assert!(!attrs.values().any(|v| v.contains("4111")), "arguments are never recorded: {attrs:?}");
}

#[test]
fn derived_tags_are_normalized_for_metrics() {
    let order = Order { region: "EU West", items: 3, express: false, email: "x", coupon: Some("WINTER-10") };
    assert_eq!(order.dd_tags(), ["region:eu_west", "order.items:3", "express:false", "coupon:winter-10"]);
}
