//! `#[dd_span]` on every function shape: the exact exported span of each.

use std::fmt::Debug;
use std::num::ParseIntError;

use dd_instrument::dd_span;
use dd_instrument_tests::spans::{assert_root, attributes, capture, error_status, expected, kind, named};

const FILE: &str = "tests/tests/span_shapes.rs";

/// Attributes every span of a function `name` at `line` has, plus `extra`.
fn base(name: &str, resource: &str, line: u32, extra: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    let mut map = expected([
        ("operation.name", &*format!("span_shapes.{name}")),
        ("resource.name", resource),
        ("code.function.name", &*format!("span_shapes::{name}")),
        ("code.module.name", "span_shapes"),
        ("code.file.path", FILE),
        ("code.line.number", &*line.to_string()),
    ]);
    map.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    map
}

const PLAIN_LINE: u32 = line!() + 1;
#[dd_span]
fn plain(secret: u32) -> u32 {
    secret + 1
}

#[test]
fn free_function_gets_datadog_attributes_and_no_arguments() {
    let (value, spans) = capture(|| plain(41));
    assert_eq!(value, 42);
    assert_eq!(spans.len(), 1);
    let span = &spans[0];
    assert_eq!(span.name, "span_shapes.plain");
    assert_eq!(kind(span), "internal");
    assert_eq!(attributes(span), base("plain", "plain", PLAIN_LINE, &[]));
    assert_eq!(error_status(span), None);
    assert_eq!(span.status, opentelemetry::trace::Status::Unset);
    assert_root(span);
}

struct Cart {
    items: Vec<u32>,
}

const CART_LINE: u32 = line!() + 2;
impl Cart {
    #[dd_span]
    fn new() -> Self {
        Self { items: Vec::new() }
    }

    #[dd_span]
    fn add(&mut self, item: u32) {
        self.items.push(item);
    }

    #[dd_span]
    fn total(&self) -> u32 {
        self.items.iter().sum()
    }

    #[dd_span]
    fn first(&self) -> Option<&u32> {
        self.items.first()
    }

    #[dd_span]
    fn into_items(mut self) -> Vec<u32> {
        self.items.sort_unstable();
        self.items
    }
}

#[test]
fn methods_get_the_type_in_their_resource() {
    let (items, spans) = capture(|| {
        let mut cart = Cart::new();
        cart.add(3);
        cart.add(1);
        assert_eq!(cart.total(), 4);
        assert_eq!(cart.first(), Some(&3));
        cart.into_items()
    });
    assert_eq!(items, [1, 3]);
    let resources: Vec<String> = spans.iter().map(|s| attributes(s)["resource.name"].clone()).collect();
    assert_eq!(resources, ["Cart::new", "Cart::add", "Cart::add", "Cart::total", "Cart::first", "Cart::into_items"]);
    let new = &spans[0];
    assert_eq!(attributes(new), base("new", "Cart::new", CART_LINE, &[]));
}

struct Wrapper<T>(T);

impl<T: Clone> Wrapper<T> {
    #[dd_span]
    fn get(&self) -> T {
        self.0.clone()
    }
}

trait Store {
    fn put(&self, key: &str) -> usize;
}

struct Memory;

impl Store for Memory {
    #[dd_span]
    fn put(&self, key: &str) -> usize {
        key.len()
    }
}

#[dd_span]
fn largest<T>(items: &[T]) -> T
where
    T: PartialOrd + Copy + Debug,
{
    let mut best = items[0];
    for &item in items {
        if item > best {
            best = item;
        }
    }
    best
}

#[dd_span]
fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

#[dd_span]
fn sum_all(items: impl IntoIterator<Item = u32>) -> u32 {
    items.into_iter().sum()
}

#[dd_span]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[dd_span]
fn swap((a, b): (u8, u8)) -> (u8, u8) {
    (b, a)
}

/// # Safety
/// `ptr` must be valid for reads.
#[dd_span]
unsafe fn read(ptr: *const u8) -> u8 {
    // SAFETY: the caller guarantees `ptr` is valid.
    unsafe { *ptr }
}

#[dd_span]
fn early_return(n: i32) -> &'static str {
    if n < 0 {
        return "negative";
    }
    "non-negative"
}

#[test]
fn generics_lifetimes_impl_trait_patterns_and_unsafe() {
    let (results, spans) = capture(|| {
        let byte = 9u8;
        (
            Wrapper(String::from("x")).get(),
            Memory.put("abc"),
            largest(&[3, 9, 2]),
            longest("ab", "abc").to_owned(),
            sum_all(vec![1, 2, 3]),
            evens(7).collect::<Vec<_>>(),
            swap((1, 2)),
            // SAFETY: points at a live local.
            unsafe { read(&raw const byte) },
            early_return(-1),
        )
    });
    assert_eq!(results, ("x".to_owned(), 3, 9, "abc".to_owned(), 6, vec![0, 2, 4, 6], (2, 1), 9, "negative"));
    let summary: Vec<(String, String)> = spans
        .iter()
        .map(|s| {
            let a = attributes(s);
            (a["operation.name"].clone(), a["resource.name"].clone())
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("span_shapes.get", "Wrapper::get"),
        ("span_shapes.put", "Memory::put"),
        ("span_shapes.largest", "largest"),
        ("span_shapes.longest", "longest"),
        ("span_shapes.sum_all", "sum_all"),
        ("span_shapes.evens", "evens"),
        ("span_shapes.swap", "swap"),
        ("span_shapes.read", "read"),
        ("span_shapes.early_return", "early_return"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(summary, expected);
    assert!(spans.iter().all(|s| s.status == opentelemetry::trace::Status::Unset));
}

#[dd_span]
fn parse_sum(a: &str, b: &str) -> Result<i32, ParseIntError> {
    Ok(a.parse::<i32>()? + b.parse::<i32>()?)
}

#[test]
fn question_mark_returns_are_recorded_as_errors() {
    let (result, spans) = capture(|| (parse_sum("1", "2"), parse_sum("1", "x")));
    assert_eq!(result.0, Ok(3));
    assert!(result.1.is_err());
    assert_eq!(spans.len(), 2);
    assert_eq!(error_status(&spans[0]), None);
    let failed = &spans[1];
    assert_eq!(error_status(failed), Some("invalid digit found in string"));
    let attrs = attributes(failed);
    assert_eq!(attrs["error.type"], "core::num::error::ParseIntError");
    assert_eq!(attrs["error.message"], "invalid digit found in string");
    assert_eq!(attrs["error.stack"], "core::num::error::ParseIntError: invalid digit found in string");
}

const CONFIGURED_LINE: u32 = line!() + 1;
#[dd_span(
    name = "payments.charge",
    resource = "POST /charge",
    kind = "client",
    peer = "payment-service",
    span_type = "http",
    measured
)]
fn configured() {}

#[dd_span(kind = "server", resource = format!("GET /orders/{}", shard % 4))]
fn dynamic_resource(shard: u32) -> u32 {
    shard
}

#[dd_span(kind = "producer", peer = "orders-queue")]
fn publish() {}

#[dd_span(kind = "consumer", span_type = "queue")]
fn consume() {}

#[test]
fn arguments_set_name_resource_kind_peer_type_and_measured() {
    let ((), spans) = capture(configured);
    let span = named(&spans, "payments.charge");
    assert_eq!(kind(span), "client");
    let mut expected = base(
        "configured",
        "POST /charge",
        CONFIGURED_LINE,
        &[("peer.service", "payment-service"), ("span.type", "http"), ("_dd.measured", "1")],
    );
    expected.insert("operation.name".into(), "payments.charge".into());
    assert_eq!(attributes(span), expected);

    let (_, spans) = capture(|| (dynamic_resource(6), publish(), consume()));
    let server = named(&spans, "span_shapes.dynamic_resource");
    assert_eq!((kind(server), attributes(server)["resource.name"].as_str()), ("server", "GET /orders/2"));
    let producer = named(&spans, "span_shapes.publish");
    assert_eq!((kind(producer), attributes(producer)["peer.service"].as_str()), ("producer", "orders-queue"));
    let consumer = named(&spans, "span_shapes.consume");
    assert_eq!((kind(consumer), attributes(consumer)["span.type"].as_str()), ("consumer", "queue"));
}
