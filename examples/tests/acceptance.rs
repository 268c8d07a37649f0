//! Acceptance: the checkout example, run as a real process, exports natively to Datadog's own
//! test agent, and every span has the Datadog fields a Datadog tracer would give it; its DogStatsD
//! datagrams parse by the protocol's grammar with valid names and tags. Skipped, saying why, when
//! the test agent is not running (see `scripts/test-agent`).

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::process::Command;
use std::time::Duration;

use dd_instrument_tests::agent::test_agent;
use dd_instrument_tests::statsd::assert_valid_datagram;
use serde_json::Value;

fn meta<'a>(span: &'a Value, key: &str) -> Option<&'a str> {
    span["meta"][key].as_str()
}

#[test]
fn checkout_example_spans_have_datadog_fields() {
    let Some(agent) = test_agent("checkout_example_spans_have_datadog_fields") else { return };
    agent.start_session("");
    let statsd = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback UDP socket");
    statsd.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let output = Command::new(env!("CARGO_BIN_EXE_checkout"))
        .env_clear()
        .env("DD_TRACE_AGENT_URL", &agent.url)
        .env("DD_ENV", "acceptance")
        .env("DD_DOGSTATSD_URL", format!("udp://{}", statsd.local_addr().expect("address")))
        .env("RUST_LOG", "warn")
        .output()
        .expect("the example runs");
    assert!(output.status.success(), "the example failed: {}", String::from_utf8_lossy(&output.stderr));

    let spans = agent.wait_native_spans("checkout", |spans| spans.len() >= 11);
    assert_eq!(spans.len(), 11, "4 orders: 3 + 3 + 2 + 3 spans");
    let by_id: BTreeMap<u64, &Value> = spans.iter().map(|s| (s["span_id"].as_u64().unwrap(), s)).collect();
    let version = env!("CARGO_PKG_VERSION");
    for span in &spans {
        assert_eq!(span["service"], "checkout");
        assert_eq!(meta(span, "env"), Some("acceptance"), "{span}");
        assert_eq!(meta(span, "version"), Some(version), "{span}");
        let name = span["name"].as_str().unwrap();
        let error = span["error"].as_i64().unwrap_or(0);
        match name {
            "checkout.checkout" => {
                assert_eq!((span["resource"].as_str(), span["type"].as_str()), (Some("POST /checkout"), Some("web")));
                assert_eq!(meta(span, "span.kind"), Some("server"));
                assert!(span["parent_id"].as_u64().unwrap_or(0) == 0, "the server span is a root");
                // `order.id` is a `u64`: kept as text, since Datadog stores numbers as f64.
                let order: u64 = meta(span, "order.id").expect("order.id tag").parse().expect("a number");
                let expected_error = match order {
                    1001 | 1004 => None,
                    1002 => Some(("checkout::CheckoutError::Payment", "the payment failed")),
                    1003 => Some(("checkout::CheckoutError::OutOfStock", "an item is out of stock")),
                    other => panic!("unexpected order {other}"),
                };
                match expected_error {
                    None => assert_eq!(error, 0, "{span}"),
                    Some((kind, message)) => {
                        assert_eq!(error, 1, "{span}");
                        assert_eq!((meta(span, "error.type"), meta(span, "error.message")), (Some(kind), Some(message)));
                    }
                }
            }
            "checkout.reserve_stock" => {
                assert_eq!(span["type"], "sql");
                assert_eq!(span["resource"], "UPDATE stock SET reserved = reserved + ?");
                assert_eq!(meta(span, "span.kind"), Some("internal"));
                let parent = by_id[&span["parent_id"].as_u64().unwrap()];
                assert_eq!(parent["name"], "checkout.checkout");
            }
            "checkout.charge" => {
                assert_eq!((span["resource"].as_str(), span["type"].as_str()), (Some("POST /charge"), Some("http")));
                assert_eq!(meta(span, "span.kind"), Some("client"));
                assert_eq!(meta(span, "peer.service"), Some("payment-service"));
                let parent = by_id[&span["parent_id"].as_u64().unwrap()];
                assert_eq!(parent["name"], "checkout.checkout");
                assert_eq!(parent["trace_id"], span["trace_id"]);
                if error == 1 {
                    assert_eq!(meta(span, "error.type"), Some("checkout::PayError::Declined"));
                    assert_eq!(meta(span, "error.message"), Some("card declined by the issuer"));
                }
            }
            other => panic!("unexpected span {other}: {span}"),
        }
    }
    let failures = agent.trace_check_failures();
    assert!(failures.is_empty(), "the test agent's trace checks failed: {failures}");

    let mut buf = [0u8; 65_536];
    let mut lines = Vec::new();
    statsd.set_read_timeout(Some(Duration::from_millis(500))).expect("timeout");
    while let Ok(n) = statsd.recv(&mut buf) {
        let payload = std::str::from_utf8(&buf[..n]).expect("UTF-8");
        assert!(n <= 1432, "payload of {n} bytes");
        lines.extend(payload.lines().map(str::to_owned));
    }
    assert!(lines.iter().any(|l| l.starts_with("slo.requests.total:4|c|")), "{lines:?}");
    for line in &lines {
        assert_valid_datagram(line);
        // Datadog's SDK also reports its own health (`datadog.tracer.*`), as Datadog's tracers do.
        if !line.starts_with("datadog.tracer.") {
            assert!(line.contains("|#env:acceptance,service:checkout,version:"), "unified tags on {line}");
        }
    }
}
