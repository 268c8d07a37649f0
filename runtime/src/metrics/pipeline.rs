//! The one running metrics exporter of the process.
//!
//! Call sites are `static`s shared by the whole program, so only one pipeline may drain them:
//! starting a second while one runs is [`InitError::AlreadyRunning`].

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::Sink;
use super::flusher::Flusher;
use crate::config::InitError;
use crate::per_call::site::{self, PIPELINE};

/// Whether a [`Pipeline`] runs.
static RUNNING: Mutex<bool> = Mutex::new(false);

/// The running metrics exporter: a flusher thread draining the sites into a sink. While it
/// runs, calls count in their sites; it stops when shut down or dropped.
#[derive(Debug)]
pub(crate) struct Pipeline {
    flusher: Flusher,
    /// Bound on [`flush`](Self::flush), and on the shutdown of a pipeline dropped without
    /// [`shutdown`](Self::shutdown).
    timeout: Duration,
    stopped: bool,
}

impl Pipeline {
    /// Starts flushing to `sink` every `interval`.
    pub(crate) fn start(sink: Box<dyn Sink>, interval: Duration, timeout: Duration) -> Result<Self, InitError> {
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        if *running {
            return Err(InitError::AlreadyRunning);
        }
        let flusher = Flusher::start(sink, interval).map_err(|e| InitError::Exporter {
            exporter: "metrics",
            message: format!("could not start the flush thread: {e}"),
        })?;
        *running = true;
        site::set_mode(PIPELINE, true);
        Ok(Self { flusher, timeout, stopped: false })
    }

    /// Drains and exports now, waiting at most the pipeline's timeout. Returns whether the
    /// export finished.
    pub(crate) fn flush(&self) -> bool {
        self.flusher.flush(self.timeout)
    }

    /// Stops counting, exports what is left and stops the thread, within `timeout`.
    pub(crate) fn shutdown(mut self, timeout: Duration) {
        self.stop(timeout);
    }

    fn stop(&mut self, timeout: Duration) {
        self.stopped = true;
        {
            let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
            *running = false;
            site::set_mode(PIPELINE, false);
        }
        self.flusher.shutdown(timeout);
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        if !self.stopped {
            self.stop(self.timeout);
        }
    }
}
