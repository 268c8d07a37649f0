//! The per-call path: everything the expansion of an annotated function runs, on each call or
//! at compile time. Expansions reach it only through [`crate::__private`]; nothing here is
//! public API.
//!
//! One call, in order:
//!
//! 0. [`active`](call::active) decides from one or two relaxed loads of statics whether
//!    anything records the call; if not, the body runs plainly and nothing below happens.
//! 1. At compile time, [`name`] builds the operation and timer names as constants, and the
//!    expansion declares a `static` [`CallSite`](site::CallSite) (with `#[dd_timed]` or
//!    `#[dd_slo]`): the call's counters and [`histogram`]s, sharded by thread.
//! 2. The span, with `tracing::span!` and field values made typed by the probes of
//!    [`span_field`] (resource, tags) and [`tag_probe`] (`DdTags` fields).
//! 3. [`Call::start`](call::Call::start) decides where the metrics go, from one atomic load
//!    (the site mode): nowhere, the site's cells (an exporter runs), or the thread's
//!    [`capture`] (a `testing` capture is open); then it reads the [`clock`] (the CPU's
//!    counter where the kernel trusts it, else the OS monotonic clock).
//! 4. The body runs in [`Call::run_sync`](call::Call::run_sync) or the
//!    [`Instrumented`](call::Instrumented) future; [`outcome`] classifies the returned value.
//! 5. [`Call`](call::Call) ends: one clock reading, the error on the span, the span closed, the
//!    latency and the SLO count (one of fast, slow or bad) added to relaxed atomics in the
//!    thread's shard ([`site::record`]): two atomic adds per call.
//!
//! The background ([`metrics`](crate::metrics)) drains the sites; nothing on this path
//! allocates, locks or makes a system call, except the first call of a site (it joins the list
//! of sites) and the first calls with a run-time metric tag set ([`run_tags`]: later ones find
//! their context in a per-thread cache).

pub(crate) mod call;
pub(crate) mod capture;
pub(crate) mod clock;
pub(crate) mod histogram;
pub(crate) mod name;
pub(crate) mod outcome;
pub(crate) mod run_tags;
pub(crate) mod site;
pub(crate) mod span_field;
pub(crate) mod tag_probe;
