use dd_instrument as observability;
use dd_instrument as telemetry;

#[observability::dd_span(crate = observability)]
#[telemetry::dd_timed(crate = telemetry)]
fn charge() {}

fn main() {}
