//! Resolution, end to end: variables and builder settings in, resolved configuration or the
//! error naming the variable out.
#![allow(clippy::float_cmp)]

use std::collections::BTreeMap;
use std::time::Duration;

use super::resolve::{CodeSettings, Resolved, resolve};
use super::*;

/// An environment of `vars`.
fn env(vars: &[(&str, &str)]) -> BTreeMap<String, String> {
    vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn resolved(vars: &[(&'static str, &'static str)]) -> Result<Resolved, InitError> {
    resolve(&CodeSettings::default(), &env(vars), Duration::from_secs(1), Duration::from_secs(1))
}

fn error_of(vars: &[(&'static str, &'static str)]) -> String {
    resolved(vars).expect_err("configuration should be rejected").to_string()
}

#[test]
fn unified_service_tags_follow_precedence() {
    let config = resolved(&[
        ("OTEL_SERVICE_NAME", "otel-name"),
        ("DD_SERVICE", "checkout"),
        ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=staging,service.version=1.0,team=payments"),
        ("DD_VERSION", "2.3.4"),
    ])
    .unwrap();
    let service = config.service;
    assert_eq!(service.service, "checkout");
    assert_eq!(service.env.as_deref(), Some("staging"));
    assert_eq!(service.version.as_deref(), Some("2.3.4"));
    assert_eq!(service.otel_attributes, [("team".to_owned(), "payments".to_owned())]);
    assert_eq!(service.metric_tags(), ["env:staging", "service:checkout", "version:2.3.4"]);

    let code = CodeSettings { service: Some("from-code".into()), ..CodeSettings::default() };
    let config = resolve(&code, &env(&[("DD_SERVICE", "env")]), Duration::ZERO, Duration::ZERO).unwrap();
    assert_eq!(config.service.service, "from-code");
}

#[test]
fn dd_tags_accept_commas_and_spaces_and_fill_reserved_keys() {
    let config = resolved(&[("DD_TAGS", "team:Payments, region:eu-west  env:prod,solo")]).unwrap();
    assert_eq!(config.service.tags, ["team:payments", "region:eu-west", "solo"]);
    assert_eq!(config.service.env.as_deref(), Some("prod"));
    assert_eq!(
        config.service.resource_attributes(),
        [
            ("service.name".to_owned(), config.service.service.clone()),
            ("deployment.environment.name".to_owned(), "prod".to_owned()),
            ("deployment.environment".to_owned(), "prod".to_owned()),
            ("team".to_owned(), "payments".to_owned()),
            ("region".to_owned(), "eu-west".to_owned()),
            ("solo".to_owned(), String::new()),
        ]
    );
}

#[test]
fn bad_values_name_the_variable_and_the_value() {
    assert_eq!(
        error_of(&[("DD_TRACE_SAMPLE_RATE", "1.5")]),
        r#"invalid value "1.5" for DD_TRACE_SAMPLE_RATE: expected a number from 0.0 to 1.0"#
    );
    assert_eq!(
        error_of(&[("DD_TRACE_ENABLED", "maybe")]),
        r#"invalid value "maybe" for DD_TRACE_ENABLED: expected `true` or `false`"#
    );
    assert_eq!(
        error_of(&[("DD_DOGSTATSD_PORT", "81250")]),
        r#"invalid value "81250" for DD_DOGSTATSD_PORT: expected a port number from 1 to 65535"#
    );
    assert!(
        error_of(&[("DD_DOGSTATSD_URL", "tcp://x:1")]).starts_with(r#"invalid value "tcp://x:1" for DD_DOGSTATSD_URL"#)
    );
    assert!(error_of(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]).contains("http/json is not supported"));
    assert!(
        error_of(&[("OTEL_TRACES_EXPORTER", "jaeger")]).contains("expected `datadog`, `otlp`, `console` or `none`")
    );
    assert!(error_of(&[("OTEL_METRICS_EXPORTER", "otlp,console")]).contains("only one exporter"));
    assert!(error_of(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4317")]).contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
    assert!(error_of(&[("OTEL_RESOURCE_ATTRIBUTES", "team")]).contains("entry `team` is not `key=value`"));
    assert!(error_of(&[("DD_TAGS", "team:a,:::")]).contains("entry `:::`"));
    assert!(error_of(&[("OTEL_EXPORTER_OTLP_HEADERS", "api-key")]).contains("OTEL_EXPORTER_OTLP_HEADERS"));
    assert_eq!(
        error_of(&[("OTEL_BSP_MAX_QUEUE_SIZE", "0")]),
        r#"invalid value "0" for OTEL_BSP_MAX_QUEUE_SIZE: expected a number of spans, 1 or more"#
    );
    assert!(error_of(&[("OTEL_BSP_MAX_QUEUE_SIZE", "lots")]).contains("OTEL_BSP_MAX_QUEUE_SIZE"));
    assert_eq!(resolved(&[("OTEL_BSP_MAX_QUEUE_SIZE", "100")]).unwrap().span_queue_size, 100);
    assert_eq!(resolved(&[]).unwrap().span_queue_size, 2048);
}

#[test]
fn trace_agent_url_selects_native_export() {
    let native = resolved(&[("DD_TRACE_AGENT_URL", "unix:///var/run/datadog/apm.socket")]);
    if cfg!(feature = "datadog") {
        let native = native.unwrap();
        assert_eq!(native.traces, TracesExporter::Datadog);
        assert_eq!(native.trace_agent_url.as_deref(), Some("unix:///var/run/datadog/apm.socket"));
    } else {
        // Platforms inject the variable: without the feature, a warning and OTLP, never a failure.
        let fallback = native.unwrap();
        assert_eq!(fallback.traces, TracesExporter::Otlp);
        assert_eq!(fallback.otlp_traces.endpoint, "http://localhost:4318/v1/traces");
        assert_eq!(
            fallback.notices,
            ["DD_TRACE_AGENT_URL is set, but native trace export needs the `datadog` feature of dd-instrument, \
              which this build lacks: traces go over OTLP to http://localhost:4318/v1/traces (the Agent's OTLP \
              receiver must be enabled) instead"]
        );
        let on_the_node = resolved(&[("DD_TRACE_AGENT_URL", "http://10.0.0.7:8126")]).unwrap();
        assert_eq!(on_the_node.traces, TracesExporter::Otlp);
        assert_eq!(on_the_node.otlp_traces.endpoint, "http://10.0.0.7:4318/v1/traces");
        assert_eq!(on_the_node.otlp_metrics.endpoint, "http://10.0.0.7:4318/v1/metrics");
        assert_eq!(on_the_node.otlp_traces.origin, "DD_TRACE_AGENT_URL");
        let by_port = resolved(&[("DD_AGENT_HOST", "10.0.0.8"), ("DD_TRACE_AGENT_PORT", "8126")]).unwrap();
        assert_eq!(
            (&by_port.traces, by_port.otlp_traces.endpoint.as_str()),
            (&TracesExporter::Otlp, "http://10.0.0.8:4318/v1/traces")
        );
        assert!(by_port.notices[0].starts_with("DD_TRACE_AGENT_PORT is set, but native"), "{:?}", by_port.notices);
        // Asked for by name, native export without the feature stays an error.
        assert!(error_of(&[("OTEL_TRACES_EXPORTER", "datadog")]).contains("needs the `datadog` feature"));
    }
    let config =
        resolved(&[("DD_AGENT_HOST", "10.0.0.7"), ("DD_TRACE_AGENT_PORT", "9126"), ("OTEL_TRACES_EXPORTER", "otlp")])
            .unwrap();
    assert_eq!(config.trace_agent_url.as_deref(), Some("http://10.0.0.7:9126"));
    assert_eq!(config.traces, TracesExporter::Otlp, "OTEL_TRACES_EXPORTER wins");
    assert_eq!(resolved(&[]).unwrap().trace_agent_url, None, "Datadog's SDK finds the Agent by itself");
    assert!(error_of(&[("DD_TRACE_AGENT_URL", "localhost:8126")]).contains("DD_TRACE_AGENT_URL"));
    assert!(error_of(&[("DD_TRACE_AGENT_URL", "unix://relative.sock")]).contains("must be absolute"));
    assert!(error_of(&[("DD_TRACE_AGENT_PORT", "http")]).contains("DD_TRACE_AGENT_PORT"));
}

#[test]
fn sampling_and_propagation_settings() {
    let config = resolved(&[
        ("DD_TRACE_SAMPLING_RULES", r#"[{"service":"shop","name":"http.*","sample_rate":0.5}]"#),
        ("DD_TRACE_RATE_LIMIT", "25"),
        ("DD_TRACE_PROPAGATION_STYLE", "tracecontext"),
        ("DD_TRACE_PROPAGATION_STYLE_INJECT", "Datadog, tracecontext"),
        ("DD_LOGS_INJECTION", "true"),
    ])
    .unwrap();
    assert_eq!(config.sampling_rules, [SamplingRule::new(0.5).service("shop").name("http.*")]);
    assert_eq!(config.rate_limit, 25.0);
    assert_eq!(config.propagation_extract, [PropagationStyle::TraceContext]);
    assert_eq!(config.propagation_inject, [PropagationStyle::Datadog, PropagationStyle::TraceContext]);
    assert!(config.logs_injection);

    let defaults = resolved(&[]).unwrap();
    assert_eq!((defaults.sampling_rules.len(), defaults.rate_limit), (0, 100.0));
    assert_eq!(defaults.propagation_extract, DEFAULT_STYLES);
    assert!(!defaults.logs_injection);

    assert_eq!(
        error_of(&[("DD_TRACE_SAMPLING_RULES", r#"[{"sample_rate":2}]"#)]),
        r#"invalid value "[{\"sample_rate\":2}]" for DD_TRACE_SAMPLING_RULES: rule 0 `{"sample_rate":2}`: `sample_rate` must be a number from 0.0 to 1.0"#
    );
    assert!(error_of(&[("DD_TRACE_RATE_LIMIT", "-1")]).contains("DD_TRACE_RATE_LIMIT"));
    assert!(
        error_of(&[("DD_TRACE_PROPAGATION_STYLE_EXTRACT", "jaeger")]).contains("unknown propagation style `jaeger`")
    );
    assert!(error_of(&[("DD_LOGS_INJECTION", "yes please")]).contains("DD_LOGS_INJECTION"));
}

#[test]
fn empty_values_count_as_unset() {
    let config = resolved(&[("DD_SERVICE", ""), ("DD_TRACE_SAMPLE_RATE", " "), ("OTEL_SERVICE_NAME", "svc")]).unwrap();
    assert_eq!(config.service.service, "svc");
    assert_eq!(config.sample_rate, None);
}

#[test]
fn dogstatsd_address_resolution() {
    assert_eq!(resolved(&[]).unwrap().dogstatsd, DogStatsdAddr::Udp { host: "localhost".into(), port: 8125 });
    assert_eq!(
        resolved(&[("DD_AGENT_HOST", "10.0.0.7"), ("DD_DOGSTATSD_PORT", "9125")]).unwrap().dogstatsd,
        DogStatsdAddr::Udp { host: "10.0.0.7".into(), port: 9125 }
    );
    assert_eq!(
        resolved(&[("DD_AGENT_HOST", "a"), ("DD_DOGSTATSD_HOST", "b")]).unwrap().dogstatsd,
        DogStatsdAddr::Udp { host: "b".into(), port: 8125 }
    );
    assert_eq!(
        resolved(&[("DD_DOGSTATSD_URL", "unix:///var/run/datadog/dsd.socket"), ("DD_AGENT_HOST", "a")])
            .unwrap()
            .dogstatsd,
        DogStatsdAddr::Unix("/var/run/datadog/dsd.socket".into())
    );
    assert_eq!(
        resolved(&[("DD_DOGSTATSD_URL", "udp://[::1]:8125")]).unwrap().dogstatsd,
        DogStatsdAddr::Udp { host: "::1".into(), port: 8125 }
    );
    assert_eq!(
        "unixstream:///tmp/dsd.sock".parse::<DogStatsdAddr>().unwrap(),
        DogStatsdAddr::UnixStream("/tmp/dsd.sock".into())
    );
}

#[test]
fn otlp_endpoints_by_signal_and_protocol() {
    let config = resolved(&[]).unwrap();
    assert_eq!(config.otlp_traces.endpoint, "http://localhost:4318/v1/traces");
    assert_eq!(config.otlp_metrics.endpoint, "http://localhost:4318/v1/metrics");

    let config = resolved(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("DD_AGENT_HOST", "agent")]).unwrap();
    assert_eq!(
        (config.otlp_traces.endpoint.as_str(), config.otlp_traces.protocol),
        ("http://agent:4317", OtlpProtocol::Grpc)
    );

    let config = resolved(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
        ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://metrics:9000/custom"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
    ])
    .unwrap();
    assert_eq!(config.otlp_traces.endpoint, "http://collector:4318/");
    assert_eq!(config.otlp_traces.protocol, OtlpProtocol::Grpc);
    assert_eq!(config.otlp_metrics.endpoint, "http://metrics:9000/custom");
    assert_eq!(config.otlp_metrics.protocol, OtlpProtocol::HttpProtobuf);
}

#[test]
fn otlp_timeout_headers_and_compression_per_signal_over_the_general_ones() {
    let config = resolved(&[]).unwrap();
    for target in [&config.otlp_traces, &config.otlp_metrics] {
        assert_eq!(
            (target.timeout, target.compression, target.headers.as_slice()),
            (Duration::from_secs(10), OtlpCompression::None, &[][..])
        );
    }

    let config = resolved(&[
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "750"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "none"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "dd-api-key=general,x-team=payments"),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "DD-API-Key=traces%20key,x-traces=1"),
        ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-metrics=2"),
    ])
    .unwrap();
    let pairs = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    let traces = &config.otlp_traces;
    assert_eq!((traces.timeout, traces.compression), (Duration::from_millis(750), OtlpCompression::Gzip));
    // Merged: the per-signal value wins for a key in both, in the general key's place.
    assert_eq!(traces.headers, pairs(&[("dd-api-key", "traces key"), ("x-team", "payments"), ("x-traces", "1")]));
    let metrics = &config.otlp_metrics;
    assert_eq!((metrics.timeout, metrics.compression), (Duration::from_millis(2500), OtlpCompression::None));
    assert_eq!(metrics.headers, pairs(&[("dd-api-key", "general"), ("x-team", "payments"), ("x-metrics", "2")]));

    let config =
        resolved(&[("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "3600000"), ("OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP")])
            .unwrap();
    assert_eq!(config.otlp_metrics.timeout, Duration::from_hours(1));
    assert_eq!(config.otlp_traces.timeout, Duration::from_secs(10));
    assert_eq!(config.otlp_traces.compression, OtlpCompression::Gzip);
}

#[test]
fn bad_otlp_timeouts_compressions_and_headers_name_their_variable() {
    const TIMEOUT: &str = "expected a whole number of milliseconds from 1 to 3600000, like 10000";
    let cases: [(&[(&'static str, &'static str)], String); 9] = [
        (&[("OTEL_EXPORTER_OTLP_TIMEOUT", "-5")], format!(r#"invalid value "-5" for OTEL_EXPORTER_OTLP_TIMEOUT: {TIMEOUT}"#)),
        (
            &[("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "10s")],
            format!(r#"invalid value "10s" for OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: {TIMEOUT}"#),
        ),
        (
            &[("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "2.5")],
            format!(r#"invalid value "2.5" for OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: {TIMEOUT}"#),
        ),
        // 0 is not "wait forever".
        (&[("OTEL_EXPORTER_OTLP_TIMEOUT", "0")], format!(r#"invalid value "0" for OTEL_EXPORTER_OTLP_TIMEOUT: {TIMEOUT}"#)),
        (
            &[("OTEL_EXPORTER_OTLP_TIMEOUT", "3600001")],
            format!(r#"invalid value "3600001" for OTEL_EXPORTER_OTLP_TIMEOUT: {TIMEOUT}"#),
        ),
        // A bad general value is reported even where a per-signal one would win.
        (
            &[("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"), ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "100")],
            format!(r#"invalid value "soon" for OTEL_EXPORTER_OTLP_TIMEOUT: {TIMEOUT}"#),
        ),
        (
            &[("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli")],
            r#"invalid value "brotli" for OTEL_EXPORTER_OTLP_COMPRESSION: expected `gzip` or `none`"#.to_owned(),
        ),
        (
            &[("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd")],
            r#"invalid value "zstd" for OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: zstd is not supported; use `gzip` or `none`"#
                .to_owned(),
        ),
        (
            &[("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "dd-api-key")],
            r#"invalid value "dd-api-key" for OTEL_EXPORTER_OTLP_METRICS_HEADERS: entry `dd-api-key` is not `key=value`"#
                .to_owned(),
        ),
    ];
    for (vars, message) in cases {
        assert_eq!(error_of(vars), message, "{vars:?}");
    }
    // Values stay hidden in messages about per-signal headers too.
    assert_eq!(
        error_of(&[("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "dd-api-key=abc%0A")]),
        "invalid value \"dd-api-key=***\" for OTEL_EXPORTER_OTLP_TRACES_HEADERS: entry `dd-api-key=***` has a value \
         with a control character, which no HTTP or gRPC request can carry"
    );
}

#[test]
fn exporters_default_and_follow_the_environment() {
    let config = resolved(&[]).unwrap();
    let default_traces = if cfg!(feature = "datadog") { TracesExporter::Datadog } else { TracesExporter::Otlp };
    assert_eq!((config.traces, config.metrics), (default_traces.clone(), MetricsExporter::DogStatsd));
    let config = resolved(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")]).unwrap();
    assert_eq!(config.traces, TracesExporter::Otlp, "an OTLP endpoint selects OTLP");
    let config = resolved(&[("OTEL_TRACES_EXPORTER", "console"), ("OTEL_METRICS_EXPORTER", "otlp")]).unwrap();
    assert_eq!((config.traces, config.metrics), (TracesExporter::Console, MetricsExporter::Otlp));
    assert_eq!(resolved(&[("DD_TRACE_ENABLED", "false")]).unwrap().traces, TracesExporter::None);

    let code = CodeSettings {
        fallback_traces: Some(TracesExporter::Console),
        fallback_metrics: Some(MetricsExporter::Console),
        ..CodeSettings::default()
    };
    let unconfigured = resolve(&code, &env(&[]), Duration::ZERO, Duration::ZERO).unwrap();
    assert_eq!((unconfigured.traces, unconfigured.metrics), (TracesExporter::Console, MetricsExporter::Console));
    let with_agent = resolve(&code, &env(&[("DD_AGENT_HOST", "agent")]), Duration::ZERO, Duration::ZERO).unwrap();
    assert_eq!((with_agent.traces, with_agent.metrics), (default_traces, MetricsExporter::DogStatsd));
}

/// OpenTelemetry's environment specification: enum values are read without regard to case.
#[test]
fn exporter_and_protocol_names_are_case_insensitive() {
    let config = resolved(&[
        ("OTEL_TRACES_EXPORTER", "OTLP"),
        ("OTEL_METRICS_EXPORTER", "Console"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "GRPC"),
        ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "HTTP/Protobuf"),
    ])
    .unwrap();
    assert_eq!((config.traces, config.metrics), (TracesExporter::Otlp, MetricsExporter::Console));
    assert_eq!(
        (config.otlp_traces.protocol, config.otlp_metrics.protocol),
        (OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf)
    );
    assert_eq!(resolved(&[("OTEL_TRACES_EXPORTER", "None")]).unwrap().traces, TracesExporter::None);
    // The value is still named as written when it is wrong.
    assert!(
        error_of(&[("OTEL_TRACES_EXPORTER", "Jaeger")])
            .starts_with("invalid value \"Jaeger\" for OTEL_TRACES_EXPORTER")
    );
}

#[test]
fn hostname_is_dd_hostname_else_the_systems() {
    let config = resolved(&[("DD_HOSTNAME", "node-7.eu")]).unwrap();
    assert_eq!(config.service.hostname(), Some("node-7.eu"));
    // Unset or empty: the system's host name, read once here.
    let system = hostname::get().ok().and_then(|name| name.into_string().ok()).filter(|name| !name.is_empty());
    assert!(system.is_some(), "this machine has a host name");
    assert_eq!(resolved(&[]).unwrap().service.hostname, system);
    assert_eq!(resolved(&[("DD_HOSTNAME", "")]).unwrap().service.hostname, system);
}

// ---- examples/kubernetes: the manifests' environment, as a pod would see it ----

/// The environment a container of `manifest` gets: `value`s as written, `valueFrom.fieldRef`s
/// resolved as the kubelet would for a pod on a node with IP `10.2.3.4`, uid `pod_uid`, and the
/// pod template's labels. A small reader of the fixed layout of those files, not of YAML.
fn pod_env(manifest: &str, pod_uid: &str) -> BTreeMap<String, String> {
    let labels: BTreeMap<&str, &str> = manifest
        .lines()
        .filter_map(|line| line.trim().split_once(": "))
        .filter(|(key, _)| key.starts_with("tags.datadoghq.com/"))
        .map(|(key, value)| (key, value.trim_matches('"')))
        .collect();
    let downward = |path: &str| -> String {
        if let Some(label) = path.strip_prefix("metadata.labels['").and_then(|rest| rest.strip_suffix("']")) {
            return labels.get(label).unwrap_or_else(|| panic!("no label {label}")).to_string();
        }
        match path {
            "status.hostIP" => "10.2.3.4".to_owned(),
            "metadata.uid" => pod_uid.to_owned(),
            other => panic!("unexpected fieldPath {other}"),
        }
    };
    let mut vars = BTreeMap::new();
    let mut name = None;
    let env_block = manifest.split_once("          env:\n").expect("an env block").1;
    for line in env_block.lines().take_while(|line| line.starts_with("            ")) {
        let line = line.trim();
        if let Some(n) = line.strip_prefix("- name: ") {
            name = Some(n.to_owned());
        } else if let Some(value) = line.strip_prefix("value: ") {
            vars.insert(name.take().expect("name before value"), value.trim_matches('"').to_owned());
        } else if let Some(path) = line.strip_prefix("fieldPath: ") {
            vars.insert(name.take().expect("name before fieldPath"), downward(path));
        }
    }
    assert!(name.is_none(), "every variable has a value");
    vars
}

const POD_UID: &str = "3f1c2a9e-5b7d-4e21-9c0a-8d6e4f2b1a07";

#[test]
fn kubernetes_manifest_resolves_to_the_nodes_agent_and_the_labels_tags() {
    let vars = pod_env(include_str!("../../../examples/kubernetes/deployment.yaml"), POD_UID);
    assert_eq!(
        vars.keys().map(String::as_str).collect::<Vec<_>>(),
        ["DD_AGENT_HOST", "DD_ENTITY_ID", "DD_ENV", "DD_LOGS_INJECTION", "DD_SERVICE", "DD_TAGS", "DD_VERSION"]
    );
    let config = resolve(&CodeSettings::default(), &vars, Duration::from_secs(1), Duration::from_secs(1)).unwrap();

    let service = &config.service;
    assert_eq!((service.service(), service.env(), service.version()), ("checkout", Some("prod"), Some("1.4.2")));
    assert_eq!(
        service.metric_tags(),
        ["env:prod", "service:checkout", "version:1.4.2", &format!("dd.internal.entity_id:{POD_UID}"), "team:payments"]
    );
    assert!(config.logs_injection);
    // Traces: natively to the node's trace Agent with the `datadog` feature, else OTLP to its
    // OTLP receiver; DogStatsD to the node's port 8125.
    assert_eq!(config.trace_agent_url.as_deref(), Some("http://10.2.3.4:8126"));
    let expected = if cfg!(feature = "datadog") { TracesExporter::Datadog } else { TracesExporter::Otlp };
    assert_eq!(config.traces, expected);
    assert_eq!(config.otlp_traces.endpoint, "http://10.2.3.4:4318/v1/traces");
    assert_eq!(config.otlp_metrics.endpoint, "http://10.2.3.4:4318/v1/metrics");
    assert_eq!(config.metrics, MetricsExporter::DogStatsd);
    assert_eq!(config.dogstatsd, DogStatsdAddr::Udp { host: "10.2.3.4".to_owned(), port: 8125 });
}

#[test]
fn kubernetes_uds_manifest_resolves_to_the_agents_sockets() {
    let manifest = include_str!("../../../examples/kubernetes/deployment-uds.yaml");
    assert!(manifest.contains("mountPath: /var/run/datadog\n") && manifest.contains("path: /var/run/datadog/\n"));
    let vars = pod_env(manifest, POD_UID);
    assert!(!vars.contains_key("DD_AGENT_HOST"));
    let result = resolve(&CodeSettings::default(), &vars, Duration::from_secs(1), Duration::from_secs(1));
    let config = result.unwrap();
    if !cfg!(feature = "datadog") {
        // A trace Agent URL asks for native export, which this build lacks: said, and OTLP instead.
        assert_eq!(config.traces, TracesExporter::Otlp);
        assert_eq!(config.notices.len(), 1, "{:?}", config.notices);
        return;
    }
    assert_eq!((config.service.service(), config.service.env()), ("checkout", Some("prod")));
    assert_eq!(config.traces, TracesExporter::Datadog);
    assert_eq!(config.trace_agent_url.as_deref(), Some("unix:///var/run/datadog/apm.socket"));
    assert_eq!(config.dogstatsd, DogStatsdAddr::Unix("/var/run/datadog/dsd.socket".into()));
}

#[test]
fn every_bad_value_names_its_variable() {
    let cases: [(&[(&'static str, &'static str)], &str); 8] = [
        (
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://[::1")],
            r#"invalid value "http://[::1" for OTEL_EXPORTER_OTLP_ENDPOINT: `[::1` opens an IPv6 address with `[` and never closes it"#,
        ),
        (
            &[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://exa mple:4318")],
            r#"invalid value "http://exa mple:4318" for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: not a valid URL (invalid uri character)"#,
        ),
        (
            &[("DD_AGENT_HOST", "http://agent:8126")],
            r#"invalid value "http://agent:8126" for DD_AGENT_HOST: expected a host name or IP address, not a URL: set the host alone (`agent`, `10.0.0.7`)"#,
        ),
        (
            &[("DD_AGENT_HOST", "agent:8126")],
            r#"invalid value "agent:8126" for DD_AGENT_HOST: expected a host name or IP address without a port: ports have variables of their own"#,
        ),
        (
            &[("DD_DOGSTATSD_HOST", "agent/8125")],
            r#"invalid value "agent/8125" for DD_DOGSTATSD_HOST: expected a host name (letters, digits, `-`, `.`) or an IP address"#,
        ),
        (
            &[("OTEL_EXPORTER_OTLP_HEADERS", "dd-api-key=abc%0A")],
            "invalid value \"dd-api-key=***\" for OTEL_EXPORTER_OTLP_HEADERS: entry `dd-api-key=***` has a value \
             with a control character, which no HTTP or gRPC request can carry",
        ),
        (
            &[("DD_TRACE_PROPAGATION_STYLE", ",")],
            r#"invalid value "," for DD_TRACE_PROPAGATION_STYLE: no style is listed; write `none` to turn propagation off"#,
        ),
        (
            &[("DD_TRACE_SAMPLING_RULES", r#"[{"sample_rate": 0, "sevice": "checkout"}]"#)],
            "invalid value \"[{\\\"sample_rate\\\": 0, \\\"sevice\\\": \\\"checkout\\\"}]\" for DD_TRACE_SAMPLING_RULES: \
             rule 0 `{\"sample_rate\":0,\"sevice\":\"checkout\"}`: unknown key `sevice`: did you mean `service`? \
             (expected `sample_rate`, `service`, `name`, `resource` or `tags`)",
        ),
    ];
    for (vars, message) in cases {
        assert_eq!(error_of(vars), message, "{vars:?}");
    }
    // Good values next to them still resolve.
    let config = resolved(&[("DD_AGENT_HOST", "::1"), ("DD_DOGSTATSD_HOST", "dsd.local.")]).unwrap();
    assert_eq!(config.otlp_traces.endpoint, "http://[::1]:4318/v1/traces");
    assert_eq!(config.otlp_traces.origin, "DD_AGENT_HOST");
    assert_eq!(config.dogstatsd, DogStatsdAddr::Udp { host: "dsd.local.".into(), port: 8125 });
    let code = CodeSettings { propagation: Some(Vec::new()), ..CodeSettings::default() };
    let error = resolve(&code, &env(&[]), Duration::ZERO, Duration::ZERO).unwrap_err().to_string();
    assert_eq!(error, "invalid propagation \"[]\": no style is listed; write `none` to turn propagation off");
}

#[test]
fn huge_bad_values_are_echoed_cut() {
    let huge = format!("{}:1,{}", "a".repeat(100), "1".repeat(1 << 20));
    let error = resolve(&CodeSettings::default(), &env(&[("DD_TAGS", &huge)]), Duration::ZERO, Duration::ZERO)
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        format!(
            "invalid value \"{}…(1048679 bytes)\" for DD_TAGS: entry `{}…(1048576 bytes)` has no letter to \
             start a tag key; entries are `key:value`",
            "a".repeat(80),
            "1".repeat(80)
        )
    );
}

#[test]
fn service_names_follow_datadogs_rules_on_every_signal() {
    let config = resolved(&[("DD_SERVICE", "Check Out Café")]).unwrap();
    assert_eq!(config.service.service, "check_out_caf");
    assert_eq!(config.service.metric_tags(), ["service:check_out_caf"]);
    assert_eq!(config.service.resource_attributes()[0], ("service.name".to_owned(), "check_out_caf".to_owned()));
    let long = resolved(&[("OTEL_SERVICE_NAME", &*"s".repeat(150).leak())]).unwrap();
    assert_eq!(long.service.service, "s".repeat(100));
    assert_eq!(
        error_of(&[("DD_SERVICE", "サービス")]),
        "invalid value \"サービス\" for DD_SERVICE: a service name needs a letter or digit Datadog keeps (`a-z`, \
         `0-9`; also `_`, `-`, `.`, `/`); other characters become `_`"
    );
    let code = CodeSettings { service: Some("サービス".into()), ..CodeSettings::default() };
    let error = resolve(&code, &env(&[]), Duration::ZERO, Duration::ZERO).unwrap_err().to_string();
    assert!(error.starts_with("invalid service \"サービス\": a service name needs"), "{error}");
}

#[test]
fn datadogs_b3_styles_never_stop_the_program() {
    let config = resolved(&[("DD_TRACE_PROPAGATION_STYLE", "b3multi,tracecontext")]).unwrap();
    assert_eq!(
        (config.propagation_extract.as_slice(), config.propagation_inject.as_slice()),
        (&[PropagationStyle::TraceContext][..], &[PropagationStyle::TraceContext][..])
    );
    assert_eq!(
        config.notices,
        [
            "DD_TRACE_PROPAGATION_STYLE=b3multi,tracecontext: dd-instrument does not read or write `b3multi`, so it uses \
          the other styles listed"
        ]
    );
    let only_b3 = resolved(&[("DD_TRACE_PROPAGATION_STYLE_INJECT", "b3")]).unwrap();
    assert_eq!(only_b3.propagation_inject, DEFAULT_STYLES);
    assert_eq!(
        only_b3.notices,
        ["DD_TRACE_PROPAGATION_STYLE_INJECT=b3: dd-instrument does not read or write `b3`, so it uses the default, \
          `datadog,tracecontext`"]
    );
}

#[test]
fn the_redaction_switch_applies_on_top_of_code_and_names_the_variable() {
    use crate::redact::{Detector, Redaction};

    let defaults = resolved(&[]).unwrap().redaction;
    assert!(defaults.is_enabled(Detector::Card) && defaults.is_enabled(Detector::Email));
    assert!(!defaults.is_enabled(Detector::KvSecrets));

    let config = resolved(&[("DD_INSTRUMENT_REDACT", "kv_secrets, -email")]).unwrap().redaction;
    assert!(config.is_enabled(Detector::KvSecrets) && config.is_enabled(Detector::Card));
    assert!(!config.is_enabled(Detector::Email));

    let code = CodeSettings { redaction: Some(Redaction::none().enable(Detector::Ipv4)), ..CodeSettings::default() };
    let config = resolve(&code, &env(&[("DD_INSTRUMENT_REDACT", "bearer")]), Duration::ZERO, Duration::ZERO).unwrap();
    assert!(config.redaction.is_enabled(Detector::Ipv4) && config.redaction.is_enabled(Detector::Bearer));
    assert!(!config.redaction.is_enabled(Detector::Card));

    let keyed = resolved(&[("DD_INSTRUMENT_REDACT_HASH_KEY", "a per-deployment secret")]).unwrap().redaction;
    assert_eq!(keyed.hash("alice@example.com").len(), 16);
    assert_eq!(
        error_of(&[("DD_INSTRUMENT_REDACT_HASH_KEY", "short")]),
        "invalid value \"(hidden)\" for DD_INSTRUMENT_REDACT_HASH_KEY: redaction hash key has 5 bytes; at least 16 \
         are needed"
    );
    assert_eq!(
        error_of(&[("DD_INSTRUMENT_REDACT", "cards")]),
        "invalid value \"cards\" for DD_INSTRUMENT_REDACT: unknown redaction entry `cards`: expected card, email, \
         url_credentials, kv_secrets, bearer, ipv4, ipv6 or ip (each optionally prefixed with `-` or `+`), all, none \
         or default"
    );
}

#[test]
fn the_external_env_is_read_and_kept_to_what_a_field_can_hold() {
    let config = resolved(&[("DD_EXTERNAL_ENV", "it-false,cn-app,pu-3f1c|x\n")]).unwrap();
    assert_eq!(config.service.external_env.as_deref(), Some("it-false,cn-app,pu-3f1cx"));
    assert_eq!(resolved(&[]).unwrap().service.external_env, None);
}

#[test]
fn profiling_is_off_by_default_and_its_numbers_are_checked() {
    use super::resolve::ProfilingSettings;

    assert_eq!(resolved(&[]).unwrap().profiling, None);
    assert_eq!(
        resolved(&[("DD_PROFILING_ENABLED", "true")]).unwrap().profiling,
        Some(ProfilingSettings { hz: 99, period: Duration::from_mins(1) })
    );
    assert_eq!(
        resolved(&[
            ("DD_PROFILING_ENABLED", "1"),
            ("DD_INSTRUMENT_PROFILING_HZ", "250"),
            ("DD_PROFILING_UPLOAD_PERIOD", "15")
        ])
        .unwrap()
        .profiling,
        Some(ProfilingSettings { hz: 250, period: Duration::from_secs(15) })
    );
    let code = CodeSettings {
        profiling: Some(true),
        profiling_hz: Some(10),
        profiling_period: Some(Duration::from_millis(500)),
        ..CodeSettings::default()
    };
    let config = resolve(&code, &env(&[("DD_PROFILING_ENABLED", "false")]), Duration::ZERO, Duration::ZERO).unwrap();
    assert_eq!(config.profiling, Some(ProfilingSettings { hz: 10, period: Duration::from_millis(500) }));

    assert_eq!(
        error_of(&[("DD_PROFILING_ENABLED", "yes please")]),
        "invalid value \"yes please\" for DD_PROFILING_ENABLED: expected `true` or `false`"
    );
    assert_eq!(
        error_of(&[("DD_INSTRUMENT_PROFILING_HZ", "0")]),
        "invalid value \"0\" for DD_INSTRUMENT_PROFILING_HZ: expected a whole number of samples per second from 1 to \
         1000, like 99"
    );
    assert_eq!(
        error_of(&[("DD_PROFILING_UPLOAD_PERIOD", "1m")]),
        "invalid value \"1m\" for DD_PROFILING_UPLOAD_PERIOD: expected a whole number of seconds from 1 to 3600, like 60"
    );
}
