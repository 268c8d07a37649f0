//! The upload of profiles to the trace Agent's profiling intake (`/profiling/v1/input`): the
//! `event.json` part, the multipart request, and the uploader thread with its one-slot queue.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crate::health::Destination;

/// The intake's path on the trace Agent.
pub(crate) const INTAKE_PATH: &str = "/profiling/v1/input";
/// The name of the pprof attachment (and of its form part).
pub(crate) const PPROF_FILE: &str = "profile.pprof";
/// `family` of the event: the language the profile is of.
pub(crate) const FAMILY: &str = "rust";
/// Longest an upload may take outside of shutdown.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(10);

/// A profile ready to send.
#[derive(Debug)]
pub(crate) struct Upload {
    /// The gzipped pprof.
    pub(crate) pprof: Vec<u8>,
    pub(crate) start: SystemTime,
    pub(crate) end: SystemTime,
}

/// The `event.json` of a profile: attachments, tags, window, family, format version.
pub(crate) fn event_json(tags_profiler: &str, start: SystemTime, end: SystemTime) -> String {
    serde_json::json!({
        "attachments": [PPROF_FILE],
        "tags_profiler": tags_profiler,
        "start": rfc3339(start),
        "end": rfc3339(end),
        "family": FAMILY,
        "version": "4",
    })
    .to_string()
}

/// `2026-12-02T03:04:05.123Z`.
fn rfc3339(time: SystemTime) -> String {
    let mut out = Vec::with_capacity(24);
    crate::logs::push_timestamp(&mut out, time);
    String::from_utf8(out).unwrap_or_default()
}

/// Where profiles go: an HTTP URL, or the Agent's Unix socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The full URL of the intake (over the socket: `http://localhost/profiling/v1/input`).
    pub(crate) url: String,
    /// The Agent's Unix socket, if profiles go through it.
    pub(crate) socket: Option<String>,
}

impl Target {
    /// The intake of the trace Agent at `agent` (`http://host:port` or `unix:///path`).
    pub(crate) fn of_agent(agent: &str) -> Self {
        match agent.strip_prefix("unix://") {
            Some(path) => Self { url: format!("http://localhost{INTAKE_PATH}"), socket: Some(path.to_owned()) },
            None => Self { url: format!("{}{INTAKE_PATH}", agent.trim_end_matches('/')), socket: None },
        }
    }

    /// The trace Agent when none is configured: its socket when it exists, else
    /// `http://localhost:8126`.
    pub(crate) fn default_agent() -> String {
        const SOCKET: &str = "/var/run/datadog/apm.socket";
        if std::path::Path::new(SOCKET).exists() {
            format!("unix://{SOCKET}")
        } else {
            "http://localhost:8126".to_owned()
        }
    }

    /// As said in messages.
    pub(crate) fn describe(&self) -> String {
        match &self.socket {
            Some(path) => format!("the Datadog Agent at unix://{path} ({INTAKE_PATH})"),
            None => format!("the Datadog Agent at {}", self.url),
        }
    }
}

/// The one-slot queue between the sampler and the uploader: at most one profile waits while
/// one is being sent; a newer profile replaces a waiting one, which is counted as dropped.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    state: Mutex<SlotState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct SlotState {
    waiting: Option<Upload>,
    /// Set at shutdown: the uploader sends what waits, with this deadline, then stops.
    closing: Option<Instant>,
    /// The uploader has stopped.
    done: bool,
}

impl Slot {
    /// Queues `upload`; a profile still waiting is dropped (counted).
    pub(crate) fn put(&self, upload: Upload, health: &Destination) {
        let replaced = self.lock().waiting.replace(upload);
        self.changed.notify_all();
        if replaced.is_some() {
            health.dropped(1, "the Agent is slow", &"a newer profile replaced one still waiting to be sent");
        }
    }

    /// Tells the uploader to send what waits (by `deadline`) and stop.
    pub(crate) fn close(&self, deadline: Instant) {
        self.lock().closing = Some(deadline);
        self.changed.notify_all();
    }

    /// Waits until the uploader stopped or `deadline`; a profile still waiting then is dropped
    /// (counted). Returns whether the uploader stopped.
    pub(crate) fn wait_done(&self, deadline: Instant, health: &Destination) -> bool {
        let mut state = self.lock();
        while !state.done {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self.changed.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0;
        }
        let done = state.done;
        let lost = state.waiting.take();
        drop(state);
        if lost.is_some() {
            health.dropped(
                1,
                "shutdown deadline",
                &"the last profile could not be sent before the guard's shutdown timeout",
            );
        }
        done
    }

    /// The next profile to send and its deadline, or `None` once closed and empty.
    fn take(&self) -> Option<(Upload, Option<Instant>)> {
        let mut state = self.lock();
        loop {
            if let Some(upload) = state.waiting.take() {
                return Some((upload, state.closing));
            }
            if state.closing.is_some() {
                return None;
            }
            state = self.changed.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn finish(&self) {
        self.lock().done = true;
        self.changed.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Runs the uploader until the slot is closed and empty: sends each profile, counts it.
pub(crate) fn run_uploader(slot: &Arc<Slot>, target: &Target, tags_profiler: &str, health: &Destination) {
    let client = client(target);
    while let Some((upload, deadline)) = slot.take() {
        let timeout = deadline
            .map_or(UPLOAD_TIMEOUT, |deadline| deadline.saturating_duration_since(Instant::now()).min(UPLOAD_TIMEOUT));
        let result = match &client {
            Ok(client) if !timeout.is_zero() => send(client, target, tags_profiler, upload, timeout),
            Ok(_) => Err(("shutdown deadline", "no time was left to send the last profile".to_owned())),
            Err(error) => Err(("export error", error.clone())),
        };
        match result {
            Ok(()) => health.sent(1),
            Err((kind, detail)) => health.failed(1, kind, &detail),
        }
    }
    slot.finish();
}

fn client(target: &Target) -> Result<reqwest::blocking::Client, String> {
    let builder = reqwest::blocking::Client::builder().user_agent(concat!("dd-instrument/", env!("CARGO_PKG_VERSION")));
    #[cfg(unix)]
    let builder = match &target.socket {
        Some(path) => builder.unix_socket(path.as_str()),
        None => builder,
    };
    #[cfg(not(unix))]
    if target.socket.is_some() {
        return Err("Unix sockets are not supported on this system".to_owned());
    }
    builder.build().map_err(|error| format!("could not create the HTTP client: {error}"))
}

/// One request: the `event` part, then the pprof.
fn send(
    client: &reqwest::blocking::Client,
    target: &Target,
    tags_profiler: &str,
    upload: Upload,
    timeout: Duration,
) -> Result<(), (&'static str, String)> {
    use reqwest::blocking::multipart::{Form, Part};

    let event = event_json(tags_profiler, upload.start, upload.end);
    let form = Form::new()
        .part(
            "event",
            Part::bytes(event.into_bytes())
                .file_name("event.json")
                .mime_str("application/json")
                .map_err(|e| ("export error", e.to_string()))?,
        )
        .part(
            PPROF_FILE,
            Part::bytes(upload.pprof)
                .file_name(PPROF_FILE)
                .mime_str("application/octet-stream")
                .map_err(|e| ("export error", e.to_string()))?,
        );
    let response = client
        .post(&target.url)
        .header("DD-EVP-ORIGIN", "dd-instrument")
        .header("DD-EVP-ORIGIN-VERSION", env!("CARGO_PKG_VERSION"))
        .multipart(form)
        .timeout(timeout)
        .send()
        .map_err(|error| {
            let kind = if error.is_timeout() { "no answer in time" } else { "unreachable" };
            (kind, error_chain(&error))
        })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        let body = response.text().unwrap_or_default();
        Err(("refused by the receiver", format!("HTTP {status}: {}", crate::config::shorten(body.trim()))))
    }
}

/// An error with its sources: reqwest's own message alone says little ("error sending request").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_intake_is_on_the_trace_agent_or_its_socket() {
        assert_eq!(
            Target::of_agent("http://agent:8126/"),
            Target { url: "http://agent:8126/profiling/v1/input".into(), socket: None }
        );
        assert_eq!(
            Target::of_agent("unix:///var/run/datadog/apm.socket"),
            Target {
                url: "http://localhost/profiling/v1/input".into(),
                socket: Some("/var/run/datadog/apm.socket".into())
            }
        );
    }

    #[test]
    fn the_event_names_the_attachment_and_the_window() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_644_645);
        let event: serde_json::Value =
            serde_json::from_str(&event_json("service:a,language:rust", start, start + Duration::from_mins(1)))
                .unwrap();
        assert_eq!(
            event,
            serde_json::json!({
                "attachments": ["profile.pprof"],
                "tags_profiler": "service:a,language:rust",
                "start": "2025-12-02T03:04:05.000Z",
                "end": "2025-12-02T03:05:05.000Z",
                "family": "rust",
                "version": "4",
            })
        );
    }
}
