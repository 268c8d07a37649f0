//! Per-call-site statics: where `#[dd_timed]` and `#[dd_slo]` count.
//!
//! Each annotated function owns one [`CallSite`] in a `static`. A call adds to atomics inside
//! it, in the shard of its thread: no allocation, no lock, no syscall, no cache line shared with
//! other threads (up to [`SHARDS`] of them). The first call adds the site to a global list under
//! a mutex, once in the life of the program; after that the check is one atomic load. The
//! background flusher walks the list. Calls whose tags are computed at run time count in a
//! context per distinct tag set, found under the site's own lock (never a global one) and capped
//! at [`MAX_CONTEXTS_PER_SITE`] so an unbounded tag cannot grow memory without bound.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use super::clock::{self, Start};
use super::histogram::Histogram;
use super::outcome::OutcomeKind;
use crate::slo::Slo;

/// Distinct run-time tag sets one site counts separately; further tag sets share one context
/// tagged [`OVERFLOW_TAG`].
pub(crate) const MAX_CONTEXTS_PER_SITE: usize = 1000;

/// Tag of the context that counts calls whose run-time tags came after the cap was reached.
pub(crate) const OVERFLOW_TAG: &str = "dd_instrument.tags_overflow:true";

/// Where calls count, for the whole process: [`PIPELINE`] while a metrics exporter runs,
/// [`CAPTURE`] while a [`testing`](crate::testing) capture is open on some thread. Zero: calls
/// skip metrics, clock reads included. Read once per call, like the flag it replaced.
static MODE: AtomicU8 = AtomicU8::new(0);

/// Bit of [`mode`]: a metrics exporter runs; calls count in their site.
pub(crate) const PIPELINE: u8 = 1;
/// Bit of [`mode`]: some thread captures metrics; calls ask their thread whether it captures.
pub(crate) const CAPTURE: u8 = 2;

/// Every site that has counted a call, in the order of their first calls.
static SITES: Mutex<Vec<&'static CallSite>> = Mutex::new(Vec::new());

/// Sets or clears `bit` of the mode. Switching metrics on the first time also chooses the clock
/// of latencies ([`clock::prepare`], which returns at once).
pub(crate) fn set_mode(bit: u8, on: bool) {
    if on {
        clock::prepare();
        MODE.fetch_or(bit, Ordering::Release);
    } else {
        MODE.fetch_and(!bit, Ordering::Release);
    }
}

/// The current mode: [`PIPELINE`] and [`CAPTURE`] bits.
#[inline]
pub(crate) fn mode() -> u8 {
    MODE.load(Ordering::Relaxed)
}

/// Static description of the latency metric of a `#[dd_timed]` function.
#[doc(hidden)]
#[derive(Debug)]
pub struct TimerMeta {
    pub(crate) name: &'static str,
    pub(crate) tags: &'static [&'static str],
}

impl TimerMeta {
    /// `name` is a valid metric name; `tags` are normalized `key:value` tags.
    pub const fn new(name: &'static str, tags: &'static [&'static str]) -> Self {
        Self { name, tags }
    }
}

/// Shards of every counter: threads count in their own shard (by order of first use), so
/// threads calling the same function do not fight over one cache line.
pub(crate) const SHARDS: usize = 8;

static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The shard of the current thread.
#[inline]
pub(crate) fn current_shard() -> usize {
    SHARD
        .try_with(|shard| {
            let index = shard.get();
            if index != usize::MAX {
                return index;
            }
            let index = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
            shard.set(index);
            index
        })
        // The thread's locals are being destroyed (a call from a thread-local destructor): any
        // shard counts right, the first is as good as another.
        .unwrap_or(0)
}

/// Counts of one timer context: a histogram per shard and outcome.
#[derive(Debug)]
pub(crate) struct TimerCells {
    pub(crate) shards: [[Histogram; 4]; SHARDS],
}

impl TimerCells {
    pub(crate) const fn new() -> Self {
        Self { shards: [const { [const { Histogram::new() }; 4] }; SHARDS] }
    }
}

/// Counts of one SLO context, per shard.
#[derive(Debug)]
pub(crate) struct SloCells {
    pub(crate) shards: [SloShard; SHARDS],
}

/// One shard of [`SloCells`], alone on its cache line. A call adds to exactly one counter (one
/// atomic add): the good calls are `fast + slow`, counted apart so that a fast call does not
/// pay a second add.
#[derive(Debug)]
#[repr(align(64))]
pub(crate) struct SloShard {
    /// Good calls within the latency threshold.
    pub(crate) fast: AtomicU64,
    /// Good calls over the threshold, or all good calls of an SLO without one.
    pub(crate) slow: AtomicU64,
    pub(crate) bad: AtomicU64,
}

impl SloCells {
    pub(crate) const fn new() -> Self {
        Self {
            shards: [const { SloShard { fast: AtomicU64::new(0), slow: AtomicU64::new(0), bad: AtomicU64::new(0) } };
                SHARDS],
        }
    }
}

/// Contexts for tags known only at run time, keyed by their normalized `k:v,k:v` text.
#[derive(Debug)]
pub(crate) struct Dynamic<C: 'static> {
    contexts: OnceLock<Mutex<DynamicMap<C>>>,
}

#[derive(Debug)]
struct DynamicMap<C: 'static> {
    by_tags: HashMap<Box<str>, &'static C>,
    overflow: Option<&'static C>,
}

impl<C: 'static> Dynamic<C> {
    const fn new() -> Self {
        Self { contexts: OnceLock::new() }
    }

    fn get(&self, operation: &str, tags: &str, make: fn() -> C) -> &'static C {
        let map = self.contexts.get_or_init(|| Mutex::new(DynamicMap { by_tags: HashMap::new(), overflow: None }));
        let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&cells) = map.by_tags.get(tags) {
            return cells;
        }
        if map.by_tags.len() >= MAX_CONTEXTS_PER_SITE {
            return map.overflow.get_or_insert_with(|| {
                tracing::warn!(
                    "dd-instrument: `{operation}` has more than {MAX_CONTEXTS_PER_SITE} distinct metric tag sets; \
                     further ones are counted under `{OVERFLOW_TAG}`. Tags with unbounded values (ids, timestamps) \
                     belong on spans, not metrics."
                );
                Box::leak(Box::new(make()))
            });
        }
        // Contexts live as long as the program: a metric context, once seen, is reported on
        // every flush that has counts for it, and the cap bounds how many there are.
        let cells: &'static C = Box::leak(Box::new(make()));
        map.by_tags.insert(tags.into(), cells);
        cells
    }

    /// Calls `f` with every context and its tags (the overflow context gets [`OVERFLOW_TAG`]).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&str, &'static C)) {
        let Some(map) = self.contexts.get() else { return };
        let contexts: Vec<(String, &'static C)> = {
            let map = map.lock().unwrap_or_else(PoisonError::into_inner);
            let mut list: Vec<_> = map.by_tags.iter().map(|(tags, cells)| (tags.to_string(), *cells)).collect();
            list.extend(map.overflow.map(|cells| (OVERFLOW_TAG.to_owned(), cells)));
            list
        };
        for (tags, cells) in contexts {
            f(&tags, cells);
        }
    }
}

/// Everything `#[dd_timed]` and `#[dd_slo]` count for one function.
#[doc(hidden)]
#[derive(Debug)]
pub struct CallSite {
    pub(crate) operation: &'static str,
    /// A timer, or an SLO with a latency threshold: calls read the clock. Computed at compile
    /// time, like the threshold, so a call does not follow the SLO pointer to know.
    needs_clock: bool,
    slo_threshold_nanos: Option<u64>,
    pub(crate) timer: Option<TimerMeta>,
    pub(crate) slo: Option<&'static Slo>,
    /// In [`SITES`]: set once, under its lock.
    listed: AtomicBool,
    pub(crate) timer_cells: TimerCells,
    pub(crate) timer_dynamic: Dynamic<TimerCells>,
    pub(crate) slo_cells: SloCells,
    pub(crate) slo_dynamic: Dynamic<SloCells>,
}

impl CallSite {
    /// A site for a function whose operation name is `operation`.
    pub const fn new(operation: &'static str, timer: Option<TimerMeta>, slo: Option<&'static Slo>) -> Self {
        let slo_threshold_nanos = match slo {
            Some(slo) => match slo.latency_ms() {
                Some(ms) => Some(ms.saturating_mul(1_000_000)),
                None => None,
            },
            None => None,
        };
        Self {
            operation,
            needs_clock: timer.is_some() || slo_threshold_nanos.is_some(),
            slo_threshold_nanos,
            timer,
            slo,
            listed: AtomicBool::new(false),
            timer_cells: TimerCells::new(),
            timer_dynamic: Dynamic::new(),
            slo_cells: SloCells::new(),
            slo_dynamic: Dynamic::new(),
        }
    }

    /// The SLO's latency threshold in nanoseconds, if it has one.
    #[inline]
    pub(crate) fn slo_threshold_nanos(&self) -> Option<u64> {
        self.slo_threshold_nanos
    }

    /// Whether calls need a clock: a timer, or an SLO with a latency threshold.
    #[inline]
    pub(crate) fn needs_clock(&self) -> bool {
        self.needs_clock
    }

    /// Makes the flusher see this site. One atomic load once the site is listed.
    #[inline]
    pub(crate) fn ensure_listed(&'static self) {
        if !self.listed.load(Ordering::Acquire) {
            self.list();
        }
    }

    #[cold]
    fn list(&'static self) {
        let mut sites = SITES.lock().unwrap_or_else(PoisonError::into_inner);
        // Checked again under the lock: two first calls racing list the site once.
        if !self.listed.load(Ordering::Relaxed) {
            sites.push(self);
            self.listed.store(true, Ordering::Release);
        }
    }

    pub(crate) fn timer_context(&'static self, tags: &str) -> &'static TimerCells {
        if tags.is_empty() { &self.timer_cells } else { self.timer_dynamic.get(self.operation, tags, TimerCells::new) }
    }

    pub(crate) fn slo_context(&'static self, tags: &str) -> &'static SloCells {
        if tags.is_empty() { &self.slo_cells } else { self.slo_dynamic.get(self.operation, tags, SloCells::new) }
    }
}

/// Nanoseconds since `start`; 0 without a start (nothing measures the call's latency).
#[inline]
pub(crate) fn nanos_since(start: Option<Start>) -> u64 {
    start.map_or(0, Start::elapsed_nanos)
}

/// Counts one finished call in the shard of the current thread.
#[inline]
pub(crate) fn record(
    timer: Option<&TimerCells>,
    slo: Option<(&SloCells, Option<u64>)>,
    outcome: OutcomeKind,
    nanos: u64,
) {
    record_in_shard(current_shard(), timer, slo, outcome, nanos);
}

/// Counts one finished call in `shard`: its latency in the timer, and in the SLO whether it was
/// good and fast (within the threshold, in nanoseconds, inclusive), good and slow, or bad.
#[inline]
pub(crate) fn record_in_shard(
    shard: usize,
    timer: Option<&TimerCells>,
    slo: Option<(&SloCells, Option<u64>)>,
    outcome: OutcomeKind,
    nanos: u64,
) {
    if let Some(cells) = timer {
        cells.shards[shard][outcome as usize].record(nanos);
    }
    if let Some((cells, threshold_nanos)) = slo {
        let cells = &cells.shards[shard];
        if outcome == OutcomeKind::Ok {
            if threshold_nanos.is_some_and(|limit| nanos <= limit) {
                cells.fast.fetch_add(1, Ordering::Relaxed);
            } else {
                cells.slow.fetch_add(1, Ordering::Relaxed);
            }
        } else {
            cells.bad.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Calls `f` with every site that has counted at least one call, in the order of their first
/// calls.
pub(crate) fn for_each_site(mut f: impl FnMut(&'static CallSite)) {
    // A copy, so that a first call elsewhere never waits for a whole flush.
    let sites = SITES.lock().unwrap_or_else(PoisonError::into_inner).clone();
    for site in sites {
        f(site);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::per_call::call::{Call, run_sync};
    use crate::per_call::clock::test_hook;
    use crate::per_call::outcome::Outcome;

    /// A minute: no call of these tests takes that long, so only the test clock makes one slow.
    const LIMIT_MS: u64 = 60_000;
    const LIMIT_NANOS: u64 = LIMIT_MS * 1_000_000;
    static SLO: Slo = Slo::__new("site-threshold", 99.0, Some(LIMIT_MS), "site.threshold", "site::threshold", &[]);
    static SITE: CallSite =
        CallSite::new("site.threshold", Some(TimerMeta::new("site.threshold.duration", &[])), Some(&SLO));

    fn call_taking(extra_nanos: u64) {
        test_hook::advanced(extra_nanos, || {
            let call = Call::start(Some(&SITE), tracing::Span::none());
            run_sync(Some(call), || (), |()| Outcome::Ok);
        });
    }

    #[test]
    fn the_latency_threshold_counts_fast_calls_on_a_controlled_clock() {
        let ((), captured) = crate::testing::capture(|| {
            call_taking(0);
            call_taking(LIMIT_NANOS - 1_000_000_000);
            call_taking(LIMIT_NANOS + 1);
            call_taking(u64::MAX);
        });
        let tags = ["slo:site-threshold"];
        assert_eq!(captured.count("slo.requests.total", &tags), 4);
        assert_eq!(captured.count("slo.requests.success", &tags), 4);
        assert_eq!(captured.count("slo.requests.fast", &tags), 2);
        let point = captured.metric("site.threshold.duration", &["outcome:ok"]).expect("the timer's point");
        let mut ms = point.values_ms().expect("a distribution").to_vec();
        ms.sort_by(f64::total_cmp);
        assert_eq!(ms.len(), 4);
        // The controlled latencies, to the histogram's 0.4 %.
        assert!((59_000.0 * 0.996..59_000.0 * 1.004).contains(&ms[1]), "{ms:?}");
        assert!((60_000.0 * 0.996..60_000.0 * 1.004).contains(&ms[2]), "{ms:?}");
    }

    #[test]
    fn the_threshold_includes_its_own_value() {
        static CELLS: SloCells = SloCells::new();
        for nanos in [0, LIMIT_NANOS - 1, LIMIT_NANOS, LIMIT_NANOS + 1, u64::MAX] {
            record_in_shard(3, None, Some((&CELLS, Some(LIMIT_NANOS))), OutcomeKind::Ok, nanos);
        }
        record_in_shard(3, None, Some((&CELLS, Some(LIMIT_NANOS))), OutcomeKind::Error, 0);
        let shard = &CELLS.shards[3];
        let counts = [&shard.fast, &shard.slow, &shard.bad].map(|count| count.load(Ordering::Relaxed));
        assert_eq!(counts, [3, 2, 1], "fast, slow, bad");
    }

    #[test]
    fn counts_from_more_threads_than_shards_add_up_exactly() {
        static CELLS: TimerCells = TimerCells::new();
        static SLO_CELLS: SloCells = SloCells::new();
        const THREADS: u64 = 3 * SHARDS as u64;
        const CALLS: u64 = 20_000;
        std::thread::scope(|s| {
            for thread in 0..THREADS {
                s.spawn(move || {
                    for call in 0..CALLS {
                        let outcome = if call % 10 == 0 { OutcomeKind::Error } else { OutcomeKind::Ok };
                        let nanos = 1_000 + (call * 7 + thread) % 5_000;
                        record(Some(&CELLS), Some((&SLO_CELLS, Some(3_000))), outcome, nanos);
                    }
                });
            }
        });
        let mut by_outcome = [0_u64; 4];
        for shard in &CELLS.shards {
            for (outcome, histogram) in shard.iter().enumerate() {
                histogram.drain(|_, count| by_outcome[outcome] += count);
            }
        }
        let errors = THREADS * CALLS.div_ceil(10);
        assert_eq!(by_outcome[OutcomeKind::Ok as usize], THREADS * CALLS - errors);
        assert_eq!(by_outcome[OutcomeKind::Error as usize], errors);
        let sum = |pick: fn(&SloShard) -> &AtomicU64| -> u64 {
            SLO_CELLS.shards.iter().map(|shard| pick(shard).load(Ordering::Relaxed)).sum()
        };
        assert_eq!(sum(|shard| &shard.fast) + sum(|shard| &shard.slow), THREADS * CALLS - errors);
        assert_eq!(sum(|shard| &shard.bad), errors);
        let fast_per_thread = |thread: u64| {
            (0..CALLS).filter(|call| call % 10 != 0 && 1_000 + (call * 7 + thread) % 5_000 <= 3_000).count() as u64
        };
        assert_eq!(sum(|shard| &shard.fast), (0..THREADS).map(fast_per_thread).sum::<u64>());
    }
}
