//! Logs correlated with traces: a JSON layer with Datadog's reserved attributes.
