//! Native export to the Datadog trace Agent through Datadog's own SDK, `datadog-opentelemetry`.
//!
//! The SDK converts spans in process with a port of the Agent's own mapping, samples with
//! Datadog's sampler (Agent rates, `DD_TRACE_SAMPLING_RULES`, rate limit), computes trace stats
//! and sends msgpack to the Agent on port 8126 or its Unix socket. The configuration resolved by
//! `init` (service, env, version, tags, Agent URL, sample rate) is handed over explicitly, so the
//! same values reach every signal whichever path traces take.

use datadog_opentelemetry::configuration::Config;
use opentelemetry_sdk::trace::SdkTracerProvider;

use super::AddedProcessor;
use crate::config::{InitError, Resolved};

/// The tracer provider exporting natively, and Datadog's propagator that goes with its sampler
/// (it reads the sampling decisions the sampler records).
pub(crate) fn provider(config: &Resolved, added: Vec<AddedProcessor>) -> Result<super::Traces, InitError> {
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
    let mut tracing = datadog_opentelemetry::tracing().with_config(builder.build()).with_resource(super::resource(service));
    for processor in added {
        tracing = tracing.with_span_processor(processor);
    }
    let (provider, propagator) = tracing.init_local();
    Ok(super::Traces { provider: Some(provider), propagator: Some(Box::new(propagator)) })
}
