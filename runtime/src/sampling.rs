//! Trace sampling for the OTLP path: Datadog sampling rules, rate limit and sample rate.
