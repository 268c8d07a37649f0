//! Continuous profiling against Datadog's test agent (which stores `/profiling/v1/input`
//! requests as they came): the multipart request, `event.json` and its tags exactly, and a pprof
//! that decodes and holds the hot function of a CPU-bound thread. Also: an Agent that is down
//! (profiles counted as failed, the guard still drops), and a local flame graph.
//!
//! One CPU profiler can run in a process: the tests take turns.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine as _;
use dd_instrument_tests::agent::test_agent;
use serde_json::Value;

static ONE_PROFILER: Mutex<()> = Mutex::new(());

/// The hot function: pure computation (no system call, no C library), so the samples of the
/// thread running it land in it.
#[inline(never)]
fn burn_cpu_for_profiling(rounds: u64) -> u64 {
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    for i in 0..rounds {
        x = std::hint::black_box(x.rotate_left(7) ^ i).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    }
    x
}

/// Runs `burn_cpu_for_profiling` on a thread named `burner` until `stop` is set.
fn burner(stop: &'static AtomicBool) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("burner".to_owned())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::hint::black_box(burn_cpu_for_profiling(1_000_000));
            }
        })
        .unwrap()
}

/// Burns `cpu` of CPU time on a thread named `burner` (the profiler samples CPU time, and a loaded
/// machine gives a thread much less CPU than wall time).
fn burn_for(cpu: Duration) {
    std::thread::Builder::new()
        .name("burner".to_owned())
        .spawn(move || {
            while thread_cpu_time() < cpu {
                std::hint::black_box(burn_cpu_for_profiling(1_000_000));
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

/// CPU time of the calling thread (user + system), from `/proc/thread-self/stat`, in clock ticks
/// of 10 ms.
fn thread_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("Linux /proc");
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the
    // 14th field of the line, stime the 15th.
    let after_name = &stat[stat.rfind(')').expect("a command name") + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

mod pprof {
    //! The pprof messages, transcribed from `perftools/profiles/profile.proto` for decoding.

    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Profile {
        #[prost(message, repeated, tag = "1")]
        pub(crate) sample_type: Vec<ValueType>,
        #[prost(message, repeated, tag = "2")]
        pub(crate) sample: Vec<Sample>,
        #[prost(message, repeated, tag = "4")]
        pub(crate) location: Vec<Location>,
        #[prost(message, repeated, tag = "5")]
        pub(crate) function: Vec<Function>,
        #[prost(string, repeated, tag = "6")]
        pub(crate) string_table: Vec<String>,
        #[prost(int64, tag = "9")]
        pub(crate) time_nanos: i64,
        #[prost(int64, tag = "10")]
        pub(crate) duration_nanos: i64,
        #[prost(message, optional, tag = "11")]
        pub(crate) period_type: Option<ValueType>,
        #[prost(int64, tag = "12")]
        pub(crate) period: i64,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct ValueType {
        #[prost(int64, tag = "1")]
        pub(crate) r#type: i64,
        #[prost(int64, tag = "2")]
        pub(crate) unit: i64,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Sample {
        #[prost(uint64, repeated, tag = "1")]
        pub(crate) location_id: Vec<u64>,
        #[prost(int64, repeated, tag = "2")]
        pub(crate) value: Vec<i64>,
        #[prost(message, repeated, tag = "3")]
        pub(crate) label: Vec<Label>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Label {
        #[prost(int64, tag = "1")]
        pub(crate) key: i64,
        #[prost(int64, tag = "2")]
        pub(crate) str: i64,
        #[prost(int64, tag = "3")]
        pub(crate) num: i64,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Location {
        #[prost(uint64, tag = "1")]
        pub(crate) id: u64,
        #[prost(message, repeated, tag = "4")]
        pub(crate) line: Vec<Line>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Line {
        #[prost(uint64, tag = "1")]
        pub(crate) function_id: u64,
        #[prost(int64, tag = "2")]
        pub(crate) line: i64,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Function {
        #[prost(uint64, tag = "1")]
        pub(crate) id: u64,
        #[prost(int64, tag = "2")]
        pub(crate) name: i64,
        #[prost(int64, tag = "3")]
        pub(crate) system_name: i64,
        #[prost(int64, tag = "4")]
        pub(crate) filename: i64,
    }
}

/// A sample: its functions leaf first, its values, its labels.
type SampleView = (Vec<String>, Vec<i64>, BTreeMap<String, String>);

/// A decoded profile, read the way a viewer reads it.
struct Decoded(pprof::Profile);

impl Decoded {
    fn from_gzip(bytes: &[u8]) -> Self {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(bytes).read_to_end(&mut raw).expect("the pprof is gzipped");
        Self(prost::Message::decode(raw.as_slice()).expect("the pprof decodes"))
    }

    fn text(&self, index: i64) -> &str {
        &self.0.string_table[usize::try_from(index).unwrap()]
    }

    /// Each sample as (its functions leaf first, its values, its labels).
    fn samples(&self) -> Vec<SampleView> {
        let function = |id: u64| self.0.function.iter().find(|f| f.id == id).expect("a known function");
        let location = |id: u64| self.0.location.iter().find(|l| l.id == id).expect("a known location");
        self.0
            .sample
            .iter()
            .map(|sample| {
                let functions = sample
                    .location_id
                    .iter()
                    .flat_map(|id| {
                        location(*id).line.iter().map(|line| self.text(function(line.function_id).name).to_owned())
                    })
                    .collect();
                let labels =
                    sample.label.iter().map(|l| (self.text(l.key).to_owned(), self.text(l.str).to_owned())).collect();
                (functions, sample.value.clone(), labels)
            })
            .collect()
    }

    fn sample_types(&self) -> Vec<(String, String)> {
        self.0.sample_type.iter().map(|t| (self.text(t.r#type).to_owned(), self.text(t.unit).to_owned())).collect()
    }
}

/// The parts of a `multipart/form-data` body: (name, file name, content type, bytes).
fn multipart(content_type: &str, body: &[u8]) -> Vec<(String, String, String, Vec<u8>)> {
    let boundary = content_type.split("boundary=").nth(1).expect("a boundary").trim_matches('"');
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(at) = find(rest, delimiter.as_bytes()) {
        rest = &rest[at + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let rest_part = rest.strip_prefix(b"\r\n").expect("CRLF after the boundary");
        let head_end = find(rest_part, b"\r\n\r\n").expect("part headers");
        let head = String::from_utf8_lossy(&rest_part[..head_end]).into_owned();
        let content = &rest_part[head_end + 4..];
        let end = find(content, format!("\r\n{delimiter}").as_bytes()).expect("the next boundary");
        let header = |name: &str| {
            head.lines()
                .find_map(|line| {
                    line.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned())
                })
                .unwrap_or_default()
        };
        let disposition = header("content-disposition");
        let param = |key: &str| {
            disposition
                .split(';')
                .find_map(|p| p.trim().strip_prefix(&format!("{key}=")).map(|v| v.trim_matches('"').to_owned()))
                .unwrap_or_default()
        };
        parts.push((param("name"), param("filename"), header("content-type"), content[..end].to_vec()));
        rest = &content[end + 2..];
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// The profiling requests the agent stored for `token`'s session: (headers, body).
fn profile_requests(agent_url: &str, token: &str) -> Vec<(BTreeMap<String, String>, Vec<u8>)> {
    let url = format!("{agent_url}/test/session/requests?test_session_token={token}");
    let response = reqwest::blocking::Client::new().get(&url).timeout(Duration::from_secs(10)).send().unwrap();
    assert!(response.status().is_success(), "GET {url}: {}", response.status());
    let requests: Vec<Value> = serde_json::from_str(&response.text().unwrap()).unwrap();
    requests
        .into_iter()
        .filter(|request| request["url"].as_str().is_some_and(|url| url.ends_with("/profiling/v1/input")))
        .map(|request| {
            let headers = request["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or_default().to_owned()))
                .collect();
            let body = base64::engine::general_purpose::STANDARD.decode(request["body"].as_str().unwrap()).unwrap();
            (headers, body)
        })
        .collect()
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn profiles_reach_the_test_agent_with_their_tags_and_the_hot_function() {
    let Some(agent) = test_agent("profiles_reach_the_test_agent_with_their_tags_and_the_hot_function") else {
        return;
    };
    let _turn = ONE_PROFILER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let token = "profiling-acceptance";
    let start = format!("{}/test/session/start?test_session_token={token}", agent.url);
    assert!(reqwest::blocking::get(&start).unwrap().status().is_success());

    let guard = dd_instrument::builder()
        .env_source(env(&[
            ("DD_TRACE_AGENT_URL", &agent.url),
            ("DD_SERVICE", "profiled-service"),
            ("DD_ENV", "test"),
            ("DD_VERSION", "1.2.3"),
            ("DD_HOSTNAME", "test-host"),
            ("DD_TAGS", "team:payments"),
            ("DD_PROFILING_ENABLED", "true"),
            ("OTEL_TRACES_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ]))
        .profiling_upload_period(Duration::from_millis(700))
        .shutdown_timeout(Duration::from_secs(10))
        .build()
        .expect("telemetry builds");
    burn_for(Duration::from_secs(1));
    let before_drop = guard.stats().profiles;
    drop(guard);

    let requests = profile_requests(&agent.url, token);
    // One profile per period while burning, then the last one at drop.
    assert!(requests.len() >= 2, "{} profiles, stats before drop: {before_drop:?}", requests.len());
    let mut hot_samples = 0;
    let mut runtime_ids = Vec::new();
    for (headers, body) in &requests {
        assert_eq!(headers["dd-evp-origin"], "dd-instrument");
        assert_eq!(headers["dd-evp-origin-version"], env!("CARGO_PKG_VERSION"));
        let parts = multipart(&headers["content-type"], body);
        let names: Vec<_> =
            parts.iter().map(|(name, file, mime, _)| (name.as_str(), file.as_str(), mime.as_str())).collect();
        assert_eq!(
            names,
            [
                ("event", "event.json", "application/json"),
                ("profile.pprof", "profile.pprof", "application/octet-stream")
            ]
        );
        let mut event: Value = serde_json::from_slice(&parts[0].3).expect("event.json is JSON");
        let tags = event["tags_profiler"].as_str().unwrap().to_owned();
        let (before, after) = tags.split_once(",runtime-id:").expect("a runtime-id tag");
        let (runtime_id, after) = after.split_once(',').unwrap();
        assert_eq!(before, "service:profiled-service,env:test,version:1.2.3,host:test-host");
        assert_eq!(after, format!("language:rust,profiler_version:{},team:payments", env!("CARGO_PKG_VERSION")));
        assert!(
            runtime_id.len() == 36 && runtime_id.as_bytes()[14] == b'4' && runtime_id.matches('-').count() == 4,
            "a UUID v4: {runtime_id}"
        );
        runtime_ids.push(runtime_id.to_owned());
        let (start, end) = (event["start"].as_str().unwrap().to_owned(), event["end"].as_str().unwrap().to_owned());
        assert!(start.len() == 24 && start.ends_with('Z') && start < end, "{start} .. {end}");
        for key in ["tags_profiler", "start", "end"] {
            event.as_object_mut().unwrap().remove(key);
        }
        assert_eq!(event, serde_json::json!({"attachments": ["profile.pprof"], "family": "rust", "version": "4"}));

        let profile = Decoded::from_gzip(&parts[1].3);
        assert_eq!(
            profile.sample_types(),
            [("cpu-samples".to_owned(), "count".to_owned()), ("cpu-time".to_owned(), "nanoseconds".to_owned())]
        );
        assert_eq!(profile.0.period, 1_000_000_000 / 99);
        for (functions, values, labels) in profile.samples() {
            assert_eq!(values.len(), 2);
            assert_eq!(values[1], values[0] * profile.0.period);
            assert!(labels.contains_key("thread id"), "{labels:?}");
            if functions.iter().any(|f| f.contains("burn_cpu_for_profiling")) {
                assert_eq!(labels.get("thread name").map(String::as_str), Some("burner"), "{functions:?}");
                // The sampler's own frames (its signal handler, the unwinder) are not in the stack.
                assert!(
                    !functions.iter().any(|f| f.contains("pprof::") || f.contains("trace_unsynchronized")),
                    "{functions:?}"
                );
                hot_samples += values[0];
            }
        }
    }
    runtime_ids.dedup();
    assert_eq!(runtime_ids.len(), 1, "one runtime id per process: {runtime_ids:?}");
    // 1 s of CPU time at 99 Hz is about 99 samples; a few land in the C library and are skipped.
    assert!(hot_samples >= 20, "{hot_samples} samples in burn_cpu_for_profiling");
    assert_eq!(before_drop.failed + before_drop.dropped, 0, "{before_drop:?}");
}

#[test]
fn an_agent_that_is_down_costs_counted_profiles_not_the_application() {
    let _turn = ONE_PROFILER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // A port nobody listens on: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let guard = dd_instrument::builder()
        .env_source(env(&[
            ("DD_TRACE_AGENT_URL", &format!("http://127.0.0.1:{port}")),
            ("OTEL_TRACES_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ]))
        .profiling(true)
        .profiling_upload_period(Duration::from_millis(200))
        .build()
        .expect("telemetry builds");
    let mut waited = 0;
    while guard.stats().profiles.failed == 0 {
        burn_for(Duration::from_millis(100));
        waited += 1;
        assert!(waited < 600, "no failed profile counted: {:?}", guard.stats());
    }
    let stats = guard.stats().profiles;
    assert_eq!(stats.sent, 0);
    drop(guard);
}

#[test]
fn a_local_profile_writes_a_flame_graph_and_a_pprof_with_the_hot_function() {
    static STOP: AtomicBool = AtomicBool::new(false);
    let _turn = ONE_PROFILER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    STOP.store(false, Ordering::Relaxed);
    let burning = burner(&STOP);
    let profile = dd_instrument::profiling::capture(Duration::from_millis(1500), 99).expect("the sampler starts");
    STOP.store(true, Ordering::Relaxed);
    burning.join().unwrap();
    assert!(profile.samples() > 0);

    let mut svg = Vec::new();
    profile.write_flamegraph(&mut svg).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.starts_with("<?xml"), "{}", &svg[..svg.len().min(200)]);
    assert!(svg.contains("burn_cpu_for_profiling"), "the hot function is in the flame graph");
    assert!(svg.contains(">burner<") || svg.contains("burner ("), "the thread's tower is named");

    let mut pprof = Vec::new();
    profile.write_pprof(&mut pprof).unwrap();
    let decoded = Decoded::from_gzip(&pprof);
    let hot: i64 = decoded
        .samples()
        .iter()
        .filter(|(functions, _, _)| functions.iter().any(|f| f.contains("burn_cpu_for_profiling")))
        .inspect(|(functions, _, _)| {
            assert!(
                !functions.iter().any(|f| f.contains("pprof::") || f.contains("trace_unsynchronized")),
                "{functions:?}"
            );
        })
        .map(|(_, values, _)| values[0])
        .sum();
    assert!(hot > 0, "the hot function is in the pprof");
    let total: i64 = decoded.samples().iter().map(|(_, values, _)| values[0]).sum();
    assert_eq!(u64::try_from(total).unwrap(), profile.samples());
}
