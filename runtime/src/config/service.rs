//! [`ServiceInfo`]: the unified service tags every span, metric and log line carries.

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;

use crate::tags::normalize_tag;

/// Unified service tags (`service`, `env`, `version`) and the other tags every signal carries,
/// as resolved by [`init`](crate::init()). Read it from [`Guard::service_info`](crate::Guard::service_info).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInfo {
    pub(crate) service: String,
    pub(crate) env: Option<String>,
    pub(crate) version: Option<String>,
    /// `DD_TAGS` and the builder's tags, normalized, without the reserved keys.
    pub(crate) tags: Vec<String>,
    /// `OTEL_RESOURCE_ATTRIBUTES` other than the ones mapped to service, env and version.
    pub(crate) otel_attributes: Vec<(String, String)>,
    /// `DD_ENTITY_ID`.
    pub(crate) entity_id: Option<String>,
    /// `DD_EXTERNAL_ENV`, without characters a DogStatsD field cannot hold.
    pub(crate) external_env: Option<String>,
    /// `DD_HOSTNAME`, else the system's host name (read once, at resolution).
    pub(crate) hostname: Option<String>,
}

impl ServiceInfo {
    /// The service name (`service` tag, `service.name` resource attribute).
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The deployment environment (`env` tag), if set.
    pub fn env(&self) -> Option<&str> {
        self.env.as_deref()
    }

    /// The application version (`version` tag), if set.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The host name logs and profiles report: `DD_HOSTNAME`, else the system's host name read
    /// once by `init`; `None` when neither is known (or the system's is not UTF-8).
    pub fn hostname(&self) -> Option<&str> {
        self.hostname.as_deref()
    }

    /// The other tags of every span and metric (`DD_TAGS` and [`Builder::tag`](crate::Builder::tag)),
    /// normalized `key:value`, without `env`, `service` and `version`.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// Tags every DogStatsD metric carries: `env`, `service`, `version`, the container id
    /// (`DD_ENTITY_ID`), then [`tags`](Self::tags). Handy for metrics sent by other means.
    pub fn metric_tags(&self) -> Vec<String> {
        let mut tags = Vec::new();
        let mut push = |key: &str, value: &str| {
            if let Some(tag) = normalize_tag(&format!("{key}:{value}")) {
                tags.push(tag);
            }
        };
        if let Some(env) = &self.env {
            push("env", env);
        }
        push("service", &self.service);
        if let Some(version) = &self.version {
            push("version", version);
        }
        if let Some(entity) = &self.entity_id {
            push("dd.internal.entity_id", entity);
        }
        tags.extend(self.tags.iter().cloned());
        tags
    }

    /// Resource attributes of spans and OTLP metrics: `service.name`,
    /// `deployment.environment.name` (and `deployment.environment`), `service.version`, the
    /// [`tags`](Self::tags), then the other `OTEL_RESOURCE_ATTRIBUTES`.
    pub fn resource_attributes(&self) -> Vec<(String, String)> {
        let mut attributes = vec![("service.name".to_owned(), self.service.clone())];
        if let Some(env) = &self.env {
            attributes.push(("deployment.environment.name".to_owned(), env.clone()));
            attributes.push(("deployment.environment".to_owned(), env.clone()));
        }
        if let Some(version) = &self.version {
            attributes.push(("service.version".to_owned(), version.clone()));
        }
        for tag in &self.tags {
            let (key, value) = tag.split_once(':').unwrap_or((tag, ""));
            attributes.push((key.to_owned(), value.to_owned()));
        }
        attributes.extend(self.otel_attributes.iter().cloned());
        attributes
    }

    /// The OpenTelemetry resource of spans and OTLP metrics: the
    /// [`resource_attributes`](Self::resource_attributes) (a repeated key keeps its last value)
    /// and this SDK's `telemetry.sdk.*`.
    pub(crate) fn otel_resource(&self) -> Resource {
        Resource::builder_empty()
            .with_attributes(self.resource_attributes().into_iter().map(|(k, v)| KeyValue::new(k, v)))
            .with_attributes([
                KeyValue::new("telemetry.sdk.language", "rust"),
                KeyValue::new("telemetry.sdk.name", "dd-instrument"),
                KeyValue::new("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
            ])
            .build()
    }
}
