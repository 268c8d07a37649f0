//! `tracing` events the library logs (its `INFO` line at start, its warnings), recorded.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::prelude::*;

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `ERROR`, `WARN`, `INFO`, ...
    pub level: tracing::Level,
    /// The event's target.
    pub target: String,
    /// The message, followed by ` key=value` for the other fields.
    pub message: String,
}

/// Events recorded so far; shared with the layer that records them.
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<Event>>>);

impl Recorder {
    /// The events recorded so far, removing them.
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The events of the library (target `dd_instrument`) at `level`, removing every event.
    pub fn take_library(&self, level: tracing::Level) -> Vec<String> {
        self.take()
            .into_iter()
            .filter(|event| event.target == "dd_instrument" && event.level == level)
            .map(|event| event.message)
            .collect()
    }
}

impl<S: tracing::Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        struct Message(String);
        impl Visit for Message {
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    let _ = write!(self.0, "{value:?}");
                } else {
                    let _ = write!(self.0, " {}={value:?}", field.name());
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        let meta = event.metadata();
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(Event {
            level: *meta.level(),
            target: meta.target().to_owned(),
            message: message.0,
        });
    }
}

/// Runs `f` with the events of this thread recorded.
pub fn record<R>(f: impl FnOnce() -> R) -> (R, Vec<Event>) {
    let recorder = Recorder::default();
    let value = tracing::subscriber::with_default(tracing_subscriber::registry().with(recorder.clone()), f);
    (value, recorder.take())
}

/// Records the events of every thread (the exporter threads' warnings) from now on: installs
/// the global subscriber, so a test binary calls it once.
pub fn record_globally() -> Recorder {
    let recorder = Recorder::default();
    tracing_subscriber::registry().with(recorder.clone()).init();
    recorder
}
