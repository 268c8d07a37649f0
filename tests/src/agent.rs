//! Datadog's APM test agent (`ddapm-test-agent`) as a real peer: see `scripts/test-agent`.
//!
//! The acceptance tests read the agent's addresses from the environment that
//! `scripts/test-agent start` prints (and `scripts/test` exports). Without them the tests say they
//! are skipped and why, and pass: plain `cargo test` works without Python. Under CI (`CI` set, as
//! `.ci/run` does) a missing agent fails the test instead: a skipped acceptance test must never
//! pass for a checked run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Addresses of a running test agent.
#[derive(Debug, Clone)]
pub struct TestAgent {
    /// The trace Agent API (native traces, `/test/...`): `http://127.0.0.1:<port>`.
    pub url: String,
    /// OTLP/HTTP receiver.
    pub otlp_http: String,
    /// OTLP/gRPC receiver.
    pub otlp_grpc: String,
}

/// The running test agent, or `None` after printing why `test` is skipped.
pub fn test_agent(test: &str) -> Option<TestAgent> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let (Some(url), Some(otlp_http), Some(otlp_grpc)) =
        (var("DD_TEST_AGENT_URL"), var("DD_TEST_AGENT_OTLP_HTTP_URL"), var("DD_TEST_AGENT_OTLP_GRPC_URL"))
    {
        return Some(TestAgent { url, otlp_http, otlp_grpc });
    }
    let why = "Datadog's test agent is not running (DD_TEST_AGENT_URL is unset). \
               Run `scripts/test`, or `scripts/test-agent start` and export what it prints.";
    assert!(!under_ci(), "{test} cannot run under CI (CI is set): {why}");
    eprintln!("SKIPPED {test}: {why}");
    None
}

/// Whether this is a CI run: `CI` set to anything but empty, `0` or `false`.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false"))
}

impl TestAgent {
    fn get(url: &str) -> Value {
        let response = reqwest::blocking::Client::new()
            .get(url)
            .timeout(Duration::from_secs(10))
            .send()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status();
        let body = response.text().unwrap_or_default();
        assert!(status.is_success(), "GET {url}: HTTP {status}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url}: not JSON ({e}): {body}"))
    }

    /// Starts a fresh session for `token` on both the native and the OTLP side.
    pub fn start_session(&self, token: &str) {
        for base in [&self.url, &self.otlp_http] {
            let url = format!("{base}/test/session/start?test_session_token={token}");
            let response = reqwest::blocking::Client::new().get(&url).timeout(Duration::from_secs(10)).send();
            assert!(response.is_ok_and(|r| r.status().is_success()), "GET {url} failed");
        }
    }

    /// Native traces received in the default session, converted to Datadog spans by the agent:
    /// a list of traces, each a list of spans.
    pub fn native_traces(&self) -> Vec<Vec<Value>> {
        let traces = Self::get(&format!("{}/test/session/traces", self.url));
        serde_json::from_value(traces).expect("a list of traces")
    }

    /// Waits until `ready` holds for the native spans of `service`, then returns them.
    pub fn wait_native_spans(&self, service: &str, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let spans: Vec<Value> = self
                .native_traces()
                .into_iter()
                .flatten()
                .filter(|span| span["service"].as_str() == Some(service))
                .collect();
            if ready(&spans) {
                return spans;
            }
            assert!(Instant::now() < deadline, "the test agent did not get the spans of {service} in time: {spans:#?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Client-side trace stats received in the default session (`/v0.6/stats` payloads, as the
    /// agent decodes them: `{"Stats": [{"Start", "Duration", "Stats": [{"Service", "Name",
    /// "Resource", "Hits", "TopLevelHits", "Errors", ...}]}], ...}`).
    pub fn native_stats(&self) -> Vec<Value> {
        let stats = Self::get(&format!("{}/test/session/stats", self.url));
        serde_json::from_value(stats).expect("a list of stats payloads")
    }

    /// Trace-check failures the agent recorded (empty when every check passed).
    pub fn trace_check_failures(&self) -> String {
        let url = format!("{}/test/trace_check/failures", self.url);
        let response = reqwest::blocking::Client::new().get(&url).timeout(Duration::from_secs(10)).send();
        let response = response.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        // The agent answers 200 with no failures, 400 with the failures as text.
        if response.status().is_success() { String::new() } else { response.text().unwrap_or_default() }
    }

    /// OTLP traces received for `token`, as the agent's JSON (resource spans).
    pub fn otlp_traces(&self, token: &str) -> Vec<Value> {
        let value = Self::get(&format!("{}/test/session/traces?test_session_token={token}", self.otlp_http));
        serde_json::from_value(value).expect("a list of OTLP trace requests")
    }

    /// The spans of the OTLP traces received for `token`, every request's resource and scope
    /// flattened, as the agent's JSON.
    pub fn otlp_spans(&self, token: &str) -> Vec<Value> {
        self.otlp_traces(token)
            .iter()
            .flat_map(|request| request["resource_spans"].as_array().cloned().unwrap_or_default())
            .flat_map(|rs| rs["scope_spans"].as_array().cloned().unwrap_or_default())
            .flat_map(|scope| scope["spans"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// OTLP metrics received for `token`, as the agent's JSON.
    pub fn otlp_metrics(&self, token: &str) -> Vec<Value> {
        let value = Self::get(&format!("{}/test/session/metrics?test_session_token={token}", self.otlp_http));
        serde_json::from_value(value).expect("a list of OTLP metric requests")
    }
}

/// The attributes of an OTLP object in the test agent's JSON (`[{"key", "value": {"string_value"
/// | "int_value" | ...}}]`), as `key -> text`.
pub fn otlp_attributes(list: &Value) -> BTreeMap<String, String> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|kv| {
            let value = &kv["value"];
            let text = ["string_value", "int_value", "double_value", "bool_value"]
                .iter()
                .find_map(|kind| value.get(*kind))
                .map_or_else(|| value.to_string(), |v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
            (kv["key"].as_str().unwrap_or_default().to_owned(), text)
        })
        .collect()
}
