//! Trace context propagation across services: Datadog headers and W3C Trace Context.
//!
//! A client sends the current span as the parent of the next service's spans; a server
//! continues the trace it receives:
//!
//! ```no_run
//! use tracing_opentelemetry::OpenTelemetrySpanExt as _;
//!
//! // Client: add the headers of the current span to an outgoing request.
//! let mut headers = http::HeaderMap::new();
//! dd_instrument::propagation::inject_span(&tracing::Span::current(), &mut headers);
//!
//! // Server: make the incoming trace the parent of the request's span, before it is entered.
//! let span = tracing::info_span!("request");
//! let _ = span.set_parent(dd_instrument::propagation::extract(&headers));
//!
//! // Or: the spans started while the extracted context is current (a `#[dd_span]` function
//! // called here) continue the incoming trace.
//! let _incoming = dd_instrument::propagation::extract(&headers).attach();
//! ```
//!
//! `set_parent` works on a span that was not entered yet: `tracing-opentelemetry` starts the
//! OpenTelemetry span when the span is first entered, and its parent is fixed from then on.
//!
//! The helpers use the propagator installed with
//! [`opentelemetry::global::set_text_map_propagator`]: [`init`](crate::init()) installs a
//! [`DdPropagator`] for the styles configured by `DD_TRACE_PROPAGATION_STYLE` (default
//! [`DEFAULT_STYLES`]), or Datadog's own when traces are exported natively. Other carriers
//! (message headers, gRPC metadata) go through [`inject_into`] and [`extract_from`].

mod carrier;
mod datadog;
mod propagator;
#[cfg(test)]
mod tests;

use opentelemetry::Context;
use opentelemetry::global;
use opentelemetry::propagation::{Extractor, Injector};

pub use crate::config::{DEFAULT_STYLES, PropagationStyle};
pub use carrier::{HeaderExtractor, HeaderInjector};
pub use propagator::DdPropagator;

/// Writes the headers that make `cx`'s span the parent of the receiver's spans (and its baggage,
/// if the propagator sends baggage).
pub fn inject_context(cx: &Context, headers: &mut http::HeaderMap) {
    inject_into(cx, &mut HeaderInjector(headers));
}

/// Writes the headers that make `span` the parent of the receiver's spans.
///
/// `span` must be recorded by the `tracing-opentelemetry` layer; a disabled span writes nothing.
/// The current span without an OpenTelemetry span of its own (an internal `#[dd_span]` span of
/// a trace the head decision dropped, which is not built; a `DEBUG` span) sends the current
/// OpenTelemetry context instead, its nearest recorded ancestor's: the receiver then continues
/// the same trace, with the same decision.
pub fn inject_span(span: &tracing::Span, headers: &mut http::HeaderMap) {
    inject_context(&span_context(span), headers);
}

/// `span`'s OpenTelemetry context, or the current one for the current span if it has none.
fn span_context(span: &tracing::Span) -> Context {
    use opentelemetry::trace::TraceContextExt as _;
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    let cx = span.context();
    if cx.has_active_span() || span.is_disabled() || span.id() != tracing::Span::current().id() {
        cx
    } else {
        Context::current()
    }
}

/// The current context, with the trace context and baggage read from `headers` when they carry
/// any. Pass it to `OpenTelemetrySpanExt::set_parent` to continue the trace.
pub fn extract(headers: &http::HeaderMap) -> Context {
    extract_from(&HeaderExtractor(headers))
}

/// [`inject_context`] for any carrier.
pub fn inject_into(cx: &Context, carrier: &mut dyn Injector) {
    global::get_text_map_propagator(|propagator| propagator.inject_context(cx, carrier));
}

/// [`extract`] for any carrier.
pub fn extract_from(carrier: &dyn Extractor) -> Context {
    global::get_text_map_propagator(|propagator| propagator.extract(carrier))
}
