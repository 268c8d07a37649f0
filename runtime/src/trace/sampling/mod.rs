//! Trace sampling for the OTLP path: Datadog sampling rules, rate limit and sample rate.
//!
//! [`DatadogSampler`] decides at the root of a trace, as Datadog's tracers do, and every other
//! span follows its parent:
//!
//! 1. The first [`SamplingRule`](crate::SamplingRule) (`DD_TRACE_SAMPLING_RULES`) that matches the root span decides;
//!    else `DD_TRACE_SAMPLE_RATE`, when set, acts as a last rule that matches everything.
//!    Datadog's own Rust SDK appends the sample rate as that catch-all rule
//!    (`datadog-opentelemetry` `Config::effective_initial_rules`), and dd-trace-go records it with
//!    the rule mechanism too (`traceRulesSampler::sampleGlobalRate`).
//! 2. A rule keeps a trace when the low 64 bits of its id, times 1111111111111111111 (wrapping),
//!    are at most `sample_rate * 2^64`: the decision depends on the trace id only, so every
//!    Datadog tracer seeing the same id with the same rate agrees (libdd-sampling `RateSampler`).
//! 3. A trace a rule keeps then passes the rate limiter (`DD_TRACE_RATE_LIMIT` traces per second,
//!    default 100); over the limit it is rejected. Kept: priority 2 (user keep); rejected: -1
//!    (user reject); mechanism `_dd.p.dm=-3` (sampling rule) either way.
//! 4. No rule matches and no sample rate: the trace is kept with priority 1 (auto keep) and
//!    mechanism `-0` (default). On the OTLP path there are no Agent rates to apply.
//!
//! The decision goes into the `dd=` member of the span's `tracestate` (`trace::dd_state`), so children
//! and propagators carry it. The OTLP path never exports dropped spans: rejected roots return
//! `SamplingDecision::Drop`. For the Agent, kept spans of a user-kept trace carry the numeric
//! attribute `sampling.priority`: the Agent's OTLP receiver takes it as the trace chunk's priority
//! (datadog-agent `pkg/trace/api/otlp.go`, `createChunks`), where a chunk without it goes through
//! the Agent's own probabilistic sampler. The receiver overwrites `_dd.p.dm` on every chunk (`-4`
//! with a priority, `-9` without), so the mechanism is not sent as an attribute; it travels in
//! `tracestate`, which the Agent records as `w3c.tracestate`.

//!
//! With keep-errors, keep-slow or span sampling rules configured, the spans of dropped traces
//! are recorded and decided again when their local trace ends: [`tail`].
//!
//! Files: [`rule`] (what a rule matches on the root span), [`glob`] (Datadog's globs),
//! [`limiter`] (the rate limiter), [`sampler`] (the decision and what it writes). The rules'
//! type and their JSON syntax are configuration: `config::sampling_rule`.

mod glob;
mod limiter;
mod rule;
mod sampler;
mod tail;

pub(crate) use sampler::DatadogSampler;
pub(crate) use tail::TailProcessor;
