//! The application's own metrics of one thread counted apart, for
//! [`testing`](crate::testing): what the handles ([`Counter`](super::Counter), [`Gauge`](super::Gauge),
//! ...) record and the [`Event`](super::Event)s and [`ServiceCheck`](super::ServiceCheck)s sent
//! inside a capture.
//!
//! A testing session opens a call capture ([`per_call::capture`](crate::per_call::capture)),
//! which sets the `CAPTURE` bit of the site mode, and runs its closure inside
//! [`InstrumentCapture::scope`]. While the bit is set, a handle asks its thread whether it
//! captures; if so, it records in a state of its own type owned by the capture (found by the
//! handle's address, under the capture's lock), never in the handle's: captured values reach
//! no exporter. The capture is drained by the flusher's own code ([`Drain`]), so a test sees
//! exactly the points an exporter would be given. When no capture is open anywhere, handles
//! never look at this module.

use std::any::Any;
use std::cell::RefCell;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::instruments::{Cells, Drain, State};
use super::{Point, Value};

thread_local! {
    /// The capture this thread's handles record in, if any.
    static CURRENT: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

/// A capture, shared by the threads (and futures) that record in it.
pub(crate) type Shared = Arc<Mutex<Captured>>;

/// What a capture recorded: handle states in order of first use, events and checks in order.
#[derive(Default)]
pub(crate) struct Captured {
    instruments: Vec<Entry>,
    events: Vec<Point>,
}

/// One handle's state in a capture.
struct Entry {
    /// The handle's address.
    key: usize,
    state: Arc<dyn Any + Send + Sync>,
    drain: Arc<dyn Drain>,
}

impl Captured {
    /// The state of the handle at `key`, made by `make` on its first use in the capture.
    pub(crate) fn state<C: Cells>(&mut self, key: usize, make: impl FnOnce() -> State<C>) -> Arc<State<C>> {
        if let Some(state) = self
            .instruments
            .iter()
            .find(|entry| entry.key == key)
            .and_then(|entry| Arc::clone(&entry.state).downcast::<State<C>>().ok())
        {
            return state;
        }
        let state = Arc::new(make());
        self.instruments.push(Entry {
            key,
            state: Arc::clone(&state) as Arc<dyn Any + Send + Sync>,
            drain: Arc::clone(&state) as Arc<dyn Drain>,
        });
        state
    }

    /// Keeps an event or a service check; `false` when [`QUEUE_CAPACITY`](super::QUEUE_CAPACITY)
    /// of them are kept already, as the exporter's queue would refuse it.
    pub(crate) fn event(&mut self, value: Value) -> bool {
        if self.events.len() >= super::QUEUE_CAPACITY {
            return false;
        }
        self.events.push(Point { name: "", tags: Vec::new(), value });
        true
    }
}

/// A capture of the handles, events and checks used inside [`scope`](Self::scope).
#[derive(Default)]
pub(crate) struct InstrumentCapture {
    shared: Shared,
}

impl std::fmt::Debug for InstrumentCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstrumentCapture").finish_non_exhaustive()
    }
}

impl InstrumentCapture {
    /// Runs `f` with this thread's handles recording in this capture (nested scopes: the
    /// innermost).
    pub(crate) fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        crate::per_call::capture::scoped(&CURRENT, &self.shared, f)
    }

    /// What was recorded, as the points a flush would give the exporter: the handles in order
    /// of first use, then the events and checks in the order they were sent.
    pub(crate) fn points(&self) -> Vec<Point> {
        let captured = lock(&self.shared);
        let mut points = Vec::new();
        for entry in &captured.instruments {
            entry.drain.drain(&mut points);
        }
        points.extend(captured.events.iter().cloned());
        points
    }
}

/// The capture of the current thread, if it runs inside one.
pub(crate) fn current() -> Option<Shared> {
    CURRENT.try_with(|current| current.borrow().clone()).ok().flatten()
}

/// The capture's contents, whatever a panicking holder left.
pub(crate) fn lock(shared: &Shared) -> MutexGuard<'_, Captured> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}
