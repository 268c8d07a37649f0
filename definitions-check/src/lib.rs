//! Validation of generated Datadog objects against Datadog's own API models.
