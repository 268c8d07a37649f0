//! User code run for telemetry (an error's `Display`, a tag value's `Display`, a
//! [`DdTags`](crate::DdTags) implementation, a resource expression's `Display`) must not change
//! what the instrumented function does: a panic in it is caught here, replaced by a placeholder,
//! counted and reported.

use std::fmt::{self, Write as _};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Placeholder for text whose `Display` (or `Debug`) panicked.
pub(crate) const PANICKED: &str = "<Display panicked>";

/// How many times user code run for telemetry panicked, since the process started.
static PANICS: AtomicU64 = AtomicU64::new(0);

/// How many times user code run for telemetry (an error's or a tag value's `Display`, a
/// `DdTags` implementation) panicked, since the process started. Each panic was caught: the
/// instrumented function returned what it returned, and the telemetry got a placeholder
/// (`<Display panicked>`) instead of the text.
#[cfg_attr(not(test), allow(dead_code, reason = "read by tests; reported by the WARN"))]
pub(crate) fn telemetry_panics() -> u64 {
    PANICS.load(Relaxed)
}

/// Runs `f`, user code run for telemetry; `None` when it panicked.
#[inline]
pub(crate) fn contained<T>(what: &'static str, f: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Some(value),
        Err(payload) => {
            // A payload may panic again when dropped.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            report(what);
            None
        }
    }
}

/// `value` as text, or [`PANICKED`] when its `Display` panicked.
pub(crate) fn display(value: &(impl fmt::Display + ?Sized)) -> String {
    let mut text = String::new();
    if contained("a `Display` implementation", || write!(text, "{value}")).is_none() {
        return PANICKED.to_owned();
    }
    text
}

/// Counts one panic and warns on the 1st, 2nd, 4th, 8th, ... : a steady stream of panics logs
/// a few lines, not one per call.
#[cold]
fn report(what: &'static str) {
    let count = PANICS.fetch_add(1, Relaxed) + 1;
    if count.is_power_of_two() {
        tracing::warn!(
            target: "dd_instrument",
            "dd-instrument: {what} run for telemetry panicked ({count} time(s) so far); the telemetry got \
             `{PANICKED}` and the instrumented function's outcome is unchanged"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Panics;
    impl fmt::Display for Panics {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            panic!("Display of a user type")
        }
    }

    #[test]
    fn panics_become_placeholders_and_count() {
        let before = telemetry_panics();
        assert_eq!(display(&Panics), PANICKED);
        assert_eq!(display(&42), "42");
        assert_eq!(contained("x", || 7), Some(7));
        assert!(telemetry_panics() > before);
    }
}
