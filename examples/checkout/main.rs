//! A checkout service: a server span per order, a database span (its statement obfuscated), a
//! client span to the payment service, a latency distribution, an SLO, tags from a struct, and an
//! error path.
//!
//! Without a Datadog Agent configured it prints traces and metrics to the console; with one
//! (`DD_AGENT_HOST`, `OTEL_EXPORTER_OTLP_ENDPOINT`, ...) it exports to it. See README.md.

use std::fmt;
use std::time::Duration;

use dd_instrument::{DdError, DdTags, MetricsExporter, TracesExporter, dd_slo, dd_span, dd_timed};

/// An order as the service receives it.
struct Order {
    id: u64,
    region: &'static str,
    tier: Tier,
    items: u32,
    card: &'static str,
}

#[derive(Clone, Copy)]
enum Tier {
    Free,
    Premium,
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Free => "free",
            Self::Premium => "premium",
        })
    }
}

/// What metrics are split by: bounded values only (never the order id).
#[derive(DdTags)]
struct OrderTags {
    region: &'static str,
    tier: Tier,
}

impl Order {
    fn tags(&self) -> OrderTags {
        OrderTags { region: self.region, tier: self.tier }
    }
}

#[derive(Debug, DdError)]
enum CheckoutError {
    OutOfStock,
    Payment(PayError),
}

#[derive(Debug, DdError)]
enum PayError {
    Declined,
}

impl fmt::Display for CheckoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfStock => f.write_str("an item is out of stock"),
            Self::Payment(_) => f.write_str("the payment failed"),
        }
    }
}

impl std::error::Error for CheckoutError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::OutOfStock => None,
            Self::Payment(e) => Some(e),
        }
    }
}

impl fmt::Display for PayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("card declined by the issuer")
    }
}

impl std::error::Error for PayError {}

/// Handles one order: the server span of the request.
#[dd_span(kind = "server", resource = "POST /checkout", tags(order.id = order.id, ..order.tags()))]
#[dd_timed(tags(..order.tags()))]
#[dd_slo(name = "checkout", target = 99.9, latency_ms = 250, description = "Orders are paid and confirmed quickly.")]
async fn checkout(order: &Order) -> Result<u64, CheckoutError> {
    reserve_stock(order.items).await?;
    let payment = charge(order.card, order.items * 1250).await.map_err(CheckoutError::Payment)?;
    tracing::info!(order = order.id, payment, "order paid");
    Ok(payment)
}

/// The statement of [`reserve_stock`], as the database client would send it.
const RESERVE_STOCK: &str = "UPDATE stock SET reserved = reserved + $1 WHERE warehouse = 'eu-1'";

/// A database call: `db(..)` makes it a client span of the `shop` database, which Datadog shows
/// as a service of its own; the statement, obfuscated (`... + ? WHERE warehouse = ?`), is the
/// resource, and none of its literals leaves the process.
#[dd_span(db(system = "postgresql", name = "shop", statement = RESERVE_STOCK, host = "db.internal", port = 5432))]
async fn reserve_stock(items: u32) -> Result<(), CheckoutError> {
    tokio::time::sleep(Duration::from_millis(3)).await;
    if items > 10 { Err(CheckoutError::OutOfStock) } else { Ok(()) }
}

/// A call to another service: `peer` names it in Datadog's service map.
#[dd_span(kind = "client", peer = "payment-service", resource = "POST /charge", tags(amount_cents = cents))]
#[dd_timed(name = "checkout.payment.latency")]
async fn charge(card: &str, cents: u32) -> Result<u64, PayError> {
    tokio::time::sleep(Duration::from_millis(8)).await;
    if card.ends_with("0002") { Err(PayError::Declined) } else { Ok(u64::from(cents) * 31 % 9973) }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = dd_instrument::builder()
        .service("checkout")
        .version(env!("CARGO_PKG_VERSION"))
        // On a machine without a Datadog Agent or collector configured, print to the console.
        .fallback_traces_exporter(TracesExporter::Console)
        .fallback_metrics_exporter(MetricsExporter::Console)
        .init()?;
    tracing::info!(traces = ?telemetry.traces_exporter(), metrics = ?telemetry.metrics_exporter(), "telemetry ready");

    let orders = [
        Order { id: 1001, region: "eu-west", tier: Tier::Premium, items: 2, card: "4000-0000-0000-0001" },
        Order { id: 1002, region: "us-east", tier: Tier::Free, items: 1, card: "4000-0000-0000-0002" },
        Order { id: 1003, region: "eu-west", tier: Tier::Free, items: 12, card: "4000-0000-0000-0001" },
        Order { id: 1004, region: "us-east", tier: Tier::Premium, items: 3, card: "4000-0000-0000-0001" },
    ];
    for order in &orders {
        match checkout(order).await {
            Ok(payment) => tracing::info!(order = order.id, payment, "checkout done"),
            Err(error) => tracing::warn!(order = order.id, %error, "checkout failed"),
        }
    }

    for slo in dd_instrument::slo::all() {
        tracing::info!(
            slo = slo.name(),
            target = slo.target(),
            good = %slo.good_events_query(),
            total = %slo.total_events_query(),
            "declared SLO"
        );
    }
    // Dropping the guard flushes every span and metric point before the process exits.
    drop(telemetry);
    Ok(())
}

/// The Datadog objects of this service (SLOs, monitors, dashboard, log pipeline and index),
/// generated from the annotated functions above and committed under `checkout/datadog/`.
/// Regenerate after changing an annotation: `DD_INSTRUMENT_DEFINITIONS=overwrite cargo test -p
/// dd-instrument-examples --bin checkout`.
#[cfg(test)]
fn datadog_definitions() -> dd_instrument::definitions::Definitions {
    dd_instrument::definitions()
        .service("checkout")
        .env("prod")
        .team("payments")
        .page("@pagerduty-checkout")
        .ticket("@slack-checkout-alerts")
        .runbook("https://wiki.example.com/runbooks/checkout")
        .build()
        .expect("valid settings")
}

#[test]
fn datadog_definitions_are_current() {
    datadog_definitions().check_or_write(concat!(env!("CARGO_MANIFEST_DIR"), "/checkout/datadog")).unwrap();
}
