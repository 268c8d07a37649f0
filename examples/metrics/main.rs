//! A warehouse worker's own metrics next to its annotated functions: `dd_instrument::metrics`
//! handles (counter, up-down counter, gauge, distribution, set), an OpenTelemetry instrument from
//! the global meter, a deploy event, a service check, and runtime metrics, all with the same
//! unified service tags.
//!
//! ```sh
//! # To a local Datadog Agent (DogStatsD on udp://localhost:8125):
//! DD_SERVICE=inventory DD_ENV=dev cargo run -p dd-instrument-examples --bin metrics
//! # Without an Agent, printed on stderr:
//! OTEL_METRICS_EXPORTER=console OTEL_TRACES_EXPORTER=console cargo run -p dd-instrument-examples --bin metrics
//! ```

use dd_instrument::dd_timed;
use dd_instrument::metrics::{
    AlertType, Counter, Distribution, Event, Gauge, ServiceCheck, Set, Status, UpDownCounter,
};
use opentelemetry::KeyValue;

static RESTOCKED: Counter = Counter::new("inventory.restocked").with_tags(&["team:warehouse"]);
static PICKERS: UpDownCounter = UpDownCounter::new("inventory.pickers.active");
static BACKLOG: Gauge = Gauge::new("inventory.backlog");
static PICK_SIZE: Distribution = Distribution::new("inventory.pick.items");
static SKUS: Set = Set::new("inventory.skus.touched");

/// One pick list, timed per warehouse (`inventory.pick` distribution, `warehouse` tag).
#[dd_timed(name = "inventory.pick", tags(warehouse = warehouse))]
fn pick(warehouse: &str, sku: &str, items: u32) -> u32 {
    PICKERS.add(1);
    PICK_SIZE.record(f64::from(items));
    SKUS.insert(sku);
    PICKERS.add(-1);
    items
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = dd_instrument::builder().runtime_metrics(true).init()?;

    Event::new("Deployed inventory", "Rolled out to the eu-west warehouse.")
        .alert_type(AlertType::Success)
        .aggregation_key("deploy-inventory")
        .send()?;

    // A library instrumented with OpenTelemetry reports through the same pipeline.
    let reservations = opentelemetry::global::meter("inventory").u64_counter("inventory.reservations").build();

    let orders = [("eu-west", "mug", 2), ("eu-west", "kettle", 1), ("us-east", "mug", 5), ("eu-west", "mug", 3)];
    for (warehouse, sku, items) in orders {
        pick(warehouse, sku, items);
        reservations.add(u64::from(items), &[KeyValue::new("warehouse", warehouse)]);
    }
    RESTOCKED.add_with(12, &[("sku", "mug")]);
    BACKLOG.set(4.0);

    ServiceCheck::new("inventory.database.can_connect", Status::Ok).message("db-1:5432 answered").send()?;
    // Dropping the guard sends what is left, within the shutdown deadline.
    drop(telemetry);
    Ok(())
}
