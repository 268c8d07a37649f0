//! The application's own metrics: [`Counter`], [`UpDownCounter`], [`Gauge`], [`Distribution`]
//! and [`Set`], declared as `static`s and aggregated in the process like `#[dd_timed]`.
//!
//! A handle is a `const` value: nothing happens until its first use, which (while a metrics
//! exporter runs) allocates its state once and adds it to the list the flusher drains. After
//! that a call is one atomic load to find the state, the check of the exporter, and one relaxed
//! atomic operation in the calling thread's shard: no lock, no allocation, no syscall. Calls
//! with run-time tags hash the tags and find their series in a fixed, lock-free table (one
//! allocation the first time a tag set is seen, never after); past the handle's
//! [`max_series`](Counter::max_series), further tag sets share one series tagged
//! `dd_instrument.tags_overflow:true`, and a warning names the metric once.

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering::Relaxed, Ordering::Release};
use std::sync::{Arc, Mutex, PoisonError};

use once_cell::race::OnceBox;

use super::values::{self, ValueHistogram};
use super::{Point, Value};
use crate::per_call::site::{self, CAPTURE, OVERFLOW_TAG, PIPELINE, SHARDS, current_shard};

/// Series (distinct run-time tag sets) a handle counts apart unless told otherwise with
/// `max_series`.
pub const DEFAULT_MAX_SERIES: usize = 100;

/// The most series one handle may be given (larger values of `max_series` are lowered to it).
pub const MAX_SERIES_LIMIT: usize = 10_000;

/// Distinct members a [`Set`] series keeps per flush interval; further members are dropped and
/// counted in a warning.
pub const SET_CAPACITY: usize = 1024;

/// The hasher of run-time tags and set members: fixed, so that a set member hashes the same in
/// every process running this build.
const HASHER: foldhash::fast::FixedState = foldhash::fast::FixedState::with_seed(0x6464_5f69_6e73_7472);

macro_rules! handle {
    ($(#[$doc:meta])* $handle:ident, $cells:ty) => {
        $(#[$doc])*
        pub struct $handle(Instrument<$cells>);

        impl $handle {
            /// A handle for the metric `name`: ASCII letters, digits, `_` and `.`, starting with
            /// a letter, at most 200 bytes (other names are rewritten to that and a warning names
            /// them). Declare it as a `static`: nothing is allocated before its first use.
            pub const fn new(name: &'static str) -> Self {
                Self(Instrument::new(name))
            }

            /// Tags on every point of this metric, as `key:value` (normalized by Datadog's rules
            /// at first use; a tag that normalizes to nothing is left out with a warning). The
            /// unified service tags (`env`, `service`, `version`) and `DD_TAGS` are added by the
            /// exporter; do not repeat them here.
            #[must_use]
            pub const fn with_tags(mut self, tags: &'static [&'static str]) -> Self {
                self.0.tags = tags;
                self
            }

            /// How many distinct run-time tag sets this metric counts apart (default
            /// [`DEFAULT_MAX_SERIES`], at most [`MAX_SERIES_LIMIT`]). Values of further tag
            /// sets are counted in one series tagged `dd_instrument.tags_overflow:true`.
            #[must_use]
            pub const fn max_series(mut self, max: usize) -> Self {
                self.0.max_series = if max == 0 { 1 } else if max > MAX_SERIES_LIMIT { MAX_SERIES_LIMIT } else { max };
                self
            }

            /// The metric name, as given to [`new`](Self::new).
            pub const fn name(&self) -> &'static str {
                self.0.name
            }
        }

        impl std::fmt::Debug for $handle {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($handle)).field("name", &self.0.name).field("tags", &self.0.tags).finish()
            }
        }
    };
}

handle! {
    /// A count of events per flush interval: requests served, bytes sent, retries. Sent to
    /// DogStatsD as a count (`|c`), to OTLP as a monotonic delta sum.
    ///
    /// ```
    /// use dd_instrument::metrics::Counter;
    ///
    /// static ORDERS: Counter = Counter::new("shop.orders").with_tags(&["team:checkout"]);
    ///
    /// fn place_order(country: &str) {
    ///     ORDERS.increment();
    ///     ORDERS.add_with(1, &[("country", country)]);
    /// }
    /// # place_order("fr");
    /// ```
    Counter, CountCells
}

handle! {
    /// A current level that goes up and down by steps: open connections, jobs in flight, items
    /// in a cache. Keeps a running total since the start of the process and reports it on
    /// every flush once touched. Sent to DogStatsD as a gauge (`|g`), to OTLP as a gauge.
    ///
    /// Prefer it to a [`Gauge`] when the code sees changes (`+1` when a connection opens, `-1`
    /// when it closes) rather than the level itself.
    ///
    /// ```
    /// use dd_instrument::metrics::UpDownCounter;
    ///
    /// static IN_FLIGHT: UpDownCounter = UpDownCounter::new("shop.jobs.in_flight");
    ///
    /// IN_FLIGHT.add(1);
    /// // ... the job runs ...
    /// IN_FLIGHT.add(-1);
    /// ```
    UpDownCounter, UpDownCells
}

handle! {
    /// The last value set in a flush interval: a queue depth read from the queue, a temperature,
    /// a configuration value. Reported in the flushes in which it was set (like DogStatsD's
    /// gauges and OpenTelemetry's synchronous gauge with delta temporality): set it whenever
    /// the value is read, or use an [`UpDownCounter`] for a level the code changes by steps.
    /// Sent to DogStatsD as a gauge (`|g`), to OTLP as a gauge.
    ///
    /// ```
    /// use dd_instrument::metrics::Gauge;
    ///
    /// static QUEUE_DEPTH: Gauge = Gauge::new("shop.queue.depth");
    ///
    /// QUEUE_DEPTH.set(17.0);
    /// ```
    Gauge, GaugeCells
}

handle! {
    /// Every value recorded, for percentiles across all hosts: payload sizes, items per order,
    /// latencies measured by hand (for a function's latency, `#[dd_timed]` does it for you).
    /// Values are counted in buckets at most 1/128 wide (integers below 256 are exact), so
    /// memory stays bounded whatever the rate. Sent to DogStatsD as a distribution (`|d`), to
    /// OTLP as a delta histogram (which Datadog turns into a distribution).
    ///
    /// ```
    /// use dd_instrument::metrics::Distribution;
    ///
    /// static BASKET_SIZE: Distribution = Distribution::new("shop.basket.items");
    ///
    /// BASKET_SIZE.record(3.0);
    /// ```
    Distribution, DistributionCells
}

handle! {
    /// How many distinct values were seen: users, tenants, product ids per interval. Members are
    /// kept as 64-bit hashes (no allocation per call), up to [`SET_CAPACITY`] per flush interval
    /// and series. Sent to DogStatsD as set members (`|s`, one hash per line), so the Agent
    /// counts distinct values over its own 10 s interval; on OTLP, as a gauge of the distinct
    /// members seen in the flush interval.
    ///
    /// ```
    /// use dd_instrument::metrics::Set;
    ///
    /// static ACTIVE_USERS: Set = Set::new("shop.users.active");
    ///
    /// ACTIVE_USERS.insert("user-8812");
    /// ```
    Set, SetCells
}

impl Counter {
    /// Adds `n`.
    #[inline]
    pub fn add(&'static self, n: u64) {
        self.0.with_state(|state| state.plain.add(n));
    }

    /// Adds one.
    #[inline]
    pub fn increment(&'static self) {
        self.add(1);
    }

    /// Adds `n` to the series of the run-time `tags` (`(key, value)` pairs, normalized by
    /// Datadog's rules; keep their values bounded: each distinct set is a custom metric).
    #[inline]
    pub fn add_with(&'static self, n: u64, tags: &[(&str, &str)]) {
        self.0.with_state(|state| state.series(tags).add(n));
    }
}

impl UpDownCounter {
    /// Adds `delta` (negative to go down).
    #[inline]
    pub fn add(&'static self, delta: i64) {
        self.0.with_state(|state| state.plain.add(delta));
    }

    /// Adds `delta` to the series of the run-time `tags`.
    #[inline]
    pub fn add_with(&'static self, delta: i64, tags: &[(&str, &str)]) {
        self.0.with_state(|state| state.series(tags).add(delta));
    }
}

impl Gauge {
    /// Sets the value (a value that is not finite is ignored: no backend can store it).
    #[inline]
    pub fn set(&'static self, value: f64) {
        if value.is_finite() {
            self.0.with_state(|state| state.plain.set(value));
        }
    }

    /// Sets the value of the series of the run-time `tags`.
    #[inline]
    pub fn set_with(&'static self, value: f64, tags: &[(&str, &str)]) {
        if value.is_finite() {
            self.0.with_state(|state| state.series(tags).set(value));
        }
    }
}

impl Distribution {
    /// Records one value (a value that is not finite is ignored).
    #[inline]
    pub fn record(&'static self, value: f64) {
        if value.is_finite() {
            self.0.with_state(|state| state.plain.record(value));
        }
    }

    /// Records one value in the series of the run-time `tags`.
    #[inline]
    pub fn record_with(&'static self, value: f64, tags: &[(&str, &str)]) {
        if value.is_finite() {
            self.0.with_state(|state| state.series(tags).record(value));
        }
    }
}

impl Set {
    /// Adds a member (any hashable value: `&str`, an id, a tuple). Members are told apart by
    /// their hash, so `"42"` and `42` are different members.
    #[inline]
    pub fn insert<T: Hash + ?Sized>(&'static self, member: &T) {
        self.0.with_state(|state| state.plain.insert(HASHER.hash_one(member), self.0.name));
    }

    /// Adds a member to the series of the run-time `tags`.
    #[inline]
    pub fn insert_with<T: Hash + ?Sized>(&'static self, member: &T, tags: &[(&str, &str)]) {
        self.0.with_state(|state| state.series(tags).insert(HASHER.hash_one(member), self.0.name));
    }
}

/// A handle's constant part and its state, allocated at first use.
struct Instrument<C: Cells> {
    name: &'static str,
    tags: &'static [&'static str],
    max_series: usize,
    state: OnceBox<State<C>>,
}

impl<C: Cells> Instrument<C> {
    const fn new(name: &'static str) -> Self {
        Self { name, tags: &[], max_series: DEFAULT_MAX_SERIES, state: OnceBox::new() }
    }

    /// Runs `f` on the state to record in: the capture's, when the calling thread runs inside
    /// a [`testing`](crate::testing) capture, else the handle's own if a metrics exporter runs,
    /// else nothing. Without a capture open anywhere: one relaxed load for the mode, one
    /// acquire load for the state.
    #[inline]
    fn with_state(&'static self, f: impl FnOnce(&State<C>)) {
        let mode = site::mode();
        if mode & CAPTURE != 0
            && let Some(capture) = super::capture::current()
        {
            self.captured(&capture, f);
            return;
        }
        if mode & PIPELINE != 0 {
            f(match self.state.get() {
                Some(state) => state,
                None => self.register(),
            });
        }
    }

    /// Records in `capture`'s own state of this handle.
    #[cold]
    fn captured(&'static self, capture: &super::capture::Shared, f: impl FnOnce(&State<C>)) {
        let key = std::ptr::from_ref(self).addr();
        let state = super::capture::lock(capture).state(key, || State::new(self.name, self.tags, self.max_series));
        f(&state);
    }

    #[cold]
    fn register(&'static self) -> &'static State<C> {
        let state = self.state.get_or_init(|| Box::new(State::new(self.name, self.tags, self.max_series)));
        if !state.listed.swap(true, Relaxed) {
            registry().push(Registered::Static(state));
        }
        state
    }
}

/// Every instrument that has been used, in order of first use.
enum Registered {
    Static(&'static dyn Drain),
    Shared(Arc<dyn Drain>),
}

static INSTRUMENTS: Mutex<Vec<Registered>> = Mutex::new(Vec::new());

fn registry() -> std::sync::MutexGuard<'static, Vec<Registered>> {
    INSTRUMENTS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Adds a state shared with handles made at run time (the `metrics` facade, OpenTelemetry).
#[cfg_attr(not(feature = "metrics-facade"), allow(dead_code))]
pub(crate) fn register_shared(state: Arc<dyn Drain>) {
    registry().push(Registered::Shared(state));
}

/// Drains every instrument used so far into `points`, in order of first use.
pub(crate) fn collect(points: &mut Vec<Point>) {
    let list: Vec<Registered> = registry()
        .iter()
        .map(|entry| match entry {
            Registered::Static(state) => Registered::Static(*state),
            Registered::Shared(state) => Registered::Shared(Arc::clone(state)),
        })
        .collect();
    for entry in list {
        match entry {
            Registered::Static(state) => state.drain(points),
            Registered::Shared(state) => state.drain(points),
        }
    }
}

/// What the flusher asks of an instrument's state.
pub(crate) trait Drain: Send + Sync + 'static {
    /// Takes what was recorded since the last drain, as points.
    fn drain(&self, points: &mut Vec<Point>);
}

/// The recorded values of one series.
pub(crate) trait Cells: Send + Sync + Sized + 'static {
    /// Empty cells.
    fn new() -> Self;
    /// The value to report, if any, taking what the interval recorded.
    fn take(&self) -> Option<Value>;
}

/// The state of one instrument: its normalized name and tags, the series without run-time
/// tags, and the table of the others.
pub(crate) struct State<C: Cells> {
    name: &'static str,
    tags: Box<[String]>,
    pub(crate) plain: C,
    table: OnceBox<Table<C>>,
    max_series: usize,
    listed: AtomicBool,
}

struct Table<C: Cells> {
    slots: Box<[OnceBox<Series<C>>]>,
    len: AtomicUsize,
    overflow: OnceBox<Series<C>>,
}

struct Series<C: Cells> {
    hash: u64,
    /// The tags as given, compared on lookup (no normalization per call).
    key: Box<[(Box<str>, Box<str>)]>,
    /// The tags as sent.
    tags: Box<[String]>,
    /// Shared with the handles of the `metrics` facade, which keep their series.
    cells: Arc<C>,
}

impl<C: Cells> Series<C> {
    fn matches(&self, hash: u64, tags: &[(&str, &str)]) -> bool {
        self.hash == hash
            && self.key.len() == tags.len()
            && self.key.iter().zip(tags).all(|((k, v), (key, value))| **k == **key && **v == **value)
    }
}

impl<C: Cells> State<C> {
    /// State for the metric `name` with static `tags`, normalized (with a warning for what
    /// had to change).
    pub(crate) fn new(name: &'static str, tags: &[&str], max_series: usize) -> Self {
        let name = if dd_instrument_rules::is_valid_metric_name(name) {
            name
        } else {
            let fixed = dd_instrument_rules::normalize_metric_name(name);
            let fixed: &'static str = if fixed.is_empty() { "dd_instrument.invalid_metric_name" } else { leak(fixed) };
            tracing::warn!(
                target: "dd_instrument",
                "dd-instrument: `{name}` is not a valid Datadog metric name; it is sent as `{fixed}`"
            );
            fixed
        };
        let tags = tags
            .iter()
            .filter_map(|tag| {
                let normalized = dd_instrument_rules::normalize_tag(tag);
                if normalized.is_none() {
                    tracing::warn!(
                        target: "dd_instrument",
                        "dd-instrument: the tag `{tag}` of the metric `{name}` has no valid character; it is left out"
                    );
                }
                normalized
            })
            .collect();
        Self { name, tags, plain: C::new(), table: OnceBox::new(), max_series, listed: AtomicBool::new(false) }
    }

    /// The cells of the series of `tags`: the plain series when there are none, else found
    /// (or added) in the table, else the overflow series.
    #[inline]
    pub(crate) fn series(&self, tags: &[(&str, &str)]) -> &C {
        if tags.is_empty() { &self.plain } else { self.tagged(tags) }
    }

    /// The cells of the series of `tags` (not empty), found (or added) in the table, else the
    /// overflow series.
    pub(crate) fn tagged(&self, tags: &[(&str, &str)]) -> &Arc<C> {
        let table = match self.table.get() {
            Some(table) => table,
            None => self.allocate_table(),
        };
        let hash = hash_tags(tags);
        let mask = table.slots.len() - 1;
        #[allow(clippy::cast_possible_truncation, reason = "only the low bits pick the slot")]
        let mut index = hash as usize & mask;
        let mut pending: Option<Box<Series<C>>> = None;
        for _ in 0..table.slots.len() {
            let slot = &table.slots[index];
            if let Some(series) = slot.get() {
                if series.matches(hash, tags) {
                    return &series.cells;
                }
            } else {
                if table.len.load(Relaxed) >= self.max_series {
                    break;
                }
                let fresh = pending.take().unwrap_or_else(|| Box::new(Self::new_series(hash, tags)));
                match slot.set(fresh) {
                    Ok(()) => {
                        table.len.fetch_add(1, Relaxed);
                    }
                    Err(fresh) => pending = Some(fresh),
                }
                if let Some(series) = slot.get()
                    && series.matches(hash, tags)
                {
                    return &series.cells;
                }
            }
            index = (index + 1) & mask;
        }
        &table
            .overflow
            .get_or_init(|| {
                tracing::warn!(
                    target: "dd_instrument",
                    "dd-instrument: the metric `{}` has more than {} distinct run-time tag sets; further ones are \
                     counted under `{OVERFLOW_TAG}`. Tags with unbounded values (ids, timestamps) belong on spans, \
                     not metrics.",
                    self.name,
                    self.max_series
                );
                Box::new(Series {
                    hash: 0,
                    key: Box::default(),
                    tags: Box::new([OVERFLOW_TAG.to_owned()]),
                    cells: Arc::new(C::new()),
                })
            })
            .cells
    }

    #[cold]
    fn allocate_table(&self) -> &Table<C> {
        self.table.get_or_init(|| {
            let slots = (2 * self.max_series).next_power_of_two();
            Box::new(Table {
                slots: (0..slots).map(|_| OnceBox::new()).collect(),
                len: AtomicUsize::new(0),
                overflow: OnceBox::new(),
            })
        })
    }

    #[cold]
    fn new_series(hash: u64, tags: &[(&str, &str)]) -> Series<C> {
        let mut sent = Vec::with_capacity(tags.len());
        for (key, value) in tags {
            let mut tag = String::new();
            if dd_instrument_rules::push_tag(&mut tag, key, value) {
                sent.push(tag);
            }
        }
        let key = tags.iter().map(|(k, v)| (Box::from(*k), Box::from(*v))).collect();
        Series { hash, key, tags: sent.into(), cells: Arc::new(C::new()) }
    }
}

impl<C: Cells> Drain for State<C> {
    fn drain(&self, points: &mut Vec<Point>) {
        let point = |value, extra: &[String]| Point {
            name: self.name,
            tags: self.tags.iter().chain(extra).cloned().collect(),
            value,
        };
        if let Some(value) = self.plain.take() {
            points.push(point(value, &[]));
        }
        let Some(table) = self.table.get() else { return };
        let mut tagged: Vec<Point> = table
            .slots
            .iter()
            .filter_map(OnceBox::get)
            .filter_map(|series| series.cells.take().map(|value| point(value, &series.tags)))
            .collect();
        tagged.sort_by(|a, b| a.tags.cmp(&b.tags));
        points.extend(tagged);
        if let Some(series) = table.overflow.get()
            && let Some(value) = series.cells.take()
        {
            points.push(point(value, &series.tags));
        }
    }
}

fn hash_tags(tags: &[(&str, &str)]) -> u64 {
    let mut hasher = HASHER.build_hasher();
    for (key, value) in tags {
        key.hash(&mut hasher);
        value.hash(&mut hasher);
    }
    hasher.finish()
}

/// A name kept for the life of the program: instruments are few, and their names are needed by
/// every flush.
fn leak(name: String) -> &'static str {
    Box::leak(name.into_boxed_str())
}

/// An atomic alone on its cache line.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Padded<T>(T);

/// Cells of a [`Counter`].
pub(crate) struct CountCells([Padded<AtomicU64>; SHARDS]);

impl CountCells {
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        self.0[current_shard()].0.fetch_add(n, Relaxed);
    }
}

impl Cells for CountCells {
    fn new() -> Self {
        Self(std::array::from_fn(|_| Padded::default()))
    }

    fn take(&self) -> Option<Value> {
        let total = self.0.iter().fold(0u64, |sum, shard| sum.wrapping_add(shard.0.swap(0, Relaxed)));
        (total != 0).then_some(Value::Count(total))
    }
}

/// Cells of an [`UpDownCounter`]: a running total per shard, never reset.
pub(crate) struct UpDownCells {
    shards: [Padded<AtomicI64>; SHARDS],
    touched: AtomicBool,
}

impl UpDownCells {
    #[inline]
    pub(crate) fn add(&self, delta: i64) {
        self.shards[current_shard()].0.fetch_add(delta, Relaxed);
        if !self.touched.load(Relaxed) {
            self.touched.store(true, Relaxed);
        }
    }
}

impl Cells for UpDownCells {
    fn new() -> Self {
        Self { shards: std::array::from_fn(|_| Padded::default()), touched: AtomicBool::new(false) }
    }

    #[allow(clippy::cast_precision_loss, reason = "levels stay far below 2^52")]
    fn take(&self) -> Option<Value> {
        if !self.touched.load(Relaxed) {
            return None;
        }
        let total = self.shards.iter().fold(0i64, |sum, shard| sum.wrapping_add(shard.0.load(Relaxed)));
        Some(Value::Gauge(total as f64))
    }
}

/// Cells of a [`Gauge`]: the last value's bits and whether it was set since the last flush.
pub(crate) struct GaugeCells {
    bits: AtomicU64,
    fresh: AtomicBool,
}

impl GaugeCells {
    #[inline]
    pub(crate) fn set(&self, value: f64) {
        self.bits.store(value.to_bits(), Relaxed);
        self.fresh.store(true, Release);
    }
}

impl Cells for GaugeCells {
    fn new() -> Self {
        Self { bits: AtomicU64::new(0), fresh: AtomicBool::new(false) }
    }

    fn take(&self) -> Option<Value> {
        self.fresh
            .swap(false, std::sync::atomic::Ordering::Acquire)
            .then(|| Value::Gauge(f64::from_bits(self.bits.load(Relaxed))))
    }
}

/// Cells of a [`Distribution`]: a value histogram per shard.
pub(crate) struct DistributionCells([ValueHistogram; SHARDS]);

impl DistributionCells {
    #[inline]
    pub(crate) fn record(&self, value: f64) {
        self.0[current_shard()].record(value);
    }
}

impl Cells for DistributionCells {
    fn new() -> Self {
        Self([const { ValueHistogram::new() }; SHARDS])
    }

    fn take(&self) -> Option<Value> {
        let mut buckets = Vec::new();
        for shard in &self.0 {
            shard.drain(|bucket, count| buckets.push((bucket, count)));
        }
        values::sort(&mut buckets);
        (!buckets.is_empty()).then_some(Value::Values(buckets))
    }
}

/// Cells of a [`Set`]: an open-addressing table of member hashes (0 marks an empty slot).
pub(crate) struct SetCells {
    members: OnceBox<[AtomicU64; SET_CAPACITY]>,
    dropped: AtomicU64,
    warned: AtomicBool,
}

impl SetCells {
    #[inline]
    pub(crate) fn insert(&self, hash: u64, name: &str) {
        let hash = hash.max(1);
        let members = match self.members.get() {
            Some(members) => members,
            None => self.members.get_or_init(|| Box::new([const { AtomicU64::new(0) }; SET_CAPACITY])),
        };
        #[allow(clippy::cast_possible_truncation, reason = "only the low bits pick the slot")]
        let start = hash as usize % SET_CAPACITY;
        for probe in 0..SET_CAPACITY {
            let slot = &members[(start + probe) % SET_CAPACITY];
            match slot.load(Relaxed) {
                found if found == hash => return,
                0 => match slot.compare_exchange(0, hash, Relaxed, Relaxed) {
                    Ok(_) => return,
                    Err(found) if found == hash => return,
                    Err(_) => {}
                },
                _ => {}
            }
        }
        self.dropped.fetch_add(1, Relaxed);
        if !self.warned.swap(true, Relaxed) {
            tracing::warn!(
                target: "dd_instrument",
                "dd-instrument: the set `{name}` got more than {SET_CAPACITY} distinct members in one flush interval; \
                 further members are dropped (and counted in this process)"
            );
        }
    }

    /// Members dropped because the table was full, since the start.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Relaxed)
    }
}

impl Cells for SetCells {
    fn new() -> Self {
        Self { members: OnceBox::new(), dropped: AtomicU64::new(0), warned: AtomicBool::new(false) }
    }

    fn take(&self) -> Option<Value> {
        let members = self.members.get()?;
        let mut hashes: Vec<u64> = members
            .iter()
            .filter(|slot| slot.load(Relaxed) != 0)
            .map(|slot| slot.swap(0, Relaxed))
            .filter(|h| *h != 0)
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        (!hashes.is_empty()).then_some(Value::Set(hashes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take_points<C: Cells>(state: &State<C>) -> Vec<Point> {
        let mut points = Vec::new();
        state.drain(&mut points);
        points
    }

    #[test]
    fn run_time_tags_find_their_series_and_overflow_past_the_cap() {
        let state: State<CountCells> = State::new("shop.orders", &["Team:Checkout"], 2);
        state.series(&[]).add(1);
        state.series(&[("country", "FR")]).add(2);
        state.series(&[("country", "FR")]).add(3);
        state.series(&[("country", "de")]).add(1);
        state.series(&[("country", "it")]).add(7);
        state.series(&[("country", "es")]).add(1);
        let points = take_points(&state);
        let got: Vec<(Vec<String>, Value)> = points.into_iter().map(|p| (p.tags, p.value)).collect();
        assert_eq!(
            got,
            [
                (vec!["team:checkout".to_owned()], Value::Count(1)),
                (vec!["team:checkout".to_owned(), "country:de".to_owned()], Value::Count(1)),
                (vec!["team:checkout".to_owned(), "country:fr".to_owned()], Value::Count(5)),
                (vec!["team:checkout".to_owned(), OVERFLOW_TAG.to_owned()], Value::Count(8)),
            ]
        );
        assert!(take_points(&state).is_empty(), "counts are deltas");
    }

    #[test]
    fn invalid_names_are_rewritten() {
        let state: State<GaugeCells> = State::new("9 shop queue/depth", &[], 1);
        state.plain.set(2.5);
        let points = take_points(&state);
        assert_eq!(points[0].name, "shop_queue_depth");
        assert_eq!(points[0].value, Value::Gauge(2.5));
    }

    #[test]
    fn up_down_counters_keep_their_level_and_gauges_report_when_set() {
        let level: State<UpDownCells> = State::new("level", &[], 1);
        assert!(take_points(&level).is_empty(), "untouched: nothing");
        level.plain.add(3);
        level.plain.add(-1);
        assert_eq!(take_points(&level)[0].value, Value::Gauge(2.0));
        assert_eq!(take_points(&level)[0].value, Value::Gauge(2.0), "reported again");
        let gauge: State<GaugeCells> = State::new("gauge", &[], 1);
        gauge.plain.set(4.0);
        gauge.plain.set(5.0);
        assert_eq!(take_points(&gauge)[0].value, Value::Gauge(5.0));
        assert!(take_points(&gauge).is_empty(), "not set again: nothing");
    }

    #[test]
    fn sets_keep_distinct_members_and_count_what_does_not_fit() {
        let set: State<SetCells> = State::new("users", &[], 1);
        for member in ["a", "b", "a", "c"] {
            set.plain.insert(HASHER.hash_one(member), "users");
        }
        let Value::Set(members) = &take_points(&set)[0].value else { panic!("a set") };
        assert_eq!(members.len(), 3);
        for n in 0..SET_CAPACITY as u64 + 5 {
            set.plain.insert(HASHER.hash_one(n), "users");
        }
        let Value::Set(members) = &take_points(&set)[0].value else { panic!("a set") };
        assert_eq!(members.len(), SET_CAPACITY);
        assert_eq!(set.plain.dropped(), 5);
    }

    #[test]
    fn concurrent_adds_are_all_counted() {
        let state: State<CountCells> = State::new("c", &[], 4);
        std::thread::scope(|s| {
            for t in 0..4 {
                let state = &state;
                s.spawn(move || {
                    let tag = t.to_string();
                    for _ in 0..10_000 {
                        state.series(&[("t", &tag)]).add(1);
                        state.series(&[]).add(1);
                    }
                });
            }
        });
        let points = take_points(&state);
        let total: u64 = points.iter().map(|p| if let Value::Count(n) = p.value { n } else { 0 }).sum();
        assert_eq!(total, 80_000);
        assert_eq!(points.len(), 5, "{points:?}");
    }
}
