//! The background thread (`dd-instrument-metrics`) that drains the sites into a sink every flush
//! interval, and on demand.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use super::collect::collect;
use super::{Batch, SelfMetrics, Sink};

/// The background thread that drains sites into a sink.
#[derive(Debug)]
pub(crate) struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    done: Condvar,
}

#[derive(Debug, Default)]
struct State {
    stop: bool,
    requested: u64,
    completed: u64,
}

impl Flusher {
    /// Starts the flusher thread.
    pub(crate) fn start(
        mut sink: Box<dyn Sink>,
        interval: Duration,
        mut self_metrics: Option<SelfMetrics>,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new().name("dd-instrument-metrics".into()).spawn(move || {
            let shared = thread_shared;
            let mut interval_start = SystemTime::now();
            let mut next = Instant::now() + interval;
            loop {
                let (target, stopping) = {
                    let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
                    loop {
                        if state.stop || state.requested > state.completed {
                            break;
                        }
                        let now = Instant::now();
                        if now >= next {
                            next += interval;
                            if next < now {
                                next = now + interval;
                            }
                            break;
                        }
                        state = shared.wake.wait_timeout(state, next - now).unwrap_or_else(PoisonError::into_inner).0;
                    }
                    (state.requested, state.stop)
                };
                let end = SystemTime::now();
                let mut points = collect();
                if let Some(self_metrics) = &mut self_metrics {
                    points.extend(self_metrics.points());
                }
                let batch = Batch { points, start: interval_start, end };
                interval_start = end;
                if !batch.points.is_empty() {
                    sink.export(&batch);
                }
                let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
                state.completed = state.completed.max(target);
                shared.done.notify_all();
                if stopping {
                    return;
                }
            }
        })?;
        Ok(Self { shared, thread: Some(thread) })
    }

    /// Drains and exports now; waits at most `timeout`. Returns whether the export finished.
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.requested += 1;
        let ticket = state.requested;
        self.shared.wake.notify_all();
        while state.completed < ticket {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self.shared.done.wait_timeout(state, deadline - now).unwrap_or_else(PoisonError::into_inner).0;
        }
        true
    }

    /// Exports what is left and stops the thread, waiting at most `timeout`. A sink stuck past
    /// the timeout is left behind (its thread ends with the process) rather than blocking exit.
    pub(crate) fn shutdown(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        {
            let mut state = self.shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.stop = true;
            state.requested += 1;
            let ticket = state.requested;
            self.shared.wake.notify_all();
            while state.completed < ticket {
                let now = Instant::now();
                if now >= deadline {
                    self.thread = None;
                    return false;
                }
                state = self.shared.done.wait_timeout(state, deadline - now).unwrap_or_else(PoisonError::into_inner).0;
            }
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        true
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.shutdown(Duration::from_secs(2));
        }
    }
}
