//! The link-time registry of annotated functions.
//!
//! Every function with `#[dd_span]`, `#[dd_timed]` or `#[dd_slo]` submits one [`FunctionDef`]
//! with what is known about it at compile time. Nothing here runs per call: the entries are
//! statics, collected by `inventory` when the program starts.

use crate::slo::Slo;

/// One annotated function, as its attributes declare it.
#[derive(Debug)]
pub struct FunctionDef {
    function: &'static str,
    operation: &'static str,
    span: Option<SpanDef>,
    timer: Option<TimerDef>,
    slo: Option<&'static Slo>,
}

impl FunctionDef {
    #[doc(hidden)]
    pub const fn __new(
        function: &'static str,
        operation: &'static str,
        span: Option<SpanDef>,
        timer: Option<TimerDef>,
        slo: Option<&'static Slo>,
    ) -> Self {
        Self { function, operation, span, timer, slo }
    }

    /// The Rust path of the function: its module path and name, such as `shop::payments::charge`.
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// The operation name of its span and the prefix of its default metric name.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// What `#[dd_span]` declares, if the function has it.
    pub fn span(&self) -> Option<&SpanDef> {
        self.span.as_ref()
    }

    /// What `#[dd_timed]` declares, if the function has it.
    pub fn timer(&self) -> Option<&TimerDef> {
        self.timer.as_ref()
    }

    /// The SLO `#[dd_slo]` declares, if the function has it.
    pub fn slo(&self) -> Option<&'static Slo> {
        self.slo
    }
}

/// What `#[dd_span]` declares about a function's span.
#[derive(Debug)]
pub struct SpanDef {
    resource: Option<&'static str>,
    kind: &'static str,
    peer: Option<&'static str>,
    span_type: Option<&'static str>,
    measured: bool,
    tags: &'static [&'static str],
}

impl SpanDef {
    #[doc(hidden)]
    pub const fn __new(
        resource: Option<&'static str>,
        kind: &'static str,
        peer: Option<&'static str>,
        span_type: Option<&'static str>,
        measured: bool,
        tags: &'static [&'static str],
    ) -> Self {
        Self { resource, kind, peer, span_type, measured, tags }
    }

    /// The resource, when it is known at compile time: a literal, or the function name. `None`
    /// when it is computed per call (an expression, or `Type::method` for methods).
    pub fn resource(&self) -> Option<&'static str> {
        self.resource
    }

    /// The span kind: `server`, `client`, `producer`, `consumer` or `internal`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// `peer.service`, for client and producer spans that name it.
    pub fn peer(&self) -> Option<&'static str> {
        self.peer
    }

    /// Datadog's span type (`web`, `sql`, ...), when given.
    pub fn span_type(&self) -> Option<&'static str> {
        self.span_type
    }

    /// Whether the span is `measured` (`_dd.measured`: trace metrics for a non-top-level span).
    pub fn measured(&self) -> bool {
        self.measured
    }

    /// Literal tags as `key:value`; tags computed per call are not listed.
    pub fn tags(&self) -> &'static [&'static str] {
        self.tags
    }
}

/// What `#[dd_timed]` declares about a function's latency distribution.
#[derive(Debug)]
pub struct TimerDef {
    name: &'static str,
    tags: &'static [&'static str],
}

impl TimerDef {
    #[doc(hidden)]
    pub const fn __new(name: &'static str, tags: &'static [&'static str]) -> Self {
        Self { name, tags }
    }

    /// The distribution's metric name: `<operation>.duration` unless `name = ".."` says.
    pub fn metric(&self) -> &'static str {
        self.name
    }

    /// Literal tags as `key:value`, besides `outcome` and the unified service tags; tags computed
    /// per call are not listed.
    pub fn tags(&self) -> &'static [&'static str] {
        self.tags
    }
}

#[doc(hidden)]
#[derive(Debug)]
pub struct FunctionEntry(pub &'static FunctionDef);

inventory::collect!(FunctionEntry);

/// Every annotated function of the program, sorted by path (then operation), so that
/// everything generated from them comes out in the same order on every build.
pub fn functions() -> Vec<&'static FunctionDef> {
    let mut all: Vec<&'static FunctionDef> =
        inventory::iter::<FunctionEntry>.into_iter().map(|entry| entry.0).collect();
    all.sort_by(|a, b| {
        (a.function, a.operation, a.timer.as_ref().map(|t| t.name), a.slo.map(Slo::name)).cmp(&(
            b.function,
            b.operation,
            b.timer.as_ref().map(|t| t.name),
            b.slo.map(Slo::name),
        ))
    });
    all
}
