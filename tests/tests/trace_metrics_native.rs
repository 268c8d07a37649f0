//! Trace metrics under sampling, natively: Datadog's SDK computes hits, errors and latency from
//! every span, kept or dropped, and sends them as client-side stats; the Agent then needs only
//! the traces it keeps. Checked at Datadog's test agent, which decodes both.

use std::time::{Duration, Instant};

use std::net::UdpSocket;

use dd_instrument::{DogStatsdAddr, MetricsExporter, TracesExporter, dd_span};
use dd_instrument_tests::agent::test_agent;
use serde_json::Value;

#[dd_span(resource = "charge")]
fn charge(attempt: u32) -> Result<(), std::fmt::Error> {
    if attempt % 10 == 3 { Err(std::fmt::Error) } else { Ok(()) }
}

#[dd_span(resource = "warm-up", tags(round = round))]
fn warm_up(round: u32) {}

/// The aggregates of `service` in every stats payload received so far.
fn aggregates(stats: &[Value], service: &str) -> Vec<Value> {
    stats
        .iter()
        .flat_map(|payload| payload["Stats"].as_array().cloned().unwrap_or_default())
        .flat_map(|bucket| bucket["Stats"].as_array().cloned().unwrap_or_default())
        .filter(|aggregate| aggregate["Service"] == service && aggregate["Resource"] == "charge")
        .collect()
}

#[test]
fn stats_count_every_call_while_only_the_error_traces_of_a_dropped_sample_reach_the_agent() {
    let Some(agent) =
        test_agent("stats_count_every_call_while_only_the_error_traces_of_a_dropped_sample_reach_the_agent")
    else {
        return;
    };
    let service = format!("stats-under-sampling-{}", std::process::id());
    // Runtime metrics on, to a loopback socket: their runtime-id must be the spans'.
    let statsd = UdpSocket::bind("127.0.0.1:0").expect("bind");
    statsd.set_read_timeout(Some(Duration::from_secs(1))).expect("timeout");
    let port = statsd.local_addr().expect("address").port();
    let telemetry = dd_instrument::builder()
        .service(&service)
        .env("acceptance")
        .traces_exporter(TracesExporter::Datadog)
        .trace_agent_url(&agent.url)
        .metrics_exporter(MetricsExporter::DogStatsd)
        .dogstatsd(DogStatsdAddr::Udp { host: "127.0.0.1".into(), port })
        .runtime_metrics(true)
        .sample_rate(0.0)
        .init()
        .expect("init");
    // Datadog's SDK computes stats once it has read the Agent's `/info` (which says the Agent
    // takes client-side stats and lets the tracer drop what sampling dropped); until then it
    // sends every trace and leaves the counting to the Agent. Both are exact; wait for the
    // first, the one checked here: a dropped trace then no longer reaches the Agent.
    let deadline = Instant::now() + Duration::from_secs(20);
    for round in 0.. {
        warm_up(round);
        assert!(telemetry.flush(), "flushed");
        let arrived = agent.native_traces().into_iter().flatten().any(|span| {
            span["service"] == service.as_str() && span["meta"]["round"].as_str() == Some(round.to_string().as_str())
        });
        if !arrived {
            break;
        }
        assert!(Instant::now() < deadline, "Datadog's SDK never started computing stats");
        std::thread::sleep(Duration::from_millis(100));
    }
    // 40 calls, 4 of them errors (attempts 3, 13, 23, 33); every trace is dropped at the head.
    let errors = (0..40).filter(|attempt| charge(*attempt).is_err()).count();
    assert_eq!(errors, 4);
    drop(telemetry);

    let deadline = Instant::now() + Duration::from_secs(20);
    let aggregate = loop {
        let found = aggregates(&agent.native_stats(), &service);
        let hits: u64 = found.iter().map(|a| a["Hits"].as_u64().unwrap_or(0)).sum();
        if hits >= 40 {
            assert_eq!(found.len(), 1, "one aggregate: one service, name and resource: {found:#?}");
            break found.into_iter().next().unwrap();
        }
        assert!(Instant::now() < deadline, "no stats with 40 hits for {service} in time: {found:#?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(aggregate["Name"], "trace_metrics_native.charge");
    assert_eq!(aggregate["Resource"], "charge");
    assert_eq!(
        (aggregate["Hits"].as_u64(), aggregate["TopLevelHits"].as_u64(), aggregate["Errors"].as_u64()),
        (Some(40), Some(40), Some(4)),
        "every call counted, kept or not: {aggregate:#?}"
    );

    // What reached the Agent: only the dropped traces with an error (for the Agent's error
    // sampler), each with the priority that says it was dropped.
    let charges = |spans: &[Value]| spans.iter().filter(|span| span["resource"] == "charge").count();
    let spans = agent.wait_native_spans(&service, |spans| charges(spans) >= 4);
    let spans: Vec<&Value> = spans.iter().filter(|span| span["resource"] == "charge").collect();
    assert_eq!(spans.len(), 4, "the 36 error-free dropped traces stay in the process: {spans:#?}");
    for span in &spans {
        assert_eq!(span["error"], 1, "{span}");
        // Dropped by the sample rate, which Datadog applies as a rule: user reject (-1),
        // decision maker -3.
        assert_eq!(span["metrics"]["_sampling_priority_v1"], -1.0, "{span}");
        assert_eq!(span["meta"]["_dd.p.dm"], "-3", "{span}");
    }

    // One runtime id per process: Datadog links the spans to the runtime metrics by it.
    let span_runtime_id = spans[0]["meta"]["runtime-id"].as_str().expect("runtime-id on native spans");
    let mut buffer = vec![0; 65536];
    let mut metric_runtime_ids = Vec::new();
    while let Ok(n) = statsd.recv(&mut buffer) {
        for line in String::from_utf8_lossy(&buffer[..n]).lines().filter(|line| line.starts_with("runtime.rust.")) {
            metric_runtime_ids
                .extend(line.split(['#', ',']).filter_map(|tag| tag.strip_prefix("runtime-id:")).map(str::to_owned));
        }
    }
    assert!(!metric_runtime_ids.is_empty(), "runtime metrics were sent");
    assert!(metric_runtime_ids.iter().all(|id| id == span_runtime_id), "{metric_runtime_ids:?} vs {span_runtime_id}");
}
