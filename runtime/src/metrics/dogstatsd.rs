//! DogStatsD: datagrams to the Datadog Agent over UDP or a Unix socket.
//!
//! Points become lines (`name:value|type|#tags`) packed into payloads of at most 1432 bytes over
//! UDP and 8192 over Unix sockets, lines separated by `\n`. Latencies are distributions (`|d`):
//! values of a bucket counted up to [`MAX_REPEAT`] times are repeated in one line
//! (`name:1.2:1.2:3.4|d`, protocol v1.1); a bucket counted more often is sent once with a sample
//! rate of `1/count` (`name:1.2|d|@0.001`), which the Agent counts `count` times. Sockets are
//! non-blocking: when the Agent is down or slow, payloads are dropped and counted, never queued.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use std::sync::Arc;

use super::{Batch, Point, Sink, Value};
use crate::config::DogStatsdAddr;
use crate::health::Destination;

/// Largest UDP payload: fits a 1500-byte MTU with room for headers (Datadog's default).
pub(crate) const MAX_UDP_PAYLOAD: usize = 1432;
/// Largest Unix socket payload: the Agent's default `dogstatsd_buffer_size`.
pub(crate) const MAX_UDS_PAYLOAD: usize = 8192;
/// Times a value is repeated in a line before it is sent once with a sample rate instead.
pub(crate) const MAX_REPEAT: u64 = 16;
/// How long a host name stays resolved before it is looked up again.
const RESOLVE_EVERY: Duration = Duration::from_secs(30);

/// Renders points as DogStatsD payloads of at most `max_payload` bytes.
#[derive(Debug)]
pub(crate) struct Encoder {
    global_tags: String,
    max_payload: usize,
    /// `|e:<DD_EXTERNAL_ENV>`, or nothing.
    external_env: String,
}

impl Encoder {
    pub(crate) fn new(global_tags: &[String], max_payload: usize) -> Self {
        Self { global_tags: global_tags.join(","), max_payload, external_env: String::new() }
    }

    /// Adds the `e:` field (`DD_EXTERNAL_ENV`, set by Datadog's admission controller for origin
    /// detection) to every metric line, after the tags, as datadog-go does.
    pub(crate) fn with_external_env(mut self, external_env: Option<&str>) -> Self {
        self.external_env = external_env.map(|env| format!("|e:{env}")).unwrap_or_default();
        self
    }

    /// The payloads for `points`, in order.
    #[cfg(test)]
    pub(crate) fn encode(&self, points: &[Point]) -> Vec<String> {
        self.encode_counted(points).payloads.into_iter().map(|payload| payload.text).collect()
    }

    /// The payloads for `points`, with the points each carries and the points left out.
    pub(crate) fn encode_counted(&self, points: &[Point]) -> Encoded {
        let mut packer = Packer {
            max: self.max_payload,
            encoded: Encoded::default(),
            current: Payload::default(),
            point: 0,
            point_dropped: false,
        };
        for (index, point) in points.iter().enumerate() {
            packer.start_point(index);
            let suffix = self.suffix(point);
            match &point.value {
                Value::Count(n) => packer.push(&format!("{}:{n}|c{suffix}", point.name)),
                Value::FloatCount(n) => packer.push(&format!("{}:{}|c{suffix}", point.name, format_value(*n))),
                Value::Distribution(buckets) => {
                    let values = buckets.iter().map(|&(bucket, n)| (bucket.representative_ms(), n));
                    self.encode_distribution(&mut packer, point.name, values, &suffix);
                }
                Value::Values(buckets) => {
                    let values = buckets.iter().map(|&(bucket, n)| (bucket.representative(), n));
                    self.encode_distribution(&mut packer, point.name, values, &suffix);
                }
                Value::Gauge(value) => packer.push(&format!("{}:{}|g{suffix}", point.name, format_value(*value))),
                Value::Set(members) => {
                    for member in members {
                        packer.push(&format!("{}:{member}|s{suffix}", point.name));
                    }
                }
                Value::Event(event) => packer.push(&super::events::render_event(event, &self.global_tags)),
                Value::ServiceCheck(check) => {
                    packer.push(&super::events::render_service_check(check, &self.global_tags));
                }
            }
        }
        packer.finish(points.len())
    }

    /// `|#tags` with the global tags first, or nothing.
    fn suffix(&self, point: &Point) -> String {
        let mut tags = self.global_tags.clone();
        for tag in &point.tags {
            if !tags.is_empty() {
                tags.push(',');
            }
            tags.push_str(tag);
        }
        let tags = if tags.is_empty() { String::new() } else { format!("|#{tags}") };
        tags + &self.external_env
    }

    fn encode_distribution(
        &self,
        packer: &mut Packer,
        name: &str,
        values: impl Iterator<Item = (f64, u64)>,
        suffix: &str,
    ) {
        let type_and_tags = format!("|d{suffix}");
        // Room for values in one line; a line always takes at least one value.
        let budget = self.max_payload.saturating_sub(name.len() + type_and_tags.len());
        let mut line = String::new();
        for (value, count) in values {
            let value = format_value(value);
            if count > MAX_REPEAT {
                packer.push(&format!("{name}:{value}|d|@{}{suffix}", format_rate(count)));
                continue;
            }
            for _ in 0..count {
                if !line.is_empty() && line.len() + 1 + value.len() > budget {
                    packer.push(&format!("{name}{line}{type_and_tags}"));
                    line.clear();
                }
                line.push(':');
                line.push_str(&value);
            }
        }
        if !line.is_empty() {
            packer.push(&format!("{name}{line}{type_and_tags}"));
        }
    }
}

/// What [`Encoder::encode_counted`] made of a batch.
#[derive(Debug, Default)]
pub(crate) struct Encoded {
    pub(crate) payloads: Vec<Payload>,
    /// Points with a line longer than a payload: left out (the Agent would cut it).
    pub(crate) oversized: u64,
    /// The longest line left out, in bytes.
    pub(crate) longest: usize,
    /// The points that reach a payload.
    pub(crate) points: u64,
}

/// One payload and the points it carries (lines of a point may span several payloads).
#[derive(Debug, Default)]
pub(crate) struct Payload {
    pub(crate) text: String,
    /// Index of the first and the last point with a line in it.
    pub(crate) first: usize,
    pub(crate) last: usize,
}

/// Packs lines into payloads separated by `\n`.
struct Packer {
    max: usize,
    encoded: Encoded,
    current: Payload,
    /// The point whose lines are being pushed.
    point: usize,
    /// Whether a line of that point was too long.
    point_dropped: bool,
}

impl Packer {
    fn start_point(&mut self, index: usize) {
        self.end_point();
        self.point = index;
        self.point_dropped = false;
    }

    fn end_point(&mut self) {
        if self.point_dropped {
            self.encoded.oversized += 1;
        }
    }

    fn push(&mut self, line: &str) {
        if line.len() > self.max {
            // Every datagram stays within the limit: a line that cannot fit (huge tags) is left
            // out and counted, never sent for the Agent to cut or drop.
            self.point_dropped = true;
            self.encoded.longest = self.encoded.longest.max(line.len());
            return;
        }
        if !self.current.text.is_empty() && self.current.text.len() + 1 + line.len() > self.max {
            let next = Payload { text: String::new(), first: self.point, last: self.point };
            self.encoded.payloads.push(std::mem::replace(&mut self.current, next));
        }
        if self.current.text.is_empty() {
            self.current.first = self.point;
        } else {
            self.current.text.push('\n');
        }
        self.current.last = self.point;
        self.current.text.push_str(line);
    }

    fn finish(mut self, points: usize) -> Encoded {
        self.end_point();
        if !self.current.text.is_empty() {
            self.encoded.payloads.push(self.current);
        }
        self.encoded.points = points as u64 - self.encoded.oversized;
        self.encoded
    }
}

/// Shortest decimal text that reads back as `value`.
fn format_value(value: f64) -> String {
    let mut text = String::new();
    let _ = write!(text, "{value}");
    text
}

/// The sample rate that makes the Agent count a value `count` times.
///
/// The Agent counts a sampled value `uint(1 / rate)` times, so the rate is the largest `f64`
/// whose reciprocal is at least `count`, written in its shortest exact form.
pub(crate) fn format_rate(count: u64) -> String {
    let target = count as f64;
    let mut rate = 1.0 / target;
    while 1.0 / rate < target {
        rate = rate.next_down();
    }
    format_value(rate)
}

/// Sends payloads to the Agent.
#[derive(Debug)]
pub(crate) struct DogStatsdSink {
    encoder: Encoder,
    transport: Transport,
    destination: Arc<Destination>,
}

#[derive(Debug)]
enum Transport {
    Udp { host: String, port: u16, target: Option<(SocketAddr, Instant)>, socket: Option<UdpSocket> },
    Unix { path: PathBuf, socket: Option<UnixDatagram> },
    UnixStream { path: PathBuf, stream: Option<UnixStream> },
}

impl DogStatsdSink {
    pub(crate) fn new(
        addr: &DogStatsdAddr,
        global_tags: &[String],
        external_env: Option<&str>,
        destination: Arc<Destination>,
    ) -> Self {
        let (transport, max) = match addr {
            DogStatsdAddr::Udp { host, port } => {
                (Transport::Udp { host: host.clone(), port: *port, target: None, socket: None }, MAX_UDP_PAYLOAD)
            }
            DogStatsdAddr::Unix(path) => (Transport::Unix { path: path.clone(), socket: None }, MAX_UDS_PAYLOAD),
            DogStatsdAddr::UnixStream(path) => {
                (Transport::UnixStream { path: path.clone(), stream: None }, MAX_UDS_PAYLOAD)
            }
        };
        Self { encoder: Encoder::new(global_tags, max).with_external_env(external_env), transport, destination }
    }
}

impl Sink for DogStatsdSink {
    fn export(&mut self, batch: &Batch) {
        let encoded = self.encoder.encode_counted(&batch.points);
        if encoded.oversized > 0 {
            let detail = format!(
                "a line of {} bytes cannot fit in a datagram of {} bytes: fewer or shorter tags",
                encoded.longest, self.encoder.max_payload
            );
            self.destination.dropped(encoded.oversized, "line longer than a datagram", &detail);
        }
        // A point fails with the first payload carrying one of its lines that fails.
        let mut failed = vec![false; batch.points.len()];
        let mut failures: Option<(io::Error, u64)> = None;
        let mut full: u64 = 0;
        for payload in &encoded.payloads {
            if let Err(error) = self.transport.send(payload.text.as_bytes()) {
                let newly = failed[payload.first..=payload.last].iter().filter(|f| !**f).count() as u64;
                failed[payload.first..=payload.last].fill(true);
                if error.kind() == io::ErrorKind::WouldBlock {
                    full += newly;
                } else {
                    let count = failures.as_ref().map_or(0, |(_, n)| *n) + newly;
                    failures = Some((error, count));
                }
            }
        }
        if full > 0 {
            self.destination.dropped(full, "the socket buffer is full", &"the Agent does not read fast enough");
        }
        let mut lost = full;
        if let Some((error, count)) = failures {
            lost += count;
            self.destination.failed(count, self.transport.kind_of(&error), &error);
        }
        self.destination.sent(encoded.points.saturating_sub(lost));
    }
}

impl Transport {
    /// The kind of a send error, for warnings.
    fn kind_of(&self, error: &io::Error) -> &'static str {
        match (self, error.kind()) {
            (Self::Udp { .. }, io::ErrorKind::NotFound) => "the host name does not resolve",
            (Self::Udp { .. }, io::ErrorKind::ConnectionRefused) => "nothing listens on the port (no Agent?)",
            (Self::Unix { .. } | Self::UnixStream { .. }, io::ErrorKind::NotFound) => {
                "the socket does not exist (no Agent, or not mounted?)"
            }
            (_, io::ErrorKind::ConnectionRefused) => "nothing listens on the socket (no Agent?)",
            (_, io::ErrorKind::PermissionDenied) => "permission denied",
            _ => "send error",
        }
    }

    fn send(&mut self, payload: &[u8]) -> io::Result<()> {
        match self {
            Self::Udp { host, port, target, socket } => {
                let addr = match *target {
                    Some((addr, at)) if at.elapsed() < RESOLVE_EVERY => addr,
                    _ => {
                        let resolved = (host.as_str(), *port).to_socket_addrs().map_err(|e| {
                            io::Error::new(io::ErrorKind::NotFound, format!("`{host}` does not resolve: {e}"))
                        })?;
                        let addr = resolved.into_iter().next().ok_or_else(|| {
                            io::Error::new(io::ErrorKind::NotFound, format!("`{host}` has no address"))
                        })?;
                        if target.is_none_or(|(known, _)| known != addr) {
                            *socket = None;
                        }
                        *target = Some((addr, Instant::now()));
                        addr
                    }
                };
                let socket = if let Some(socket) = socket {
                    socket
                } else {
                    let any: SocketAddr = if addr.is_ipv4() {
                        ([0, 0, 0, 0], 0).into()
                    } else {
                        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
                    };
                    let fresh = UdpSocket::bind(any)?;
                    fresh.set_nonblocking(true)?;
                    // Connected, so that the system reports a refused port (no Agent) on a later
                    // send instead of discarding the report.
                    fresh.connect(addr)?;
                    socket.insert(fresh)
                };
                socket.send(payload).map(drop)
            }
            Self::Unix { path, socket: slot } => {
                let socket = if let Some(socket) = slot {
                    socket
                } else {
                    let fresh = UnixDatagram::unbound()?;
                    fresh.set_nonblocking(true)?;
                    fresh.connect(&*path)?;
                    slot.insert(fresh)
                };
                let sent = socket.send(payload).map(drop);
                if sent.as_ref().is_err_and(|e| e.kind() != io::ErrorKind::WouldBlock) {
                    // The Agent may have restarted with a new socket: connect again next time.
                    *slot = None;
                }
                sent
            }
            Self::UnixStream { path, stream: slot } => {
                let stream = if let Some(stream) = slot {
                    stream
                } else {
                    let fresh = UnixStream::connect(&*path)?;
                    fresh.set_write_timeout(Some(Duration::from_millis(100)))?;
                    slot.insert(fresh)
                };
                let length = u32::try_from(payload.len()).unwrap_or(u32::MAX).to_le_bytes();
                let written = stream.write_all(&length).and_then(|()| stream.write_all(payload));
                if written.is_err() {
                    // A partial frame breaks the stream's framing: start over with a new stream.
                    *slot = None;
                }
                written
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::DestinationStats;
    use crate::per_call::histogram::{Bucket, Histogram};

    fn destination() -> Arc<Destination> {
        Destination::new("metric points", "test".into(), None)
    }

    #[test]
    fn a_line_longer_than_a_datagram_is_left_out_and_counted() {
        let encoder = Encoder::new(&["env:prod".into()], 100);
        let points = vec![
            Point { name: "a", tags: vec![], value: Value::Count(1) },
            Point { name: "b", tags: vec![format!("t:{}", "x".repeat(120))], value: Value::Count(2) },
            Point { name: "c", tags: vec![], value: Value::Count(3) },
        ];
        let packed = encoder.encode_counted(&points);
        let texts: Vec<&str> = packed.payloads.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["a:1|c|#env:prod\nc:3|c|#env:prod"]);
        assert_eq!((packed.oversized, packed.longest, packed.points), (1, 138, 2));
        assert_eq!((packed.payloads[0].first, packed.payloads[0].last), (0, 2));
    }

    #[test]
    fn unreachable_agents_are_counted_per_point() {
        // A connected UDP socket learns that nothing listens (a refused port) on a later send.
        let closed = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let refused = destination();
        let mut sink =
            DogStatsdSink::new(&DogStatsdAddr::Udp { host: "127.0.0.1".into(), port }, &[], None, Arc::clone(&refused));
        let now = std::time::SystemTime::now();
        let batch =
            Batch { points: vec![Point { name: "x", tags: vec![], value: Value::Count(1) }], start: now, end: now };
        for _ in 0..4 {
            sink.export(&batch);
        }
        let stats = refused.stats();
        assert_eq!(stats.sent + stats.failed, 4, "{stats:?}");
        assert!(stats.failed >= 1, "a refused port is noticed: {stats:?}");

        let unresolved = destination();
        let mut sink = DogStatsdSink::new(
            &DogStatsdAddr::Udp { host: "no-such-host.invalid".into(), port: 8125 },
            &[],
            None,
            Arc::clone(&unresolved),
        );
        sink.export(&batch);
        assert_eq!(unresolved.stats(), DestinationStats { sent: 0, dropped: 0, failed: 1 });
    }

    fn buckets(values_nanos: &[u64]) -> Vec<(Bucket, u64)> {
        let h = Histogram::new();
        for &v in values_nanos {
            h.record(v);
        }
        let mut out = Vec::new();
        h.drain(|b, n| out.push((b, n)));
        out
    }

    #[test]
    fn counts_and_distributions_render_exactly() {
        let encoder = Encoder::new(&["env:prod".into(), "service:shop".into()], MAX_UDP_PAYLOAD);
        let points = vec![
            Point { name: "slo.requests.total", tags: vec!["slo:checkout".into()], value: Value::Count(3) },
            Point {
                name: "shop.charge.duration",
                tags: vec!["outcome:ok".into()],
                value: Value::Distribution(buckets(&[2_000_000, 2_000_000, 10_000_000])),
            },
        ];
        assert_eq!(
            encoder.encode(&points),
            [
                "slo.requests.total:3|c|#env:prod,service:shop,slo:checkout\nshop.charge.duration:2.003:2.003:9.994|d|#env:prod,service:shop,outcome:ok"
            ]
        );
    }

    #[test]
    fn the_external_env_ends_every_metric_line() {
        let encoder =
            Encoder::new(&["env:prod".into()], MAX_UDP_PAYLOAD).with_external_env(Some("it-false,cn-app,pu-3f1c"));
        let points = vec![
            Point { name: "c", tags: vec!["slo:a".into()], value: Value::Count(1) },
            Point { name: "t", tags: vec![], value: Value::Distribution(buckets(&[5_000; 1000])) },
        ];
        assert_eq!(
            encoder.encode(&points),
            [format!(
                "c:1|c|#env:prod,slo:a|e:it-false,cn-app,pu-3f1c\nt:0.005008|d|@{}|#env:prod|e:it-false,cn-app,pu-3f1c",
                format_rate(1000)
            )]
        );
    }

    #[test]
    fn frequent_values_are_sent_once_with_a_rate() {
        let encoder = Encoder::new(&[], MAX_UDP_PAYLOAD);
        let points = vec![Point { name: "t", tags: vec![], value: Value::Distribution(buckets(&[5_000; 1000])) }];
        assert_eq!(encoder.encode(&points), [format!("t:0.005008|d|@{}", format_rate(1000))]);
    }

    #[test]
    fn rates_decode_to_the_exact_count() {
        for count in [17_u64, 20, 100, 999, 1000, 1024, 12_345, 1_000_000, 987_654_321] {
            let rate: f64 = format_rate(count).parse().unwrap();
            // What the Agent does: `uint(1 / sampleRate)`, a truncating conversion.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let counted = (1.0 / rate) as u64;
            assert_eq!(counted, count, "rate {rate} for {count}");
        }
    }

    #[test]
    fn payloads_stay_under_the_limit() {
        let encoder = Encoder::new(&["env:prod".into()], 200);
        let many: Vec<u64> = (1..400).map(|i| i * 1_000_003).collect();
        let points = vec![
            Point {
                name: "a.long.metric.name",
                tags: vec!["outcome:ok".into()],
                value: Value::Distribution(buckets(&many)),
            },
            Point { name: "c", tags: vec![], value: Value::Count(1) },
        ];
        let payloads = encoder.encode(&points);
        assert!(payloads.len() > 5);
        let mut values = 0;
        for payload in &payloads {
            assert!(payload.len() <= 200, "{} bytes: {payload}", payload.len());
            for line in payload.lines() {
                if let Some(rest) = line.strip_prefix("a.long.metric.name:") {
                    assert!(line.ends_with("|d|#env:prod,outcome:ok"));
                    values += rest.split('|').next().unwrap().split(':').count();
                }
            }
        }
        assert_eq!(values, 399);
    }

    #[test]
    fn udp_sink_delivers_payloads() {
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        receiver.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let port = receiver.local_addr().unwrap().port();
        let destination = Destination::new("metric points", "test".into(), None);
        let mut sink = DogStatsdSink::new(
            &DogStatsdAddr::Udp { host: "127.0.0.1".into(), port },
            &["env:test".into()],
            None,
            Arc::clone(&destination),
        );
        let now = std::time::SystemTime::now();
        sink.export(&Batch {
            points: vec![Point { name: "x", tags: vec![], value: Value::Count(2) }],
            start: now,
            end: now,
        });
        let mut buf = [0u8; 2048];
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"x:2|c|#env:test");
        assert_eq!(destination.stats(), DestinationStats { sent: 1, dropped: 0, failed: 0 });
    }

    #[test]
    fn unix_sinks_deliver_and_frame_payloads() {
        let dir = std::env::temp_dir().join(format!("dd-instrument-dsd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let now = std::time::SystemTime::now();
        let batch =
            Batch { points: vec![Point { name: "y", tags: vec![], value: Value::Count(1) }], start: now, end: now };

        let dgram_path = dir.join("dsd.socket");
        let _ = std::fs::remove_file(&dgram_path);
        let receiver = UnixDatagram::bind(&dgram_path).unwrap();
        let mut sink = DogStatsdSink::new(&DogStatsdAddr::Unix(dgram_path.clone()), &[], None, destination());
        sink.export(&batch);
        let mut buf = [0u8; 64];
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"y:1|c");

        let stream_path = dir.join("dsd.stream");
        let _ = std::fs::remove_file(&stream_path);
        let listener = std::os::unix::net::UnixListener::bind(&stream_path).unwrap();
        let mut sink = DogStatsdSink::new(&DogStatsdAddr::UnixStream(stream_path.clone()), &[], None, destination());
        sink.export(&batch);
        let (mut conn, _) = listener.accept().unwrap();
        let mut framed = [0u8; 9];
        std::io::Read::read_exact(&mut conn, &mut framed).unwrap();
        assert_eq!(&framed, b"\x05\x00\x00\x00y:1|c");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_agent_drops_instead_of_failing() {
        let destination = destination();
        let mut sink = DogStatsdSink::new(
            &DogStatsdAddr::Unix("/nonexistent/dsd.socket".into()),
            &[],
            None,
            Arc::clone(&destination),
        );
        let now = std::time::SystemTime::now();
        sink.export(&Batch {
            points: vec![Point { name: "z", tags: vec![], value: Value::Count(1) }],
            start: now,
            end: now,
        });
        assert_eq!(destination.stats(), DestinationStats { sent: 0, dropped: 0, failed: 1 });
    }
}
