//! Service level objectives declared with [`dd_slo`](crate::dd_slo).
//!
//! Every `#[dd_slo]` registers its definition at link time, so a program can list all of them,
//! for example to create the matching SLOs in Datadog from a deploy job:
//!
//! ```
//! for slo in dd_instrument::slo::all() {
//!     println!("{} >= {}%: {} / {}", slo.name(), slo.target(), slo.good_events_query(), slo.total_events_query());
//! }
//! ```
//!
//! Each SLO is counted by three DogStatsD counters (or OTLP sums), tagged `slo:<name>` plus the
//! unified service tags and the macro's tags:
//!
//! | metric | counts |
//! |---|---|
//! | [`TOTAL_METRIC`] | every call |
//! | [`SUCCESS_METRIC`] | calls that returned normally (`Ok` or a non-`Result` value) |
//! | [`FAST_METRIC`] | successful calls that took at most `latency_ms` (only with `latency_ms`) |
//!
//! They count every call: neither trace sampling nor anything else thins them out.

pub use crate::registry::{all, find};

/// Counter of every call of a function with an SLO.
pub const TOTAL_METRIC: &str = "slo.requests.total";
/// Counter of successful calls.
pub const SUCCESS_METRIC: &str = "slo.requests.success";
/// Counter of successful calls within the latency threshold.
pub const FAST_METRIC: &str = "slo.requests.fast";

/// The window an SLO is evaluated over: `#[dd_slo(timeframe = "..")]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Timeframe {
    /// `7d`: the last seven days.
    Days7,
    /// `30d`: the last thirty days (the default).
    Days30,
    /// `90d`: the last ninety days.
    Days90,
}

impl Timeframe {
    /// Datadog's name of the timeframe: `7d`, `30d` or `90d`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Days7 => "7d",
            Self::Days30 => "30d",
            Self::Days90 => "90d",
        }
    }
}

/// One service level objective, as declared by `#[dd_slo(..)]`.
#[derive(Debug)]
pub struct Slo {
    name: &'static str,
    target: f64,
    latency_ms: Option<u64>,
    operation: &'static str,
    function: &'static str,
    tags: &'static [&'static str],
    timeframe: Timeframe,
    warning: Option<f64>,
    description: Option<&'static str>,
}

impl Slo {
    #[doc(hidden)]
    pub const fn __new(
        name: &'static str,
        target: f64,
        latency_ms: Option<u64>,
        operation: &'static str,
        function: &'static str,
        tags: &'static [&'static str],
    ) -> Self {
        Self {
            name,
            target,
            latency_ms,
            operation,
            function,
            tags,
            timeframe: Timeframe::Days30,
            warning: None,
            description: None,
        }
    }

    #[doc(hidden)]
    #[must_use]
    pub const fn __objective(
        mut self,
        timeframe: Timeframe,
        warning: Option<f64>,
        description: Option<&'static str>,
    ) -> Self {
        self.timeframe = timeframe;
        self.warning = warning;
        self.description = description;
        self
    }

    /// The primary timeframe: `#[dd_slo(timeframe = "..")]`, `30d` by default.
    pub fn timeframe(&self) -> Timeframe {
        self.timeframe
    }

    /// The warning level in percent (above the target), when `#[dd_slo(warning = ..)]` gives one.
    pub fn warning(&self) -> Option<f64> {
        self.warning
    }

    /// What the objective promises, in the words of `#[dd_slo(description = "..")]`.
    pub fn description(&self) -> Option<&'static str> {
        self.description
    }

    /// The SLO's name, also the value of its `slo:` tag.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The objective, in percent: `99.9` means 99.9 % of calls are good.
    pub fn target(&self) -> f64 {
        self.target
    }

    /// The latency threshold in milliseconds, when the SLO has one.
    pub const fn latency_ms(&self) -> Option<u64> {
        self.latency_ms
    }

    /// The operation name of the annotated function.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The Rust path of the annotated function, such as `shop::payments::charge`.
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// Static tags of the SLO's counters, besides `slo:<name>`.
    pub fn tags(&self) -> &'static [&'static str] {
        self.tags
    }

    /// The metric that counts good events: [`FAST_METRIC`] with a latency threshold, else
    /// [`SUCCESS_METRIC`].
    pub fn good_metric(&self) -> &'static str {
        if self.latency_ms.is_some() { FAST_METRIC } else { SUCCESS_METRIC }
    }

    /// Datadog query for the good events of a metric-based SLO.
    pub fn good_events_query(&self) -> String {
        self.query(self.good_metric())
    }

    /// Datadog query for the total events of a metric-based SLO.
    pub fn total_events_query(&self) -> String {
        self.query(TOTAL_METRIC)
    }

    fn query(&self, metric: &str) -> String {
        format!("sum:{metric}{{slo:{}}}.as_count()", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::SloEntry;

    static CHECKOUT: Slo = Slo::__new("checkout", 99.9, Some(500), "shop.checkout", "shop::checkout", &[]);
    inventory::submit! { SloEntry(&CHECKOUT) }

    #[test]
    fn slos_register_at_link_time_with_their_queries() {
        let slo = find("checkout").expect("registered");
        assert_eq!((slo.target(), slo.latency_ms(), slo.operation()), (99.9, Some(500), "shop.checkout"));
        assert_eq!(slo.good_events_query(), "sum:slo.requests.fast{slo:checkout}.as_count()");
        assert_eq!(slo.total_events_query(), "sum:slo.requests.total{slo:checkout}.as_count()");
    }
}
