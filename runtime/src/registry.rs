//! What the program's annotations declare, collected at link time.
//!
//! Every `#[dd_slo]` submits an [`SloEntry`] through `inventory`; [`all`] and [`find`] (public
//! as `dd_instrument::slo::all` and `find`) read them back. Anything generated from the annotated code (SLOs, monitors or dashboards as
//! code) starts from this registry: a new kind of declaration is a new entry type here, submitted
//! by the expansions next to the SLO's.

use crate::slo::Slo;

/// One `#[dd_slo]` of the program.
#[doc(hidden)]
#[derive(Debug)]
pub struct SloEntry(pub &'static Slo);

inventory::collect!(SloEntry);

/// Every SLO declared in the program, in no particular order.
pub fn all() -> impl Iterator<Item = &'static Slo> {
    inventory::iter::<SloEntry>.into_iter().map(|entry| entry.0)
}

/// The SLO named `name`, if one is declared.
pub fn find(name: &str) -> Option<&'static Slo> {
    all().find(|slo| slo.name() == name)
}
