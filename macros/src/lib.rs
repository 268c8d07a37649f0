//! Procedural macros of [dd-instrument](https://docs.rs/dd-instrument).
//!
//! Do not depend on this crate: depend on `dd-instrument`, which re-exports every macro here
//! and holds the items their expansions call. The examples below are this crate's doctests and
//! use the macros through `dd-instrument`, as users do.

#![forbid(unsafe_code)]

mod attr;
mod checks;
mod derive;
mod expand;
mod grammar;
mod tokens;
mod validate;

#[cfg(test)]
mod documented;
#[cfg(test)]
mod snapshots;

use proc_macro::TokenStream;

use crate::attr::Macro;

/// Traces every call of a function as a Datadog span.
///
/// The span is a `tracing` span at level `INFO`, so it nests with the application's own spans
/// and logs. When the call ends it records the outcome: an `Err` (or a panic) sets the span's
/// status to error with Datadog's `error.type`, `error.message` and `error.stack`.
///
/// ```
/// use dd_instrument::dd_span;
/// # #[derive(Debug)] struct PayError;
/// # impl std::fmt::Display for PayError {
/// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("declined") }
/// # }
/// # impl std::error::Error for PayError {}
///
/// #[dd_span]
/// async fn charge(order_id: u64) -> Result<u64, PayError> {
///     if order_id == 0 { Err(PayError) } else { Ok(order_id * 100) }
/// }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// #     assert_eq!(charge(3).await.unwrap(), 300);
/// # });
/// ```
///
/// Works on free functions and methods, sync and `async`, generic or not, and on methods of
/// an `#[async_trait]` impl. It stacks with [`macro@dd_timed`] and [`macro@dd_slo`] in any order;
/// together they share one wrapper and one clock reading.
///
/// # Defaults
///
/// | Datadog field | default |
/// |---|---|
/// | operation name | module path and function name, normalized: `shop::payments::charge` -> `shop.payments.charge` |
/// | resource | the function name (`charge`), or `Type::method` for a method |
/// | span kind | `internal` |
///
/// Every span also carries `code.function.name`, `code.file.path`, `code.line.number` and
/// `code.module.name`.
///
/// # `name = ".."`
///
/// The operation name: lowercase letters, digits, `_` and `.`, starting with a letter, at most
/// 100 characters. Checked at compile time.
///
/// ```
/// # use dd_instrument::dd_span;
/// #[dd_span(name = "payments.charge")]
/// fn charge() {}
/// # charge();
/// ```
///
/// # `resource = ".."` or `resource = <expression>`
///
/// The resource: a literal, or an expression evaluated when the call starts, before the body
/// runs (it may borrow the arguments). Its type must implement `Display`.
///
/// ```
/// # use dd_instrument::dd_span;
/// # struct Request { route: &'static str }
/// # impl Request { fn route(&self) -> &str { self.route } }
/// #[dd_span(resource = "POST /charge")]
/// fn charge() {}
///
/// #[dd_span(kind = "server", resource = request.route())]
/// fn handle(request: &Request) {}
/// # charge();
/// # handle(&Request { route: "GET /cart" });
/// ```
///
/// # `kind = ".."`
///
/// `server`, `client`, `producer`, `consumer` or `internal` (the default). Datadog derives
/// the span type and trace metrics from it.
///
/// # `peer = ".."`
///
/// The service the span calls (`peer.service`). Only with `kind = "client"` or `"producer"`.
///
/// ```
/// # use dd_instrument::dd_span;
/// # struct Card;
/// #[dd_span(kind = "client", peer = "payments-gateway")]
/// async fn authorize(card: &Card) -> Result<u64, std::io::Error> {
///     # let _ = card;
///     Ok(42)
/// }
/// ```
///
/// # `span_type = ".."`
///
/// Datadog's span type (`web`, `http`, `sql`, `cache`, `custom`, ...).
///
/// # `measured`
///
/// Sets `_dd.measured`, so Datadog computes trace metrics (hits, errors, latency) for this span
/// even when it is not a service entry span.
///
/// # `tags(..)`
///
/// Span attributes. Keys are identifiers joined by dots or string literals; values are
/// literals (kept as strings, integers, floats or booleans) or expressions evaluated once when
/// the call starts, before the body runs (they may borrow the arguments). Expression values keep
/// their type when they are strings, integers, floats or booleans; any other type must implement
/// `Display`, which records it as text (for a type that is only `Debug`, write
/// `format!("{value:?}")`). `..expr` adds every tag of a [`DdTags`](derive@DdTags) value.
///
/// ```
/// # use dd_instrument::{dd_span, DdTags};
/// #[derive(DdTags)]
/// struct OrderTags<'a> { region: &'a str }
///
/// struct Order { priority: u8, region: String }
///
/// impl Order {
///     fn tags(&self) -> OrderTags<'_> { OrderTags { region: &self.region } }
/// }
///
/// #[dd_span(tags(team = "payments", order.priority = order.priority, ..order.tags()))]
/// fn charge(order: &Order) {}
/// # charge(&Order { priority: 1, region: "eu".into() });
/// ```
///
/// Keys follow Datadog's rules (a lowercase letter first, then `[a-z0-9_\-./]`); `env`,
/// `service`, `version`, `host`, `source` and `device` are reserved for unified service tagging.
///
/// Values that are always sensitive are wrapped: `key = redact(expr)` sends `[REDACTED]` (the
/// expression is evaluated, never formatted: it needs no `Display`), `key = hash(expr)` the keyed
/// hash of its `Display` text, as `#[dd_tag(hash)]` does. Every other value goes through the
/// process's redaction (card numbers, email addresses, credentials in URLs by default).
///
/// ```
/// # use dd_instrument::dd_span;
/// #[dd_span(tags(card = redact(card), user = hash(email)))]
/// fn pay(card: &[u8], email: &str) {}
/// # pay(b"4111111111111111", "alice@example.com");
/// ```
///
/// # `db(system = "..", name = .., statement = .., host = .., port = ..)`
///
/// A call to a database: the span is a `client` span (the default with `db`, and the only kind
/// it takes) with the attributes Datadog reads to show the database as an inferred service and
/// to group calls by query shape. `system` is required: OpenTelemetry's `db.system` name
/// (`postgresql`, `mysql`, `mssql`, `sqlite`, `redis`, `mongodb`, `cassandra`, ...), which sets
/// `span.type` (`sql`, `redis`, ...). `name` (`db.name`), `host` (`server.address`, `out.host`)
/// and `port` (`server.port`, `out.port`) are literals or expressions evaluated at each call.
/// `statement` is the statement as sent (a `&str`, evaluated at each call): it is obfuscated
/// (literals replaced by `?`, as Datadog's obfuscator does) before anything records it, and the
/// obfuscated form becomes the resource and `db.statement`; `db.operation` is its first keyword.
/// Without a statement the resource is the function's. `db` takes no `resource` or
/// `span_type`; name the database's own service with `peer`.
///
/// ```
/// # use dd_instrument::dd_span;
/// const FIND: &str = "SELECT * FROM orders WHERE id = $1";
///
/// #[dd_span(db(system = "postgresql", name = "shop", statement = FIND, host = "db.internal", port = 5432))]
/// fn find_order(id: u64) {}
///
/// #[dd_span(peer = "sessions", db(system = "redis", statement = command))]
/// fn cache(command: &str) {}
/// # find_order(1);
/// # cache("GET k");
/// ```
///
/// # `crate = path`
///
/// The path of the `dd_instrument` crate, for crates that re-export it under another name
/// (`crate = "path"` works too). When attributes are stacked, giving it on one is enough.
///
/// ```
/// use dd_instrument as observability;
///
/// #[observability::dd_span(crate = observability)]
/// fn charge() {}
/// # charge();
/// ```
///
/// # What it expands to
///
/// The function keeps its signature. Its body starts with `const`s for the operation name and
/// function path; each call then evaluates the `resource` and `tags` expressions (once each),
/// creates the span with `tracing::span!`, starts a call, and runs the original body in a
/// closure (sync) or an `async move` block (`async fn`) that records the outcome when it ends.
/// A panic is recorded and resumed; an `async` call dropped before completing records
/// `cancelled`.
///
/// For an `#[async_trait]` method (or any function whose last expression is an `async` block,
/// possibly in `Box::pin`), the returned future is instrumented, and the call starts when the
/// function is called. `async_trait` renames arguments bound by patterns (`(a, b): (u32, u32)`),
/// so `tags` and `resource` expressions of such methods can only use `self` and plain
/// arguments.
#[proc_macro_attribute]
pub fn dd_span(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Macro::Span, args.into(), item.into()).into()
}

/// Measures the latency of every call as a Datadog distribution, tagged by outcome.
///
/// The metric is named `<operation name>.duration` (`shop.payments.charge.duration`) and tagged
/// `outcome:ok`, `outcome:error`, `outcome:panic` or `outcome:cancelled`, plus the unified
/// service tags and the tags given here. While no metrics exporter runs, calls skip metrics
/// entirely, clock read included.
///
/// ```
/// use dd_instrument::dd_timed;
///
/// #[dd_timed]
/// fn charge(order_id: u64) -> Result<(), String> {
///     if order_id == 0 { Err("no order".into()) } else { Ok(()) }
/// }
/// # charge(1).unwrap();
/// ```
///
/// # `name = ".."`
///
/// The metric name: a letter first, then ASCII letters, digits, `_` and `.`, at most 200
/// characters. Checked at compile time.
///
/// ```
/// # use dd_instrument::dd_timed;
/// #[dd_timed(name = "checkout.charge.latency")]
/// fn charge() {}
/// # charge();
/// ```
///
/// # `tags(..)`
///
/// Metric tags, with the syntax of [`macro@dd_span`]'s `tags(..)`. Literal values are
/// normalized at compile time by Datadog's tag rules (`region = "EU West"` becomes
/// `region:eu_west`); expressions (which must implement `Display`) and `..spread` values are
/// evaluated at each call, and each distinct tag set is counted apart, up to a cap per function.
/// Never tag metrics with unbounded values such as user ids: each tag set is a custom metric.
/// `redact(expr)` is a static tag (`key:_redacted`); `hash(expr)` is a compile error here, since
/// each hashed value would be a series of its own: hash on the span instead.
///
/// ```
/// # use dd_instrument::dd_timed;
/// # struct Order;
/// # impl Order { fn region(&self) -> &str { "eu-west" } }
/// #[dd_timed(tags(team = "payments", region = order.region()))]
/// fn charge(order: &Order) {}
/// # charge(&Order);
/// ```
///
/// # `crate = path`
///
/// As for [`macro@dd_span`].
///
/// # What it expands to
///
/// A `static` call site in the function holding lock-free counters and histograms per outcome,
/// and the same single wrapper as [`macro@dd_span`] (shared when both are present).
#[proc_macro_attribute]
pub fn dd_timed(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Macro::Timed, args.into(), item.into()).into()
}

/// Declares a service level objective on a function and counts its good and total events.
///
/// Every call counts in `slo.requests.total`; calls that return normally (`Ok` or a value that
/// is not a `Result`) also count in `slo.requests.success`, and with `latency_ms` those within
/// the threshold count in `slo.requests.fast`. All are tagged `slo:<name>`. The declaration is
/// registered at link time: `dd_instrument::slo::all()` lists every SLO of the program with its
/// Datadog queries.
///
/// ```
/// use dd_instrument::dd_slo;
///
/// #[dd_slo(name = "checkout-payment", target = 99.9, latency_ms = 500)]
/// async fn charge(order_id: u64) -> Result<(), std::io::Error> {
///     # let _ = order_id;
///     Ok(())
/// }
///
/// let slo = dd_instrument::slo::find("checkout-payment").expect("registered at link time");
/// assert_eq!(slo.good_events_query(), "sum:slo.requests.fast{slo:checkout-payment}.as_count()");
/// ```
///
/// # `name = ".."` (required)
///
/// The SLO's name, the value of its `slo:` tag: lowercase letters, digits, `_`, `-`, `:`, `.`
/// and `/`.
///
/// # `target = <number>` (required)
///
/// The objective in percent, at least 1 and below 100, with at most three decimals (what Datadog
/// keeps): `target = 99.9`, `target = 99.995`. A fraction is an error that suggests the
/// percentage: `target = 0.999` asks "did you mean `target = 99.9`?".
///
/// # `latency_ms = <integer>`
///
/// A latency threshold in milliseconds: a call is good only if it succeeds within it.
///
/// # `timeframe = ".."`
///
/// The window the SLO is evaluated over in Datadog: `"7d"`, `"30d"` (the default) or `"90d"`.
/// Generated SLOs (`dd_instrument::definitions`) get 7d and 30d thresholds, plus 90d with
/// `timeframe = "90d"`, and burn-rate alerts over this window.
///
/// # `warning = <number>`
///
/// A warning level in percent, above the target and below 100: the SLO shows a warning once it
/// is met by less than this margin. Default in generated SLOs: half way between the target and
/// 100 (`99.95` for `target = 99.9`).
///
/// # `description = ".."`
///
/// What the objective promises, in words, at the top of the generated SLO's description.
///
/// ```
/// # use dd_instrument::dd_slo;
/// #[dd_slo(
///     name = "checkout",
///     target = 99.9,
///     timeframe = "90d",
///     warning = 99.95,
///     description = "Orders are confirmed within a second.",
/// )]
/// fn checkout() {}
/// # checkout();
/// ```
///
/// # `tags(..)`
///
/// Tags of the SLO's counters, with the syntax of [`macro@dd_span`]'s `tags(..)`.
///
/// # `crate = path`
///
/// As for [`macro@dd_span`].
///
/// # What it expands to
///
/// A `static` SLO definition registered with `inventory`, a `static` call site with its
/// counters, and the same single wrapper as [`macro@dd_span`] (shared when stacked). Each of the
/// three attributes also registers the function in `dd_instrument::definitions::functions()`.
#[proc_macro_attribute]
pub fn dd_slo(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Macro::Slo, args.into(), item.into()).into()
}

/// Implements `DdTags` for a struct with named fields: one tag per field.
///
/// The key is the field name; the value keeps its type on spans (strings, integers, floats,
/// booleans) and goes through `Display` otherwise: a field's type must implement `Display`. An
/// `Option` field is a tag only when `Some`. A field whose type names a type parameter adds a
/// `Display` bound to the impl (`struct Labelled<T> { label: T }` has tags when `T: Display`). A
/// struct without fields (`struct NoTags;`) has no tags.
///
/// ```
/// use dd_instrument::DdTags;
///
/// #[derive(DdTags)]
/// struct OrderTags<'a> {
///     region: &'a str,
///     #[dd_tag(rename = "order.priority")]
///     priority: u8,
///     #[dd_tag(skip)]
///     customer_email: &'a str,
///     coupon: Option<&'a str>,
/// }
///
/// let tags = OrderTags { region: "EU West", priority: 2, customer_email: "a@b.c", coupon: Some("X10") };
/// assert_eq!(tags.dd_tags(), ["region:eu_west", "order.priority:2", "coupon:x10"]);
/// ```
///
/// # Field attributes
///
/// - `#[dd_tag(rename = "..")]`: another key, checked by Datadog's rules at compile time.
/// - `#[dd_tag(skip)]`: not a tag.
/// - `#[dd_tag(redact)]`: always sensitive: the tag is sent as `[REDACTED]` (the value is never
///   read, so its type needs no `Display`), for a field that must be visible as present.
/// - `#[dd_tag(hash)]`: sent as a keyed hash of the value (16 hex digits, the same for the same
///   value and key, so spans and logs still join on it; on metrics it is one series per value,
///   so spread such a struct into span tags only); the key is
///   `DD_INSTRUMENT_REDACT_HASH_KEY` or `Redaction::hash_key` (builder: `.redaction(..)`). Without a key the tag is
///   `[REDACTED:hash]`, never an unkeyed hash, which could be reversed by hashing candidates.
///
/// # Container attribute
///
/// - `#[dd_tags(crate = path)]`: the path of the `dd_instrument` crate when renamed.
#[proc_macro_derive(DdTags, attributes(dd_tag, dd_tags))]
pub fn derive_dd_tags(item: TokenStream) -> TokenStream {
    derive::tags::derive(item.into()).into()
}

/// Implements `DdError`: Datadog's `error.type` becomes the type and variant path.
///
/// For an enum, `error_type()` is `module::path::Enum::Variant`; for a struct,
/// `module::path::Struct`. When an annotated function returns `Err` of the type, its span records
/// the error through its `std::error::Error` impl (`Display` for `error.message`, `source()` for
/// `error.stack`) and takes `error.type` from `DdError`. So the type must implement `Error`, with
/// `Debug` and `Display`: without it, the derive fails to compile, at the type's name, and says
/// which impls to write.
///
/// ```
/// use std::fmt;
///
/// use dd_instrument::{DdError, dd_span};
///
/// #[derive(Debug, DdError)]
/// enum PayError {
///     Declined,
///     Gateway { status: u16 },
/// }
///
/// impl fmt::Display for PayError {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         match self {
///             Self::Declined => f.write_str("card declined"),
///             Self::Gateway { status } => write!(f, "payment gateway answered {status}"),
///         }
///     }
/// }
///
/// impl std::error::Error for PayError {}
///
/// // `Err(PayError::Declined)` gives the span `error.type = "<module>::PayError::Declined"`.
/// #[dd_span]
/// fn charge(cents: u32) -> Result<u32, PayError> {
///     if cents == 0 { Err(PayError::Declined) } else { Ok(cents) }
/// }
///
/// assert!(charge(0).is_err());
/// assert!(PayError::Gateway { status: 502 }.error_type().ends_with("::PayError::Gateway"));
/// ```
///
/// `thiserror::Error` derives the `Display` and `Error` impls as well. A generic type implements
/// `DdError` where it implements `Error`: `impl<E> DdError for Wrapped<E> where Wrapped<E>:
/// Error`.
///
/// `#[dd_error(crate = path)]` gives the path of the `dd_instrument` crate when renamed.
#[proc_macro_derive(DdError, attributes(dd_error))]
pub fn derive_dd_error(item: TokenStream) -> TokenStream {
    derive::error::derive(item.into()).into()
}
