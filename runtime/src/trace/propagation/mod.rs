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
//! [`DEFAULT_STYLES`]), or Datadog's own when traces are exported natively. Inside a
//! [`testing`](crate::testing) capture, which installs nothing global, they use a propagator of
//! the capture builder's styles on the capturing thread. Other carriers
//! (message headers, gRPC metadata) go through [`inject_into`] and [`extract_from`].

mod carrier;
mod datadog;
mod propagator;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::sync::Arc;

use opentelemetry::Context;
use opentelemetry::global;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};

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
    with_propagator(|propagator| propagator.inject_context(cx, carrier));
}

/// [`extract`] for any carrier.
pub fn extract_from(carrier: &dyn Extractor) -> Context {
    with_propagator(|propagator| propagator.extract(carrier))
}

/// A propagator shared with the threads a capture runs on.
pub(crate) type SharedPropagator = Arc<dyn TextMapPropagator + Send + Sync>;

thread_local! {
    /// The propagator of the [`testing`](crate::testing) capture running on this thread: a
    /// capture installs nothing global, so the helpers use its propagator (the styles of its
    /// builder) while it runs, as they would use the one `init` installs.
    static CAPTURE_PROPAGATOR: RefCell<Option<SharedPropagator>> = const { RefCell::new(None) };
}

/// Calls `f` with the capture's propagator on this thread, else the global one.
fn with_propagator<R>(mut f: impl FnMut(&dyn TextMapPropagator) -> R) -> R {
    // `try_with`: in a thread-local destructor the slot may be gone; the global one serves.
    let captured = CAPTURE_PROPAGATOR.try_with(|slot| slot.borrow().clone()).ok().flatten();
    match captured {
        Some(propagator) => f(&*propagator),
        None => global::get_text_map_propagator(|propagator| f(propagator)),
    }
}

/// Runs `f` with `propagator` as this thread's capture propagator (none: the global one), then
/// puts back the previous one, also when `f` panics.
pub(crate) fn with_capture_propagator<R>(propagator: Option<&SharedPropagator>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<SharedPropagator>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            let _ = CAPTURE_PROPAGATOR.try_with(|slot| *slot.borrow_mut() = previous);
        }
    }
    let previous = CAPTURE_PROPAGATOR.try_with(|slot| slot.replace(propagator.cloned())).ok().flatten();
    let _restore = Restore(previous);
    f()
}
