//! Trace context propagation across services: Datadog headers and W3C Trace Context.

pub(crate) mod dd_state;
