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

use super::{Batch, Point, Sink, Value};
use crate::config::DogStatsdAddr;

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
}

impl Encoder {
    pub(crate) fn new(global_tags: &[String], max_payload: usize) -> Self {
        Self { global_tags: global_tags.join(","), max_payload }
    }

    /// The payloads for `points`, in order.
    pub(crate) fn encode(&self, points: &[Point]) -> Vec<String> {
        let mut packer = Packer { max: self.max_payload, payloads: Vec::new(), current: String::new() };
        for point in points {
            let suffix = self.suffix(point);
            match &point.value {
                Value::Count(n) => packer.push(&format!("{}:{n}|c{suffix}", point.name)),
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
        packer.finish()
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
        if tags.is_empty() { String::new() } else { format!("|#{tags}") }
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

/// Packs lines into payloads separated by `\n`.
struct Packer {
    max: usize,
    payloads: Vec<String>,
    current: String,
}

impl Packer {
    fn push(&mut self, line: &str) {
        if !self.current.is_empty() && self.current.len() + 1 + line.len() > self.max {
            self.payloads.push(std::mem::take(&mut self.current));
        }
        if !self.current.is_empty() {
            self.current.push('\n');
        }
        // A single line longer than a payload (huge tags) still goes out alone; the Agent
        // truncates it rather than us dropping the point.
        self.current.push_str(line);
    }

    fn finish(mut self) -> Vec<String> {
        if !self.current.is_empty() {
            self.payloads.push(self.current);
        }
        self.payloads
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
    /// Payloads that could not be sent.
    pub(crate) dropped: u64,
}

#[derive(Debug)]
enum Transport {
    Udp { host: String, port: u16, target: Option<(SocketAddr, Instant)>, socket: Option<UdpSocket> },
    Unix { path: PathBuf, socket: Option<UnixDatagram> },
    UnixStream { path: PathBuf, stream: Option<UnixStream> },
}

impl DogStatsdSink {
    pub(crate) fn new(addr: &DogStatsdAddr, global_tags: &[String]) -> Self {
        let (transport, max) = match addr {
            DogStatsdAddr::Udp { host, port } => {
                (Transport::Udp { host: host.clone(), port: *port, target: None, socket: None }, MAX_UDP_PAYLOAD)
            }
            DogStatsdAddr::Unix(path) => (Transport::Unix { path: path.clone(), socket: None }, MAX_UDS_PAYLOAD),
            DogStatsdAddr::UnixStream(path) => {
                (Transport::UnixStream { path: path.clone(), stream: None }, MAX_UDS_PAYLOAD)
            }
        };
        Self { encoder: Encoder::new(global_tags, max), transport, dropped: 0 }
    }
}

impl Sink for DogStatsdSink {
    fn export(&mut self, batch: &Batch) {
        for payload in self.encoder.encode(&batch.points) {
            if self.transport.send(payload.as_bytes()).is_err() {
                self.dropped += 1;
            }
        }
    }
}

impl Transport {
    fn send(&mut self, payload: &[u8]) -> io::Result<()> {
        match self {
            Self::Udp { host, port, target, socket } => {
                let addr = match *target {
                    Some((addr, at)) if at.elapsed() < RESOLVE_EVERY => addr,
                    _ => {
                        let addr = (host.as_str(), *port).to_socket_addrs()?.next().ok_or_else(|| {
                            io::Error::new(io::ErrorKind::NotFound, "no address for the DogStatsD host")
                        })?;
                        *target = Some((addr, Instant::now()));
                        addr
                    }
                };
                let socket = match socket {
                    Some(socket) if socket.local_addr().is_ok_and(|local| local.is_ipv4() == addr.is_ipv4()) => socket,
                    _ => {
                        let any: SocketAddr = if addr.is_ipv4() {
                            ([0, 0, 0, 0], 0).into()
                        } else {
                            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
                        };
                        let fresh = UdpSocket::bind(any)?;
                        fresh.set_nonblocking(true)?;
                        socket.insert(fresh)
                    }
                };
                socket.send_to(payload, addr).map(drop)
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
    use crate::per_call::histogram::{Bucket, Histogram};

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
        let mut sink = DogStatsdSink::new(&DogStatsdAddr::Udp { host: "127.0.0.1".into(), port }, &["env:test".into()]);
        let now = std::time::SystemTime::now();
        sink.export(&Batch {
            points: vec![Point { name: "x", tags: vec![], value: Value::Count(2) }],
            start: now,
            end: now,
        });
        let mut buf = [0u8; 2048];
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"x:2|c|#env:test");
        assert_eq!(sink.dropped, 0);
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
        let mut sink = DogStatsdSink::new(&DogStatsdAddr::Unix(dgram_path.clone()), &[]);
        sink.export(&batch);
        let mut buf = [0u8; 64];
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"y:1|c");

        let stream_path = dir.join("dsd.stream");
        let _ = std::fs::remove_file(&stream_path);
        let listener = std::os::unix::net::UnixListener::bind(&stream_path).unwrap();
        let mut sink = DogStatsdSink::new(&DogStatsdAddr::UnixStream(stream_path.clone()), &[]);
        sink.export(&batch);
        let (mut conn, _) = listener.accept().unwrap();
        let mut framed = [0u8; 9];
        std::io::Read::read_exact(&mut conn, &mut framed).unwrap();
        assert_eq!(&framed, b"\x05\x00\x00\x00y:1|c");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_agent_drops_instead_of_failing() {
        let mut sink = DogStatsdSink::new(&DogStatsdAddr::Unix("/nonexistent/dsd.socket".into()), &[]);
        let now = std::time::SystemTime::now();
        sink.export(&Batch {
            points: vec![Point { name: "z", tags: vec![], value: Value::Count(1) }],
            start: now,
            end: now,
        });
        assert_eq!(sink.dropped, 1);
    }
}
