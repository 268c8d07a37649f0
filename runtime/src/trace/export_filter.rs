//! Which `tracing` spans the OpenTelemetry layer turns into OpenTelemetry spans.
//!
//! Spans at `INFO` or above, except one case where the OpenTelemetry span could only be dropped:
//! an internal `#[dd_span]` span (no `kind`) whose parent is a local span of a trace the head
//! decision dropped, when the sampler drops such spans rather than recording them (OTLP and
//! console export without keep rules or span sampling rules). The sampler follows a local
//! parent's decision, so that span would be dropped too; skipping it saves building it (its
//! attribute strings, the span builder, the sampler call, the context switch), and the span
//! still exists for the other layers (`fmt`, JSON logs). Spans made inside it find the
//! dropped parent's context, so they are dropped as before, and logs carry its trace id.
//!
//! The one difference a program can see: `tracing_opentelemetry::OpenTelemetrySpanExt::context`
//! on such a span returns an empty context (the span has no OpenTelemetry span). The current
//! context, `opentelemetry::Context::current()`, is the dropped parent's, and
//! [`crate::propagation::inject_span`] falls back to it. Client, producer, server and consumer
//! spans, the ones whose context is injected into requests, are never skipped.

use opentelemetry::trace::TraceContextExt as _;
use tracing::subscriber::Interest;
use tracing::{Level, Metadata};
use tracing_subscriber::layer::{Context, Filter};

/// The first field of the spans `#[dd_span]` makes without a `kind` (its internal spans): the
/// macro writes `otel.kind` first when the attribute names a kind, else `operation.name`.
const INTERNAL_DD_SPAN_FIRST_FIELD: &str = "operation.name";

/// The per-layer filter of [`Guard::layer`](crate::Guard::layer).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExportFilter {
    /// Whether spans of dropped traces are dropped by the sampler (not recorded for a decision
    /// at the end of the local trace, nor for client-side stats).
    skip_dropped: bool,
}

impl ExportFilter {
    pub(crate) fn new(skip_dropped: bool) -> Self {
        ExportFilter { skip_dropped }
    }

    fn skippable(self, meta: &Metadata<'_>) -> bool {
        self.skip_dropped && meta.fields().iter().next().is_some_and(|f| f.name() == INTERNAL_DD_SPAN_FIRST_FIELD)
    }
}

/// Spans at `INFO` or above.
fn exported(meta: &Metadata<'_>) -> bool {
    meta.is_span() && *meta.level() <= Level::INFO
}

/// Whether the current OpenTelemetry context's span is a local span that is not sampled: the head
/// decision dropped its trace, in this process. The sampler follows such a parent (only a remote
/// parent can defer the decision), and with `skip_dropped` it drops rather than records, so
/// whether the parent itself was recorded does not matter (and asking would take its lock).
fn under_dropped_local_parent() -> bool {
    opentelemetry::Context::map_current(|cx| {
        let span = cx.span();
        let parent = span.span_context();
        parent.is_valid() && !parent.is_remote() && !parent.is_sampled()
    })
}

impl<S> Filter<S> for ExportFilter {
    fn enabled(&self, meta: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        exported(meta) && !(self.skippable(meta) && under_dropped_local_parent())
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if !exported(meta) {
            Interest::never()
        } else if self.skippable(meta) {
            // Decided per span, from the parent's sampling decision.
            Interest::sometimes()
        } else {
            Interest::always()
        }
    }
}
