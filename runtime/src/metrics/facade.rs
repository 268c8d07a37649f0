//! A recorder for the [`metrics`] facade (feature `metrics-facade`), so crates that
//! report through `metrics::counter!`, `gauge!` and `histogram!` reach Datadog through the same
//! pipeline as everything else. Never installed behind your back: call [`install`] (or pass
//! [`recorder`] to `metrics::set_global_recorder`) once, after or before `init`.
//!
//! ```no_run
//! let _telemetry = dd_instrument::init()?;
//! dd_instrument::metrics::facade::install()?;
//!
//! metrics::counter!("shop.orders", "country" => "fr").increment(1);
//! metrics::gauge!("shop.queue.depth").set(17.0);
//! metrics::histogram!("shop.basket.items").record(3.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | facade | Datadog (DogStatsD / OTLP) |
//! |---|---|
//! | counter (`increment`; `absolute` is turned into deltas) | count `c` / monotonic delta sum |
//! | gauge (`set`, `increment`, `decrement`: a level, sent on every flush once touched) | gauge `g` / gauge |
//! | histogram | distribution `d` / delta histogram |
//!
//! Labels become tags (normalized by Datadog's rules). Each metric name keeps at most
//! [`DEFAULT_MAX_SERIES`] label sets apart (further ones share the
//! `dd_instrument.tags_overflow:true` series), and the recorder at most [`MAX_NAMES`] names
//! (further ones are not recorded, with a warning). Descriptions and units are not sent.
//!
//! Cost: the facade's macros register a handle on every call unless you keep the handle; this
//! recorder then takes a lock, looks the name and labels up and allocates the handle (as other
//! recorders do). A kept handle
//! (`let orders = metrics::counter!(..)`) records with the same atomics as
//! [`Counter`](super::Counter).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};

use ::metrics::{Key, KeyName, Metadata, Recorder, SharedString, Unit};

use super::Value;
use super::instruments::{self, Cells, CountCells, DEFAULT_MAX_SERIES, DistributionCells, State};
use crate::per_call::site::{self, PIPELINE};

/// Metric names the recorder keeps apart; further names are not recorded.
pub const MAX_NAMES: usize = 1000;

/// The recorder. Cheap to create; the metrics it records are shared by every recorder of the
/// process (there is one pipeline).
#[derive(Debug, Default, Clone, Copy)]
pub struct DdRecorder;

/// A new recorder, for `metrics::set_global_recorder` (or a local recorder in a test).
pub fn recorder() -> DdRecorder {
    DdRecorder
}

/// Installs [`recorder`] as the facade's global recorder.
///
/// # Errors
///
/// When a global recorder is already installed (by this function or another crate).
pub fn install() -> Result<(), ::metrics::SetRecorderError<DdRecorder>> {
    ::metrics::set_global_recorder(recorder())
}

/// States by name, one map per kind.
#[derive(Default)]
struct Names {
    counters: HashMap<String, Arc<State<CounterCells>>>,
    gauges: HashMap<String, Arc<State<LevelCells>>>,
    histograms: HashMap<String, Arc<State<DistributionCells>>>,
    warned: bool,
}

static NAMES: Mutex<Option<Names>> = Mutex::new(None);

impl Names {
    fn total(&self) -> usize {
        self.counters.len() + self.gauges.len() + self.histograms.len()
    }
}

/// The state of `name` in the map `pick` selects, made and registered on first use; `None`
/// past [`MAX_NAMES`].
fn state_of<C: Cells>(
    name: &str,
    pick: fn(&mut Names) -> &mut HashMap<String, Arc<State<C>>>,
) -> Option<Arc<State<C>>> {
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    let names = names.get_or_insert_with(Names::default);
    if let Some(state) = pick(names).get(name) {
        return Some(Arc::clone(state));
    }
    if names.total() >= MAX_NAMES {
        if !names.warned {
            names.warned = true;
            tracing::warn!(
                target: "dd_instrument",
                "dd-instrument: the `metrics` facade reported more than {MAX_NAMES} metric names; `{name}` and \
                 further new names are not recorded"
            );
        }
        return None;
    }
    // Names are kept for the life of the program (every flush needs them), at most MAX_NAMES.
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    let state = Arc::new(State::new(leaked, &[], DEFAULT_MAX_SERIES));
    instruments::register_shared(Arc::clone(&state) as Arc<dyn instruments::Drain>);
    pick(names).insert(name.to_owned(), Arc::clone(&state));
    Some(state)
}

/// One facade handle: the state and, when the key has labels, its series.
struct Handle<C: Cells> {
    state: Arc<State<C>>,
    series: Option<Arc<C>>,
}

impl<C: Cells> Handle<C> {
    fn new(key: &Key, state: Arc<State<C>>) -> Self {
        let labels: Vec<(&str, &str)> = key.labels().map(|label| (label.key(), label.value())).collect();
        let series = (!labels.is_empty()).then(|| Arc::clone(state.tagged(&labels)));
        Self { state, series }
    }

    /// The cells to record in, if a metrics exporter runs.
    #[inline]
    fn cells(&self) -> Option<&C> {
        if site::mode() & PIPELINE == 0 {
            return None;
        }
        Some(self.series.as_deref().unwrap_or(&self.state.plain))
    }
}

/// A facade counter's series: the count, and the last absolute value (so that `absolute` calls
/// become increments, whichever handle makes them).
pub(crate) struct CounterCells {
    count: CountCells,
    last_absolute: AtomicU64,
}

impl Cells for CounterCells {
    fn new() -> Self {
        Self { count: CountCells::new(), last_absolute: AtomicU64::new(0) }
    }

    fn take(&self) -> Option<Value> {
        self.count.take()
    }
}

impl ::metrics::CounterFn for Handle<CounterCells> {
    fn increment(&self, value: u64) {
        if let Some(cells) = self.cells() {
            cells.count.add(value);
        }
    }

    fn absolute(&self, value: u64) {
        if let Some(cells) = self.cells() {
            let previous = cells.last_absolute.fetch_max(value, Relaxed);
            if value > previous {
                cells.count.add(value - previous);
            }
        }
    }
}

impl ::metrics::GaugeFn for Handle<LevelCells> {
    fn increment(&self, value: f64) {
        if let Some(cells) = self.cells() {
            cells.update(|level| level + value);
        }
    }

    fn decrement(&self, value: f64) {
        if let Some(cells) = self.cells() {
            cells.update(|level| level - value);
        }
    }

    fn set(&self, value: f64) {
        if let Some(cells) = self.cells() {
            cells.update(|_| value);
        }
    }
}

impl ::metrics::HistogramFn for Handle<DistributionCells> {
    fn record(&self, value: f64) {
        if value.is_finite()
            && let Some(cells) = self.cells()
        {
            cells.record(value);
        }
    }
}

/// A facade gauge: a level (`f64` bits), set or moved by steps, sent on every flush once
/// touched, as the facade's gauges mean.
pub(crate) struct LevelCells {
    bits: AtomicU64,
    touched: AtomicBool,
}

impl LevelCells {
    fn update(&self, f: impl Fn(f64) -> f64) {
        let _ = self.bits.fetch_update(Relaxed, Relaxed, |bits| {
            let next = f(f64::from_bits(bits));
            next.is_finite().then_some(next.to_bits())
        });
        if !self.touched.load(Relaxed) {
            self.touched.store(true, Relaxed);
        }
    }
}

impl Cells for LevelCells {
    fn new() -> Self {
        Self { bits: AtomicU64::new(0f64.to_bits()), touched: AtomicBool::new(false) }
    }

    fn take(&self) -> Option<Value> {
        self.touched.load(Relaxed).then(|| Value::Gauge(f64::from_bits(self.bits.load(Relaxed))))
    }
}

impl Recorder for DdRecorder {
    fn describe_counter(&self, _key: KeyName, _unit: Option<Unit>, _description: SharedString) {}

    fn describe_gauge(&self, _key: KeyName, _unit: Option<Unit>, _description: SharedString) {}

    fn describe_histogram(&self, _key: KeyName, _unit: Option<Unit>, _description: SharedString) {}

    fn register_counter(&self, key: &Key, _metadata: &Metadata<'_>) -> ::metrics::Counter {
        state_of(key.name(), |names| &mut names.counters).map_or_else(::metrics::Counter::noop, |state| {
            ::metrics::Counter::from_arc(Arc::new(Handle::new(key, state)))
        })
    }

    fn register_gauge(&self, key: &Key, _metadata: &Metadata<'_>) -> ::metrics::Gauge {
        state_of(key.name(), |names| &mut names.gauges)
            .map_or_else(::metrics::Gauge::noop, |state| ::metrics::Gauge::from_arc(Arc::new(Handle::new(key, state))))
    }

    fn register_histogram(&self, key: &Key, _metadata: &Metadata<'_>) -> ::metrics::Histogram {
        state_of(key.name(), |names| &mut names.histograms).map_or_else(::metrics::Histogram::noop, |state| {
            ::metrics::Histogram::from_arc(Arc::new(Handle::new(key, state)))
        })
    }
}
