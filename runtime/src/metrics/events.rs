//! Events and service checks: deploy markers, health checks, anything that happens rather than
//! counts. Sent as DogStatsD `_e{..}` and `_sc|..` datagrams through the metrics pipeline's
//! socket with the next flush (or [`Guard::flush`](crate::Guard::flush)).
//!
//! Only DogStatsD carries them. With the console exporter they are printed; with OTLP (which
//! has no such signal) they are dropped, counted, and a warning says once that they need
//! `DD_METRICS_EXPORTER=dogstatsd`. [`Event::send`] and [`ServiceCheck::send`] say when nothing
//! will carry them.
//!
//! The `dogstatsd` crate formats these datagrams too, but sends them on a socket of its own and
//! neither escapes line breaks nor puts a service check's message last, as the DogStatsD spec
//! requires; the few lines here write them on the pipeline's socket, in its payloads.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Point, Value};
use crate::per_call::site::{self, CAPTURE, PIPELINE};

/// Longest event title, in bytes once escaped (Datadog's events API limit).
pub const MAX_EVENT_TITLE: usize = 100;
/// Longest event text, in bytes once escaped (Datadog's events API limit).
pub const MAX_EVENT_TEXT: usize = 4000;
/// Longest datagram of an event or service check: the Agent's default read buffer.
pub const MAX_DATAGRAM: usize = 8192;
/// Events and service checks waiting for the next flush; more are refused
/// ([`SendError::QueueFull`]) and counted.
pub const QUEUE_CAPACITY: usize = 256;

/// Waiting for the next flush.
static QUEUE: Mutex<VecDeque<Point>> = Mutex::new(VecDeque::new());

/// Why an event or a service check was not queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// No metrics exporter runs (`init` was not called, or `DD_METRICS_EXPORTER=none`).
    #[error("no metrics exporter runs: events and service checks are sent by the metrics pipeline")]
    NoExporter,
    /// A field is empty, too long, or contains a character the datagram cannot carry.
    #[error("{field} {problem}")]
    Invalid {
        /// The field: `title`, `text`, `name`, `hostname`, ...
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// [`QUEUE_CAPACITY`] events and checks already wait for the next flush.
    #[error("{QUEUE_CAPACITY} events and service checks already wait for the next flush")]
    QueueFull,
}

/// An event's priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    /// Shown by default.
    #[default]
    Normal,
    /// Hidden unless asked for.
    Low,
}

/// An event's alert type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlertType {
    /// Information (the default).
    #[default]
    Info,
    /// Success: a deploy finished.
    Success,
    /// Warning.
    Warning,
    /// Error.
    Error,
}

/// An event for the Datadog event stream: a deploy, a configuration change, a failover.
///
/// ```no_run
/// use dd_instrument::metrics::{AlertType, Event};
///
/// let _telemetry = dd_instrument::init()?;
/// Event::new("Deployed shop 1.4.2", "Rolled out to eu-west-1.\nChangelog: https://example.com/1.4.2")
///     .alert_type(AlertType::Success)
///     .aggregation_key("deploy-shop")
///     .source_type_name("deploy")
///     .tags(&[("git.commit.sha", "9f2c1e7")])
///     .send()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    title: String,
    text: String,
    timestamp: Option<u64>,
    hostname: Option<String>,
    aggregation_key: Option<String>,
    priority: Option<Priority>,
    source_type_name: Option<String>,
    alert_type: Option<AlertType>,
    tags: Vec<String>,
}

impl Event {
    /// An event with a title (at most [`MAX_EVENT_TITLE`] bytes) and a text (at most
    /// [`MAX_EVENT_TEXT`] bytes; line breaks are kept, escaped as the protocol requires).
    pub fn new(title: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            text: text.into(),
            timestamp: None,
            hostname: None,
            aggregation_key: None,
            priority: None,
            source_type_name: None,
            alert_type: None,
            tags: Vec::new(),
        }
    }

    /// When it happened, in seconds since the Unix epoch (default: when the Agent receives it).
    #[must_use]
    pub fn timestamp(mut self, at: SystemTime) -> Self {
        self.timestamp = Some(at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
        self
    }

    /// The host it concerns (default: the Agent's host).
    #[must_use]
    pub fn hostname(mut self, hostname: impl Into<String>) -> Self {
        self.hostname = Some(hostname.into());
        self
    }

    /// Groups events with the same key in the event stream.
    #[must_use]
    pub fn aggregation_key(mut self, key: impl Into<String>) -> Self {
        self.aggregation_key = Some(key.into());
        self
    }

    /// [`Priority::Normal`] or [`Priority::Low`].
    #[must_use]
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = Some(priority);
        self
    }

    /// The source of the event (`deploy`, `jenkins`, ...).
    #[must_use]
    pub fn source_type_name(mut self, source: impl Into<String>) -> Self {
        self.source_type_name = Some(source.into());
        self
    }

    /// Info, success, warning or error.
    #[must_use]
    pub fn alert_type(mut self, alert_type: AlertType) -> Self {
        self.alert_type = Some(alert_type);
        self
    }

    /// Adds tags, normalized by Datadog's rules (the unified service tags are added by the
    /// exporter).
    #[must_use]
    pub fn tags(mut self, tags: &[(&str, &str)]) -> Self {
        self.tags.extend(tags.iter().filter_map(|(key, value)| dd_instrument_rules::tag(key, value)));
        self
    }

    /// Queues the event for the next flush of the metrics pipeline.
    pub fn send(self) -> Result<(), SendError> {
        let title = escape(&self.title);
        let text = escape(&self.text);
        if title.is_empty() {
            return Err(invalid("title", "is empty".into()));
        }
        if title.len() > MAX_EVENT_TITLE {
            return Err(invalid("title", format!("is {} bytes long, more than {MAX_EVENT_TITLE}", title.len())));
        }
        if text.len() > MAX_EVENT_TEXT {
            return Err(invalid("text", format!("is {} bytes long, more than {MAX_EVENT_TEXT}", text.len())));
        }
        for (field, value) in [
            ("hostname", &self.hostname),
            ("aggregation_key", &self.aggregation_key),
            ("source_type_name", &self.source_type_name),
        ] {
            if let Some(value) = value {
                check_field(field, value)?;
            }
        }
        check_size(&render_event(&self, ""))?;
        enqueue(Value::Event(Box::new(self)))
    }
}

/// The status of a service check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: healthy.
    Ok,
    /// 1: degraded.
    Warning,
    /// 2: failing.
    Critical,
    /// 3: could not tell.
    Unknown,
}

/// A service check: the status of something the service depends on, for monitors of type
/// "service check".
///
/// ```no_run
/// use dd_instrument::metrics::{ServiceCheck, Status};
///
/// let _telemetry = dd_instrument::init()?;
/// ServiceCheck::new("shop.database.can_connect", Status::Critical)
///     .message("connection refused by db-1:5432")
///     .tags(&[("db", "orders")])
///     .send()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceCheck {
    name: String,
    status: Status,
    timestamp: Option<u64>,
    hostname: Option<String>,
    tags: Vec<String>,
    message: Option<String>,
}

impl ServiceCheck {
    /// A check named `name` (a metric name: letters, digits, `_` and `.`) with its status.
    pub fn new(name: impl Into<String>, status: Status) -> Self {
        Self { name: name.into(), status, timestamp: None, hostname: None, tags: Vec::new(), message: None }
    }

    /// When the status was seen (default: when the Agent receives it).
    #[must_use]
    pub fn timestamp(mut self, at: SystemTime) -> Self {
        self.timestamp = Some(at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
        self
    }

    /// The host it concerns (default: the Agent's host).
    #[must_use]
    pub fn hostname(mut self, hostname: impl Into<String>) -> Self {
        self.hostname = Some(hostname.into());
        self
    }

    /// Adds tags, normalized by Datadog's rules.
    #[must_use]
    pub fn tags(mut self, tags: &[(&str, &str)]) -> Self {
        self.tags.extend(tags.iter().filter_map(|(key, value)| dd_instrument_rules::tag(key, value)));
        self
    }

    /// A message describing the status (line breaks are escaped).
    #[must_use]
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Queues the check for the next flush of the metrics pipeline.
    pub fn send(self) -> Result<(), SendError> {
        if !dd_instrument_rules::is_valid_metric_name(&self.name) {
            return Err(invalid(
                "name",
                format!("`{}` is not a metric name (a letter, then letters, digits, `_` and `.`)", self.name),
            ));
        }
        if let Some(hostname) = &self.hostname {
            check_field("hostname", hostname)?;
        }
        check_size(&render_service_check(&self, ""))?;
        enqueue(Value::ServiceCheck(Box::new(self)))
    }
}

fn invalid(field: &'static str, problem: String) -> SendError {
    SendError::Invalid { field, problem }
}

/// Fields between `|` separators may hold neither `|` nor a line break.
fn check_field(field: &'static str, value: &str) -> Result<(), SendError> {
    if value.is_empty() || value.contains(['|', '\n', '\r']) {
        return Err(invalid(field, format!("`{}` is empty or contains `|` or a line break", value.escape_debug())));
    }
    Ok(())
}

fn check_size(datagram: &str) -> Result<(), SendError> {
    if datagram.len() > MAX_DATAGRAM {
        return Err(invalid("datagram", format!("would be {} bytes long, more than {MAX_DATAGRAM}", datagram.len())));
    }
    Ok(())
}

fn enqueue(value: Value) -> Result<(), SendError> {
    let mode = site::mode();
    if mode & CAPTURE != 0
        && let Some(capture) = super::capture::current()
    {
        // Inside a `testing` capture: kept by the capture, never sent.
        return if super::capture::lock(&capture).event(value) { Ok(()) } else { Err(SendError::QueueFull) };
    }
    if mode & PIPELINE == 0 {
        return Err(SendError::NoExporter);
    }
    let mut queue = QUEUE.lock().unwrap_or_else(PoisonError::into_inner);
    if queue.len() >= QUEUE_CAPACITY {
        return Err(SendError::QueueFull);
    }
    queue.push_back(Point { name: "", tags: Vec::new(), value });
    Ok(())
}

/// Takes the queued events and checks, in order, for a flush.
pub(crate) fn collect(points: &mut Vec<Point>) {
    points.extend(QUEUE.lock().unwrap_or_else(PoisonError::into_inner).drain(..));
}

/// Line breaks as the protocol wants them in a text: `\n` written as the two characters `\\n`.
fn escape(text: &str) -> String {
    text.replace("\r\n", "\\n").replace('\n', "\\n")
}

/// Appends `|#` and the tags (the exporter's first), if any.
fn push_tags(out: &mut String, global_tags: &str, tags: &[String]) {
    if global_tags.is_empty() && tags.is_empty() {
        return;
    }
    out.push_str("|#");
    out.push_str(global_tags);
    for (i, tag) in tags.iter().enumerate() {
        if i > 0 || !global_tags.is_empty() {
            out.push(',');
        }
        out.push_str(tag);
    }
}

/// `_e{<title len>,<text len>}:<title>|<text>|d:..|h:..|k:..|p:..|s:..|t:..|#tags`.
pub(crate) fn render_event(event: &Event, global_tags: &str) -> String {
    let title = escape(&event.title);
    let text = escape(&event.text);
    let mut out = format!("_e{{{},{}}}:{title}|{text}", title.len(), text.len());
    if let Some(at) = event.timestamp {
        let _ = write!(out, "|d:{at}");
    }
    if let Some(hostname) = &event.hostname {
        let _ = write!(out, "|h:{hostname}");
    }
    if let Some(key) = &event.aggregation_key {
        let _ = write!(out, "|k:{key}");
    }
    if let Some(priority) = event.priority {
        out.push_str(match priority {
            Priority::Normal => "|p:normal",
            Priority::Low => "|p:low",
        });
    }
    if let Some(source) = &event.source_type_name {
        let _ = write!(out, "|s:{source}");
    }
    if let Some(alert) = event.alert_type {
        out.push_str(match alert {
            AlertType::Info => "|t:info",
            AlertType::Success => "|t:success",
            AlertType::Warning => "|t:warning",
            AlertType::Error => "|t:error",
        });
    }
    push_tags(&mut out, global_tags, &event.tags);
    out
}

/// `_sc|<name>|<status>|d:..|h:..|#tags|m:<message>` (the message last).
pub(crate) fn render_service_check(check: &ServiceCheck, global_tags: &str) -> String {
    let status = match check.status {
        Status::Ok => 0,
        Status::Warning => 1,
        Status::Critical => 2,
        Status::Unknown => 3,
    };
    let mut out = format!("_sc|{}|{status}", check.name);
    if let Some(at) = check.timestamp {
        let _ = write!(out, "|d:{at}");
    }
    if let Some(hostname) = &check.hostname {
        let _ = write!(out, "|h:{hostname}");
    }
    push_tags(&mut out, global_tags, &check.tags);
    if let Some(message) = &check.message {
        let _ = write!(out, "|m:{}", escape(message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_render_every_field_in_the_spec_order() {
        let event = Event::new("Deploy shop|1.4", "line one\nline two")
            .timestamp(UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000))
            .hostname("web-1")
            .aggregation_key("deploys")
            .priority(Priority::Low)
            .source_type_name("ci")
            .alert_type(AlertType::Success)
            .tags(&[("Git Sha", "9F2C")]);
        assert_eq!(
            render_event(&event, "env:prod,service:shop"),
            "_e{15,18}:Deploy shop|1.4|line one\\nline two|d:1700000000|h:web-1|k:deploys|p:low|s:ci|t:success\
             |#env:prod,service:shop,git_sha:9f2c"
        );
        assert_eq!(render_event(&Event::new("t", ""), ""), "_e{1,0}:t|");
    }

    #[test]
    fn service_checks_put_the_message_last() {
        let check = ServiceCheck::new("shop.db.can_connect", Status::Critical)
            .hostname("web-1")
            .tags(&[("db", "orders")])
            .message("refused\r\nretrying");
        assert_eq!(
            render_service_check(&check, "env:prod"),
            "_sc|shop.db.can_connect|2|h:web-1|#env:prod,db:orders|m:refused\\nretrying"
        );
        assert_eq!(render_service_check(&ServiceCheck::new("a.b", Status::Ok), ""), "_sc|a.b|0");
    }

    #[test]
    fn the_dogstatsd_crate_writes_the_same_event() {
        // The `dogstatsd` crate as an independent encoder of the same datagram (without line
        // breaks, which it does not escape): what it sends on a socket is what we render.
        let receiver = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        receiver.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        let options = dogstatsd::OptionsBuilder::new()
            .from_addr("127.0.0.1:0".into())
            .to_addr(receiver.local_addr().unwrap().to_string())
            .build();
        let client = dogstatsd::Client::new(options).unwrap();
        client
            .event_with_options(
                "Deployed",
                "shop 1.4.2 | eu",
                ["deploy:shop"],
                Some(
                    dogstatsd::EventOptions::new()
                        .with_timestamp(1_700_000_000)
                        .with_hostname("web-1")
                        .with_aggregation_key("deploys")
                        .with_priority(dogstatsd::EventPriority::Low)
                        .with_source_type_name("ci")
                        .with_alert_type(dogstatsd::EventAlertType::Warning),
                ),
            )
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = receiver.recv(&mut buf).unwrap();
        let ours = Event::new("Deployed", "shop 1.4.2 | eu")
            .timestamp(UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000))
            .hostname("web-1")
            .aggregation_key("deploys")
            .priority(Priority::Low)
            .source_type_name("ci")
            .alert_type(AlertType::Warning)
            .tags(&[("deploy", "shop")]);
        assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), render_event(&ours, ""));
    }

    #[test]
    fn invalid_fields_are_refused_before_the_queue() {
        let long = "x".repeat(MAX_EVENT_TITLE + 1);
        assert!(matches!(Event::new(long, "").send(), Err(SendError::Invalid { field: "title", .. })));
        assert!(matches!(Event::new("", "text").send(), Err(SendError::Invalid { field: "title", .. })));
        let text = "\n".repeat(MAX_EVENT_TEXT / 2 + 1);
        assert!(matches!(Event::new("t", text).send(), Err(SendError::Invalid { field: "text", .. })));
        assert!(matches!(
            Event::new("t", "").hostname("a|b").send(),
            Err(SendError::Invalid { field: "hostname", .. })
        ));
        assert!(matches!(
            ServiceCheck::new("not valid", Status::Ok).send(),
            Err(SendError::Invalid { field: "name", .. })
        ));
    }
}
