//! `tags(..)`: literal values of every kind, expressions, keys as identifiers, dotted paths,
//! keywords and strings, and `..spread` of `DdTags` values, on the three attributes.
#![deny(warnings)]

use std::fmt;

use dd_instrument::{DdTags, dd_slo, dd_span, dd_timed};

#[derive(Clone, Copy)]
enum Region {
    EuWest,
    UsEast,
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EuWest => "eu-west",
            Self::UsEast => "us-east",
        })
    }
}

#[derive(Debug)]
struct Debuggable {
    id: u32,
}

struct Order {
    id: u64,
    region: Region,
    priority: u8,
    items: Vec<u32>,
}

#[derive(DdTags)]
struct OrderTags {
    region: Region,
    #[dd_tag(rename = "order.priority")]
    priority: u8,
}

impl Order {
    fn tags(&self) -> OrderTags {
        OrderTags { region: self.region, priority: self.priority }
    }
}

#[dd_span(tags(
    text = "EU West",
    integer = 42,
    negative = -3,
    float = 1.5,
    negative_float = -0.25,
    flag = true,
    big = 18446744073709551615u64,
    suffixed = 7u8,
    order.id = order.id,
    order.items = order.items.len(),
    order.region = order.region,
    order.debug = format!("{:?}", Debuggable { id: 1 }),
    r#type = "keyword",
    match = "keyword too",
    "http.route" = "/orders/{id}",
    "with-dash/and.slash" = "ok",
    computed = format!("{}-{}", order.id, order.priority),
    ..order.tags(),
))]
fn on_span(order: &Order) -> usize {
    order.items.len()
}

#[dd_timed(tags(
    method = "Card Payment",
    attempt = 1,
    retry = false,
    ratio = 0.5,
    region = order.region,
    priority = order.priority,
    ..order.tags()
))]
fn on_timer(order: &Order) -> u8 {
    order.priority
}

#[dd_slo(name = "tagged", target = 99.9, tags(tier = "gold", region = order.region, ..order.tags()))]
fn on_slo(order: &Order) -> u64 {
    order.id
}

/// Tag expressions are evaluated before the body runs, so the body may still move arguments.
#[dd_span(resource = format!("POST /orders/{}", order.id), tags(items = order.items.len()))]
#[dd_timed(tags(region = order.region))]
fn consume(order: Order) -> Vec<u32> {
    order.items
}

/// Tags on a method may use `self`.
impl Order {
    #[dd_span(resource = self.region.to_string(), tags(id = self.id, ..self.tags()))]
    #[dd_timed(tags(region = self.region))]
    fn describe(&self) -> String {
        format!("{}:{}", self.id, self.region)
    }
}

/// Generic values and `impl Trait` arguments as tags.
#[dd_span(tags(label = label, count = items.len()))]
#[dd_timed(tags(label = label))]
fn generic<L: fmt::Display>(label: L, items: impl ExactSizeIterator<Item = u32>) -> u32 {
    items.sum()
}

/// A method that consumes `self` may still tag with it: tags are evaluated first.
impl Order {
    #[dd_span(tags(id = self.id))]
    #[dd_slo(name = "consumed", target = 99.9, tags(region = self.region))]
    fn into_items(self) -> Vec<u32> {
        self.items
    }
}

#[dd_span(tags())]
#[dd_timed(tags())]
fn empty_tags() {}

fn main() {
    let order = Order { id: 7, region: Region::UsEast, priority: 2, items: vec![1, 2] };
    assert_eq!(on_span(&order), 2);
    assert_eq!(on_timer(&order), 2);
    assert_eq!(on_slo(&order), 7);
    assert_eq!(order.describe(), "7:us-east");
    assert_eq!(consume(order), [1, 2]);
    empty_tags();
    assert_eq!(generic("batch", vec![1, 2].into_iter()), 3);
    let order = Order { id: 8, region: Region::EuWest, priority: 1, items: vec![3] };
    assert_eq!(order.into_items(), [3]);
    let _ = Debuggable { id: 0 }.id;
}
