//! Metrics of one thread counted apart, for [`testing`](crate::testing).
//!
//! While a [`MetricCapture`] is open, the [`CAPTURE`] bit of the site mode is set. A call that
//! starts while it is set asks its thread, once, whether the thread runs inside a capture; if
//! so, the call counts in the capture's own cells, found by site and tag set, and never in the
//! site's: captured calls reach no exporter, whether one runs or not, and do not wait in the
//! site's counters for a later one. When no capture is open anywhere, calls never look at this
//! module, so captures cost nothing to code that does not use them.
//!
//! The cells are the site's own types, recorded by the site's own function, and drained by the
//! flusher's own code ([`metrics`](crate::metrics)), so a capture sees exactly the points an
//! exporter would have been given.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::clock::{self, Start};
use super::outcome::OutcomeKind;
use super::site::{self, CAPTURE, CallSite, MAX_CONTEXTS_PER_SITE, OVERFLOW_TAG, SloCells, TimerCells};

/// How many captures are open, on all threads. The [`CAPTURE`] bit is set while it is not 0.
static OPEN: Mutex<usize> = Mutex::new(0);

thread_local! {
    /// The capture calls of this thread count in, if any.
    static CURRENT: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

type Shared = Arc<Mutex<Captured>>;

/// Runs `f` with `current` (a thread's capture slot) holding `capture`, then puts the enclosing
/// capture back, also when `f` panics: nested scopes, the innermost counts.
pub(crate) fn scoped<T: 'static, R>(
    current: &'static std::thread::LocalKey<RefCell<Option<Arc<T>>>>,
    capture: &Arc<T>,
    f: impl FnOnce() -> R,
) -> R {
    struct Restore<T: 'static>(&'static std::thread::LocalKey<RefCell<Option<Arc<T>>>>, Option<Arc<T>>);
    impl<T> Drop for Restore<T> {
        fn drop(&mut self) {
            let previous = self.1.take();
            let _ = self.0.try_with(|current| *current.borrow_mut() = previous);
        }
    }
    let previous = current.with(|current| current.replace(Some(Arc::clone(capture))));
    let _restore = Restore(current, previous);
    f()
}

/// A capture of the metrics of the calls made inside [`scope`](Self::scope).
#[derive(Debug)]
pub(crate) struct MetricCapture {
    shared: Shared,
}

impl MetricCapture {
    /// Opens a capture; nothing is captured outside its [`scope`](Self::scope).
    pub(crate) fn open() -> Self {
        let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
        *open += 1;
        site::set_mode(CAPTURE, true);
        Self { shared: Arc::default() }
    }

    /// Runs `f` with the calls of this thread counted by this capture (nested scopes: the
    /// innermost).
    pub(crate) fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        scoped(&CURRENT, &self.shared, f)
    }

    /// Calls `f` with what the capture has counted so far.
    pub(crate) fn with_captured<R>(&self, f: impl FnOnce(&Captured) -> R) -> R {
        f(&self.shared.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Drop for MetricCapture {
    fn drop(&mut self) {
        let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
        *open -= 1;
        if *open == 0 {
            site::set_mode(CAPTURE, false);
        }
    }
}

/// The capture of the current thread, if it runs inside one.
pub(crate) fn current() -> Option<Shared> {
    CURRENT.try_with(|current| current.borrow().clone()).ok().flatten()
}

/// A call that started inside a capture: it counts in that capture when it ends, wherever it
/// ends (a future may finish on another thread, or be dropped after the scope closed).
#[derive(Debug)]
pub(crate) struct CapturedCall {
    capture: Shared,
    site: &'static CallSite,
    /// Run-time tags of the timer and of the SLO counters, when the call has some.
    tags: Option<(Box<str>, Box<str>)>,
    start: Option<Start>,
}

impl CapturedCall {
    pub(crate) fn new(capture: Shared, site: &'static CallSite, tags: Option<(Box<str>, Box<str>)>) -> Self {
        // Last, as for a counted call: what comes before is not the function's latency.
        let start = site.needs_clock().then(clock::start);
        Self { capture, site, tags, start }
    }

    /// Nanoseconds since the call started (0 when its site measures no latency).
    pub(crate) fn nanos(&self) -> u64 {
        site::nanos_since(self.start)
    }

    /// Counts the call, as [`site::record`] counts one in the site.
    pub(crate) fn finish(self, outcome: OutcomeKind, nanos: u64) {
        let (timer_tags, slo_tags) = self.tags.as_ref().map_or(("", ""), |(timer, slo)| (&**timer, &**slo));
        let mut captured = self.capture.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = captured.site(self.site);
        let timer = self.site.timer.as_ref().map(|_| entry.timers.get(timer_tags, TimerCells::new));
        let slo = self.site.slo.map(|_| entry.slos.get(slo_tags, SloCells::new));
        let threshold = self.site.slo_threshold_nanos();
        site::record_in_shard(0, timer, slo.map(|cells| (cells, threshold)), outcome, nanos);
    }
}

/// What a capture counted: per site, in the order of the sites' first calls.
#[derive(Debug, Default)]
pub(crate) struct Captured {
    sites: Vec<CapturedSite>,
}

impl Captured {
    fn site(&mut self, site: &'static CallSite) -> &mut CapturedSite {
        let index = if let Some(index) = self.sites.iter().position(|entry| std::ptr::eq(entry.site, site)) {
            index
        } else {
            self.sites.push(CapturedSite { site, timers: Contexts::default(), slos: Contexts::default() });
            self.sites.len() - 1
        };
        &mut self.sites[index]
    }

    /// The sites with their captured cells.
    pub(crate) fn sites(&self) -> &[CapturedSite] {
        &self.sites
    }
}

/// The cells of one site in a capture.
#[derive(Debug)]
pub(crate) struct CapturedSite {
    pub(crate) site: &'static CallSite,
    pub(crate) timers: Contexts<TimerCells>,
    pub(crate) slos: Contexts<SloCells>,
}

/// Cells by run-time tag set, capped like the site's own contexts.
#[derive(Debug)]
pub(crate) struct Contexts<C> {
    fixed: Option<Box<C>>,
    by_tags: HashMap<Box<str>, usize>,
    dynamic: Vec<(Box<str>, Box<C>)>,
    overflow: Option<Box<C>>,
}

impl<C> Default for Contexts<C> {
    fn default() -> Self {
        Self { fixed: None, by_tags: HashMap::new(), dynamic: Vec::new(), overflow: None }
    }
}

impl<C> Contexts<C> {
    fn get(&mut self, tags: &str, make: fn() -> C) -> &C {
        if tags.is_empty() {
            return self.fixed.get_or_insert_with(|| Box::new(make()));
        }
        if let Some(&index) = self.by_tags.get(tags) {
            return &self.dynamic[index].1;
        }
        if self.dynamic.len() >= MAX_CONTEXTS_PER_SITE {
            return self.overflow.get_or_insert_with(|| Box::new(make()));
        }
        self.by_tags.insert(tags.into(), self.dynamic.len());
        self.dynamic.push((tags.into(), Box::new(make())));
        &self.dynamic[self.dynamic.len() - 1].1
    }

    /// Calls `f` with every context and its run-time tags: the one without run-time tags first,
    /// then the others in order of first use, then the overflow context ([`OVERFLOW_TAG`]).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&str, &C)) {
        if let Some(cells) = &self.fixed {
            f("", cells);
        }
        for (tags, cells) in &self.dynamic {
            f(tags, cells);
        }
        if let Some(cells) = &self.overflow {
            f(OVERFLOW_TAG, cells);
        }
    }
}
