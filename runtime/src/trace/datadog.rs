//! Native export to the Datadog trace Agent through Datadog's own SDK, `datadog-opentelemetry`.
//!
//! The SDK converts spans in process with a port of the Agent's own mapping, samples with
//! Datadog's sampler (Agent rates, `DD_TRACE_SAMPLING_RULES`, rate limit), computes trace stats
//! and sends msgpack to the Agent on port 8126 or its Unix socket. The configuration resolved by
//! `init` (service, env, version, tags, Agent URL, sample rate) is handed over explicitly, so the
//! same values reach every signal whichever path traces take.
//!
//! Decisions after the head decision, here: span sampling rules apply (a processor before
//! Datadog's tags the spans they keep as the spans start, see `sampling::tail`); keep-errors and
//! keep-slow do not, because nothing outside Datadog's SDK can change a trace's priority after
//! its sampler decided. In `datadog-opentelemetry` 0.6 the sampler stores the decision in a
//! trace registry when the root starts (`sampler.rs`, `register_local_root_trace_propagation_data`),
//! which later calls only fill when no priority is set; the registry, its data type and the span
//! processor are private to the crate (`lib.rs`: `mod span_processor` outside `test-utils`), and
//! `make_tracer` installs its own sampler after ours. When the last span of a chunk ends, its
//! span processor appends `_sampling_priority_v1` and `_dd.p.dm` from that registry to every span
//! (`add_trace_propagation_data`), after any attribute of ours, and its mapping lets the last
//! value win; and a span processor cannot change what another sees of an ended span (each gets
//! its own copy).

use datadog_opentelemetry::configuration::{Config, SamplingRuleConfig, TracePropagationStyle};

use super::AddedProcessor;
use super::sampling::TailProcessor;
use crate::config::PropagationStyle;
use crate::config::Resolved;

/// The tracer provider exporting natively, and Datadog's propagator that goes with its sampler
/// (it reads the sampling decisions the sampler records).
pub(crate) fn provider(config: &Resolved, added: Vec<AddedProcessor>) -> super::Traces {
    if config.keep.errors || config.keep.slow.is_some() {
        tracing::warn!(
            target: "dd_instrument",
            "keep-errors and keep-slow apply to OTLP and console export only: Datadog's SDK fixes a trace's sampling \
             priority when its root starts. With native export the error traces of dropped ones still reach the \
             Agent, whose error sampler keeps some (DD_APM_ERROR_TPS); slow ones are not kept"
        );
    }
    let mut builder = Config::builder();
    let service = &config.service;
    builder.set_service(service.service.clone());
    if let Some(env) = &service.env {
        builder.set_env(env.clone());
    }
    if let Some(version) = &service.version {
        builder.set_version(version.clone());
    }
    builder.set_global_tags(
        service
            .tags
            .iter()
            .map(|tag| {
                let (key, value) = tag.split_once(':').unwrap_or((tag, ""));
                (key.to_owned(), value.to_owned())
            })
            .collect(),
    );
    if let Some(url) = &config.trace_agent_url {
        builder.set_trace_agent_url(url.clone());
    }
    if let Some(rate) = config.sample_rate {
        builder.set_trace_sample_rate(rate);
    }
    builder.set_trace_sampling_rules(config.sampling_rules.iter().map(rule_config).collect());
    // Datadog's SDK counts whole traces per second.
    #[allow(clippy::cast_possible_truncation, reason = "a rate limit, clamped to i32")]
    builder.set_trace_rate_limit(config.rate_limit.min(f64::from(i32::MAX)).round() as i32);
    builder.set_trace_propagation_style_extract(config.propagation_extract.iter().map(|s| style(*s)).collect());
    builder.set_trace_propagation_style_inject(config.propagation_inject.iter().map(|s| style(*s)).collect());
    let built = builder.build();
    // Runtime metrics and profiles carry the runtime id the SDK puts on spans.
    #[cfg(any(feature = "runtime-metrics", feature = "profiling"))]
    crate::runtime_id::adopt(built.runtime_id());
    let mut tracing = datadog_opentelemetry::tracing().with_config(built).with_resource(service.otel_resource());
    // Span sampling rules tag spans as they start; Datadog's span processor, added after these,
    // sends the tagged spans of dropped traces on their own.
    if let Some(rules) = TailProcessor::native_span_rules(&config.keep, service.service.clone()) {
        tracing = tracing.with_span_processor(rules);
    }
    for processor in added {
        tracing = tracing.with_span_processor(processor);
    }
    let (provider, propagator) = tracing.init_local();
    super::Traces { provider: Some(provider), propagator: Some(Box::new(propagator)) }
}

fn rule_config(rule: &crate::SamplingRule) -> SamplingRuleConfig {
    SamplingRuleConfig {
        sample_rate: rule.sample_rate,
        service: rule.service.clone(),
        name: rule.name.clone(),
        resource: rule.resource.clone(),
        tags: rule.tags.iter().cloned().collect(),
    }
}

fn style(style: PropagationStyle) -> TracePropagationStyle {
    match style {
        PropagationStyle::Datadog => TracePropagationStyle::Datadog,
        PropagationStyle::TraceContext => TracePropagationStyle::TraceContext,
        PropagationStyle::Baggage => TracePropagationStyle::Baggage,
        PropagationStyle::None => TracePropagationStyle::None,
    }
}
