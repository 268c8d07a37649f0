//! DogStatsD datagrams of this test binary, received on a UDP socket bound to 127.0.0.1: for
//! tests about the wire (datagram format, packing, payload limits). What a call counts is tested
//! with `dd_instrument::testing`, in parallel.
//!
//! The metrics pipeline is global (call sites are statics), so one capture serves the whole test
//! binary. Each test holds it (see [`lock`]) from before its first call to its last check, so
//! flushes of other tests never split its points, and takes only the lines of its own metrics.

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use dd_instrument::{DogStatsdAddr, Guard, MetricsExporter, TracesExporter};

/// Tags every datagram of the capture carries, in order.
pub const GLOBAL_TAGS: &str = "env:test,service:shop,version:1.2.3";

/// The DogStatsD capture of this test binary.
#[allow(missing_debug_implementations)]
pub struct Capture {
    socket: UdpSocket,
    lines: Vec<String>,
    guard: Guard,
}

/// Takes the capture for the rest of the test, starting it on first use. Call it before the
/// first instrumented call: calls made while no pipeline runs are not counted.
pub fn lock() -> MutexGuard<'static, Capture> {
    static CAPTURE: OnceLock<Mutex<Capture>> = OnceLock::new();
    let capture = CAPTURE.get_or_init(|| {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback UDP socket");
        socket.set_read_timeout(Some(Duration::from_millis(200))).expect("read timeout");
        let port = socket.local_addr().expect("local address").port();
        let guard = dd_instrument::builder()
            .env_source(BTreeMap::new())
            .service("shop")
            .env("test")
            .version("1.2.3")
            .traces_exporter(TracesExporter::None)
            .metrics_exporter(MetricsExporter::DogStatsd)
            .dogstatsd(DogStatsdAddr::Udp { host: "127.0.0.1".into(), port })
            // Only explicit flushes: tests decide when points leave.
            .flush_interval(Duration::from_hours(1))
            .build()
            .expect("telemetry builds");
        Mutex::new(Capture { socket, lines: Vec::new(), guard })
    });
    capture.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Capture {
    /// Flushes the metrics pipeline and returns the received lines whose metric name is `name`,
    /// removing them from the capture.
    pub fn take(&mut self, name: &str) -> Vec<String> {
        self.take_matching(name, |_| true)
    }

    /// Like [`take`](Self::take), for the lines of `name` that also satisfy `keep`.
    pub fn take_matching(&mut self, name: &str, keep: impl Fn(&Line) -> bool) -> Vec<String> {
        assert!(self.guard.flush(), "flush completes");
        self.receive();
        let prefix = format!("{name}:");
        let (mine, others): (Vec<String>, Vec<String>) =
            self.lines.drain(..).partition(|line| line.starts_with(&prefix) && keep(&parse(line)));
        self.lines = others;
        mine
    }

    fn receive(&mut self) {
        self.socket.set_nonblocking(true).expect("non-blocking");
        let mut buf = vec![0u8; 65_536];
        while let Ok(n) = self.socket.recv(&mut buf) {
            let payload = std::str::from_utf8(&buf[..n]).expect("datagrams are UTF-8");
            assert!(n <= 1432, "a UDP payload of {n} bytes exceeds 1432: {payload}");
            for line in payload.split('\n') {
                assert_valid_datagram(line);
                self.lines.push(line.to_owned());
            }
        }
        self.socket.set_nonblocking(false).expect("blocking");
    }
}

/// A parsed DogStatsD line: `name:v1:v2|type|@rate|#tags`.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Metric name.
    pub name: String,
    /// Values, as written.
    pub values: Vec<String>,
    /// Type: `c`, `d`, ...
    pub kind: String,
    /// Sample rate, if any.
    pub rate: Option<String>,
    /// Tags, in order.
    pub tags: Vec<String>,
}

/// Parses one line by the DogStatsD grammar; panics on anything else.
pub fn parse(line: &str) -> Line {
    let mut parts = line.split('|');
    let head = parts.next().expect("a name and values");
    let (name, values) = head.split_once(':').unwrap_or_else(|| panic!("`{line}` has no value"));
    let kind = parts.next().unwrap_or_else(|| panic!("`{line}` has no type")).to_owned();
    let (mut rate, mut tags) = (None, Vec::new());
    for part in parts {
        if let Some(r) = part.strip_prefix('@') {
            rate = Some(r.to_owned());
        } else if let Some(t) = part.strip_prefix('#') {
            tags = t.split(',').map(str::to_owned).collect();
        } else if part.starts_with("c:") || part.starts_with("e:") {
            // Container id and external env (origin detection): not checked here.
        } else {
            panic!("unexpected field `{part}` in `{line}`");
        }
    }
    Line { name: name.to_owned(), values: values.split(':').map(str::to_owned).collect(), kind, rate, tags }
}

/// Asserts `line` is a valid DogStatsD metric datagram line: `name:v[:v...]|type[|@rate][|#tags]`
/// with a Datadog metric name (a letter first, then ASCII letters, digits, `_` and `.`, at most
/// 200 characters), a known type, numeric values, a rate in (0, 1], and tags that follow Datadog's
/// rules ([`datadog_tag_problem`]).
pub fn assert_valid_datagram(line: &str) {
    let parsed = parse(line);
    let mut name = parsed.name.chars();
    assert!(
        name.next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            && parsed.name.len() <= 200,
        "invalid metric name in `{line}`"
    );
    assert!(["c", "g", "ms", "h", "s", "d"].contains(&parsed.kind.as_str()), "unknown type in `{line}`");
    if parsed.kind != "s" {
        for value in &parsed.values {
            assert!(value.parse::<f64>().is_ok_and(f64::is_finite), "value `{value}` in `{line}` is not a number");
        }
    }
    if let Some(rate) = &parsed.rate {
        let rate: f64 = rate.parse().unwrap_or_else(|_| panic!("rate in `{line}`"));
        assert!(rate > 0.0 && rate <= 1.0, "rate out of (0, 1] in `{line}`");
    }
    for tag in &parsed.tags {
        if let Some(problem) = datadog_tag_problem(tag) {
            panic!("tag `{tag}` of `{line}` breaks Datadog's tag rules: {problem}");
        }
    }
}

/// What is wrong with `tag` by Datadog's tag rules, stated here independently of the library's
/// own normalizer (Datadog's "Getting started with tags"): a tag starts with a letter; it holds
/// only lowercase letters, digits, `_`, `-`, `:`, `.` and `/` (Datadog lowercases and replaces
/// anything else, so a tag sent otherwise is not the tag that was meant); it is at most 200
/// characters long; it does not end with `:`.
pub fn datadog_tag_problem(tag: &str) -> Option<&'static str> {
    let first = tag.chars().next()?;
    if !first.is_ascii_alphabetic() {
        return Some("it does not start with a letter");
    }
    if let Some(bad) = tag.chars().find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '_' | '-' | ':' | '.' | '/')) {
        return Some(if bad.is_ascii_uppercase() {
            "it has an uppercase letter"
        } else {
            "it has a character outside `a-z0-9_-:./`"
        });
    }
    if tag.chars().count() > 200 {
        return Some("it is longer than 200 characters");
    }
    if tag.ends_with(':') {
        return Some("it ends with `:`");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::datadog_tag_problem;

    #[test]
    fn the_tag_rules_accept_and_reject_what_datadog_does() {
        for good in ["env:prod", "a", "url:http://x/y", "dd.internal.entity_id:3f1c-2a9e", "k:v:w", "team_a-b"] {
            assert_eq!(datadog_tag_problem(good), None, "{good}");
        }
        let bad = [
            ("Env:prod", "it has an uppercase letter"),
            ("1abc", "it does not start with a letter"),
            ("_x", "it does not start with a letter"),
            ("region:eu west", "it has a character outside `a-z0-9_-:./`"),
            ("name:café", "it has a character outside `a-z0-9_-:./`"),
            ("key:", "it ends with `:`"),
        ];
        for (tag, problem) in bad {
            assert_eq!(datadog_tag_problem(tag), Some(problem), "{tag}");
        }
        assert_eq!(datadog_tag_problem(&format!("k:{}", "v".repeat(199))), Some("it is longer than 200 characters"));
        assert_eq!(datadog_tag_problem(&format!("k:{}", "v".repeat(198))), None);
    }
}
