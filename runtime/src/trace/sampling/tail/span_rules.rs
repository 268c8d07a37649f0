//! Span sampling rules (`DD_SPAN_SAMPLING_RULES`), decided the same way on both export paths.
//!
//! - OTLP and console: [`TailProcessor`](super::TailProcessor) offers the spans of a dropped
//!   local trace to the rules once its local root ended and no keep rule kept it whole.
//! - Native (Datadog's SDK): [`SpanRulesAtStart`] tags the spans of dropped traces when they
//!   start. OpenTelemetry hands span processors a mutable span only in `on_start`
//!   (`on_end` gets each processor its own copy), and Datadog's span processor reads the tags
//!   from its copy when the chunk is sent: with client-side stats Datadog's exporter keeps the
//!   spans tagged `_dd.span_sampling.mechanism = 8` out of a dropped chunk and drops the rest
//!   (libdd-trace-utils `drop_chunks`); without, the Agent's single span sampler does the same.

use opentelemetry::trace::{Span as _, SpanId};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use super::super::glob::glob_match;
use super::super::limiter::RateLimiter;
use super::super::sampler::keeps_id;
use crate::SpanSamplingRule;

/// `_dd.span_sampling.mechanism` of a span kept by a span sampling rule.
const SPAN_SAMPLING_MECHANISM: i64 = 8;

struct SpanRule {
    rule: SpanSamplingRule,
    limiter: Option<RateLimiter>,
}

/// The configured rules, each with its `max_per_second` limiter.
pub(crate) struct SpanRules {
    rules: Vec<SpanRule>,
    /// The service of spans without a `service.name` attribute.
    service: String,
}

impl SpanRules {
    pub(crate) fn new(rules: &[SpanSamplingRule], service: impl Into<String>) -> Self {
        Self {
            rules: rules
                .iter()
                .map(|rule| SpanRule { rule: rule.clone(), limiter: rule.max_per_second.map(RateLimiter::new) })
                .collect(),
            service: service.into(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.rules.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether a rule could keep the span `id` by its rate (a cheap test before the match).
    #[cfg_attr(not(feature = "datadog"), allow(dead_code, reason = "for native export only"))]
    fn could_keep(&self, id: SpanId) -> bool {
        let id = u64::from_be_bytes(id.to_bytes());
        self.rules.iter().any(|rule| keeps_id(rule.rule.sample_rate, id))
    }

    /// The tags that keep `span` on its own, when the first rule matching its service and name
    /// keeps it (its rate applied to the span id, then its limit); `None` otherwise.
    pub(crate) fn decide(&self, span: &SpanData) -> Option<Vec<KeyValue>> {
        let rule = self.rules.iter().find(|rule| self.matches(&rule.rule, span))?;
        let id = u64::from_be_bytes(span.span_context.span_id().to_bytes());
        if !keeps_id(rule.rule.sample_rate, id) || !rule.limiter.as_ref().is_none_or(|l| l.admit().allowed) {
            return None;
        }
        let mut tags = vec![
            KeyValue::new("_dd.span_sampling.mechanism", SPAN_SAMPLING_MECHANISM),
            KeyValue::new("_dd.span_sampling.rule_rate", rule.rule.sample_rate),
        ];
        if let Some(limit) = rule.rule.max_per_second {
            tags.push(KeyValue::new("_dd.span_sampling.max_per_second", limit));
        }
        Some(tags)
    }

    fn matches(&self, rule: &SpanSamplingRule, span: &SpanData) -> bool {
        let text = |key: &str| {
            span.attributes.iter().find(|kv| kv.key.as_str() == key).and_then(|kv| match &kv.value {
                Value::String(s) => Some(s.as_str()),
                _ => None,
            })
        };
        let service = text("service.name").unwrap_or(&self.service);
        let name = text("operation.name").unwrap_or(&span.name);
        let field =
            |glob: &Option<String>, value: &str| glob.as_deref().is_none_or(|g| g.is_empty() || glob_match(g, value));
        field(&rule.service, service) && field(&rule.name, name)
    }
}

/// The span sampling rules with native export: a span processor placed before Datadog's that
/// tags the spans of dropped traces a rule keeps, when they start.
///
/// A span is matched on the service and operation name it has when it starts (`#[dd_span]`
/// spans carry both from the start); a `service.name` or `operation.name` recorded later is
/// not seen. Spans of kept traces are left alone: Datadog keeps them with their trace.
#[cfg_attr(not(feature = "datadog"), allow(dead_code, reason = "for native export only"))]
pub(crate) struct SpanRulesAtStart(pub(super) SpanRules);

impl std::fmt::Debug for SpanRulesAtStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpanRulesAtStart").field("rules", &self.0.len()).finish()
    }
}

impl SpanProcessor for SpanRulesAtStart {
    fn on_start(&self, span: &mut Span, _cx: &Context) {
        let context = span.span_context();
        if context.is_sampled() || !span.is_recording() || !self.0.could_keep(context.span_id()) {
            return;
        }
        // The SDK's span offers its name and attributes only as a copy.
        let Some(data) = span.exported_data() else { return };
        if let Some(tags) = self.0.decide(&data) {
            span.set_attributes(tags);
        }
    }

    fn on_end(&self, _span: SpanData) {}

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        Ok(())
    }
}
