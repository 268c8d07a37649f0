//! What the program's annotations declare, collected at link time.
//!
//! Every `#[dd_slo]` submits an [`SloEntry`] through `inventory`; [`slo::all`](crate::slo::all)
//! reads them back. Anything generated from the annotated code (SLOs, monitors or dashboards as
//! code) starts from this registry: a new kind of declaration is a new entry type here, submitted
//! by the expansions next to the SLO's.

use crate::slo::Slo;

/// One `#[dd_slo]` of the program.
#[doc(hidden)]
#[derive(Debug)]
pub struct SloEntry(pub &'static Slo);

inventory::collect!(SloEntry);

/// Every registered SLO, in no particular order.
pub(crate) fn slos() -> impl Iterator<Item = &'static Slo> {
    inventory::iter::<SloEntry>.into_iter().map(|entry| entry.0)
}
