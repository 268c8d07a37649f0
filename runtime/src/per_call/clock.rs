//! The clock of call latencies: `#[dd_timed]` durations and the latency threshold of
//! `#[dd_slo]`. Spans keep their own timestamps (the OpenTelemetry SDK's `SystemTime`); this
//! clock is only read to subtract a call's start from its end.
//!
//! Two sources, one chosen per reading:
//!
//! - **The CPU's counter** (the TSC on x86-64, the system counter on AArch64), read through
//!   [`quanta`] and scaled to nanoseconds by its calibration against the operating system's
//!   monotonic clock: about 10 ns a reading where `Instant::now` costs about 25 (a `vDSO` call
//!   that reads the same counter, then converts it under a sequence lock).
//! - **The operating system's monotonic clock** (`std::time::Instant`), everywhere else: before
//!   the counter is calibrated, and on machines where the counter is not trusted.
//!
//! The counter is trusted only where the kernel itself builds its monotonic clock on it: on Linux,
//! when the current clocksource is `tsc` (x86-64) or `arch_sys_counter` (AArch64). The kernel
//! chooses `tsc` only for an invariant TSC (constant rate, running in every idle state) that
//! passed its check of synchronization between CPUs at boot; `quanta` checks the invariant TSC
//! (and `rdtscp`) in `CPUID` once more and otherwise reads `clock_gettime` itself. So:
//!
//! - **Across cores**, a call that starts on one CPU and ends on another subtracts readings of a
//!   counter the kernel found synchronized, as its own monotonic clock does; a residual skew of a
//!   few cycles that would make the end read before the start gives 0 ns, never a wrap.
//! - **A VM without an invariant TSC** (the hypervisor does not expose the `CPUID` bit; the
//!   kernel then uses `kvm-clock`, `hyperv_clocksource_tsc_page` or `xen`) gets the OS clock,
//!   exactly what it got before this module: the cost of `Instant::now`, no new error.
//! - **Otherwise the two sources agree**: where the counter is used, the kernel computes
//!   `CLOCK_MONOTONIC` from that same counter, scaled the same way to within `quanta`'s
//!   calibration error (typically parts per million; a calibration more than 1 % off over 10 ms
//!   is not used), including in a VM whose hypervisor exposes an invariant TSC and keeps it
//!   consistent across pauses and migrations.
//! - **Across a suspend of the machine** they differ, for a call in flight only: the OS clock
//!   stops while suspended (the call measures its running time); the counter, depending on the
//!   hardware and the suspend mode, is reset (the end reads before the start: the call measures
//!   0 ns) or keeps counting (suspend-to-idle, or a TSC that runs in S3: the call measures the
//!   time suspended too). Either way the call is counted once, nothing panics, and calls that
//!   start after the resume measure normally.
//! - **Other systems** (macOS, Windows, the BSDs) keep the OS clock: no clocksource to ask.
//!
//! The choice is made once per process, when metrics are first switched on ([`prepare`]: at
//! `init`/`build`, or when a `testing` capture opens), on a thread of its own: the calibration
//! spins for 10-20 ms (at most 200 ms, `quanta`'s bound), then the result is checked against the
//! OS clock over 10 ms and published with one atomic store. Calls never wait for it: until then
//! they read the OS clock, and a call remembers which clock its start came from, so one started
//! before the switch ends on the same clock. The metrics flusher asks the kernel again at every
//! flush ([`recheck`]): if it has given the counter up since (its watchdog found the TSC unstable
//! and switched clocksource), calls go back to the OS clock for the rest of the process. Nothing
//! here blocks a caller or panics.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// The calibrated counter, once [`prepare`] has checked it.
static COUNTER: OnceLock<quanta::Clock> = OnceLock::new();

/// Whether calls start on [`COUNTER`]: [`NOT_YET`], [`IN_USE`] (set once, after the counter),
/// or [`GIVEN_UP`] (for good: the kernel stopped trusting it).
static STATE: AtomicU8 = AtomicU8::new(NOT_YET);
const NOT_YET: u8 = 0;
const IN_USE: u8 = 1;
const GIVEN_UP: u8 = 2;

/// A reading taken when a call starts, on the clock the end must read too.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Start {
    /// Raw ticks of the calibrated counter ([`COUNTER`]).
    Counter(u64),
    /// The operating system's monotonic clock.
    Os(Instant),
}

/// Reads the clock at the start of a call.
#[inline]
pub(crate) fn start() -> Start {
    if STATE.load(Ordering::Acquire) == IN_USE
        && let Some(counter) = COUNTER.get()
    {
        return Start::Counter(counter.raw());
    }
    Start::Os(Instant::now())
}

impl Start {
    /// Nanoseconds from this start to now, on the clock of the start; 0 if the clock reads
    /// earlier than the start (see the module's notes on cores and suspend).
    #[inline]
    pub(crate) fn elapsed_nanos(self) -> u64 {
        let nanos = match self {
            // The counter is never unset once set: `map_or` only spares an `expect`.
            Self::Counter(start) => COUNTER.get().map_or(0, |counter| counter.delta_as_nanos(start, counter.raw())),
            Self::Os(start) => u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX),
        };
        #[cfg(test)]
        let nanos = nanos.saturating_add(test_hook::ADVANCE.with(std::cell::Cell::get));
        nanos
    }
}

/// Which clock calls read now: `"counter"` (calibrated, see the module's notes) or `"os"`.
#[cfg(test)]
fn source() -> &'static str {
    if matches!(start(), Start::Counter(_)) { "counter" } else { "os" }
}

/// Chooses the clock, once per process: starts the calibration of the counter on a thread of its
/// own when the kernel's clocksource is the counter. Returns at once; calls read the OS clock
/// until the counter is ready. A thread that cannot be started leaves the OS clock in place.
pub(crate) fn prepare() {
    static PREPARED: AtomicBool = AtomicBool::new(false);
    if PREPARED.swap(true, Ordering::Relaxed) {
        return;
    }
    let clocksource = kernel_clocksource();
    if !counter_trusted(clocksource.as_deref()) {
        tracing::debug!(
            target: "dd_instrument",
            "call latencies are read from the OS monotonic clock (the kernel's clocksource is {})",
            clocksource.as_deref().unwrap_or("unknown")
        );
        return;
    }
    let spawned = std::thread::Builder::new().name("dd-instrument-clock".into()).spawn(|| {
        // `quanta` spins for its calibration here (10-20 ms, at most 200 ms).
        let Ok(counter) = std::panic::catch_unwind(quanta::Clock::new) else { return };
        if agrees_with_os_clock(&counter, Duration::from_millis(10)) {
            if COUNTER.set(counter).is_ok() {
                // Not if the counter was given up meanwhile.
                let _ = STATE.compare_exchange(NOT_YET, IN_USE, Ordering::Release, Ordering::Relaxed);
            }
            tracing::debug!(target: "dd_instrument", "call latencies are read from the CPU's counter, calibrated");
        } else {
            tracing::debug!(
                target: "dd_instrument",
                "call latencies stay on the OS monotonic clock: the calibrated counter disagreed with it"
            );
        }
    });
    if let Err(error) = spawned {
        tracing::debug!(target: "dd_instrument", "call latencies stay on the OS monotonic clock: {error}");
    }
}

/// Asks the kernel again whether it keeps time with the counter, if calls use it: the metrics
/// flusher calls this at every flush (one read of a sysfs file, a few microseconds). A
/// clocksource that can no longer be read changes nothing.
pub(crate) fn recheck() {
    if STATE.load(Ordering::Relaxed) == IN_USE {
        recheck_with(kernel_clocksource().as_deref());
    }
}

/// [`recheck`] with the clocksource read.
fn recheck_with(clocksource: Option<&str>) {
    if let Some(clocksource) = clocksource
        && !counter_trusted(Some(clocksource))
        && STATE.swap(GIVEN_UP, Ordering::Relaxed) != GIVEN_UP
    {
        tracing::warn!(
            target: "dd_instrument",
            "dd-instrument: the kernel's clocksource is now {clocksource}: call latencies are read from the OS \
             monotonic clock from now on"
        );
    }
}

/// The kernel's current clocksource (Linux), e.g. `tsc` or `kvm-clock`.
fn kernel_clocksource() -> Option<String> {
    if cfg!(target_os = "linux") {
        std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
            .ok()
            .map(|text| text.trim().to_owned())
    } else {
        None
    }
}

/// Whether the counter can be used, given the kernel's clocksource: only where the kernel builds
/// its own monotonic clock on it.
fn counter_trusted(clocksource: Option<&str>) -> bool {
    match clocksource {
        Some("tsc") => cfg!(target_arch = "x86_64"),
        Some("arch_sys_counter") => cfg!(target_arch = "aarch64"),
        _ => false,
    }
}

/// Whether `counter` measures an interval of about `span` (slept) within 1 % of what the OS clock
/// measures: a calibration disturbed beyond its own error bound (a thread descheduled while
/// `quanta` read its first pair of readings) is not used.
fn agrees_with_os_clock(counter: &quanta::Clock, span: Duration) -> bool {
    let (os_start, start) = paired(counter);
    std::thread::sleep(span);
    let (os_end, end) = paired(counter);
    let os = os_end.duration_since(os_start).as_nanos();
    let measured = u128::from(counter.delta_as_nanos(start, end));
    os > 0 && measured.abs_diff(os) * 100 <= os
}

/// A reading of the OS clock and one of `counter` taken together: the pair whose OS readings
/// around the counter's are closest, of a few tries (a thread can be descheduled between two
/// readings).
fn paired(counter: &quanta::Clock) -> (Instant, u64) {
    let mut best: Option<(Duration, Instant, u64)> = None;
    for _ in 0..16 {
        let before = Instant::now();
        let raw = counter.raw();
        let window = before.elapsed();
        if best.is_none_or(|(narrowest, ..)| window < narrowest) {
            best = Some((window, before, raw));
        }
        if window < Duration::from_micros(2) {
            break;
        }
    }
    best.map_or_else(|| (Instant::now(), counter.raw()), |(_, before, raw)| (before, raw))
}

/// A hook for tests: time added to every measured latency of the thread.
#[cfg(test)]
pub(crate) mod test_hook {
    use std::cell::Cell;

    thread_local! {
        pub(super) static ADVANCE: Cell<u64> = const { Cell::new(0) };
    }

    /// Runs `f` with `nanos` added to every latency measured on this thread.
    pub(crate) fn advanced<R>(nanos: u64, f: impl FnOnce() -> R) -> R {
        let before = ADVANCE.replace(nanos);
        let result = f();
        ADVANCE.set(before);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counter_is_trusted_only_where_the_kernel_uses_it() {
        assert_eq!(counter_trusted(Some("tsc")), cfg!(target_arch = "x86_64"));
        assert_eq!(counter_trusted(Some("arch_sys_counter")), cfg!(target_arch = "aarch64"));
        for other in ["kvm-clock", "hpet", "acpi_pm", "hyperv_clocksource_tsc_page", "xen", "jiffies", "", "TSC"] {
            assert!(!counter_trusted(Some(other)), "{other}");
        }
        assert!(!counter_trusted(None));
    }

    #[test]
    fn the_os_clock_measures_a_sleep() {
        let start = Start::Os(Instant::now());
        std::thread::sleep(Duration::from_millis(5));
        let nanos = start.elapsed_nanos();
        assert!(nanos >= 5_000_000, "{nanos}");
    }

    #[test]
    fn a_start_later_than_the_end_measures_zero() {
        let later = Start::Os(Instant::now() + Duration::from_mins(1));
        assert_eq!(later.elapsed_nanos(), 0);
    }

    #[test]
    fn the_counter_measures_what_the_os_clock_measures_when_trusted() {
        if !counter_trusted(kernel_clocksource().as_deref()) {
            return;
        }
        let counter = quanta::Clock::new();
        assert!(agrees_with_os_clock(&counter, Duration::from_millis(20)));
        let (_, first) = paired(&counter);
        let (_, second) = paired(&counter);
        assert!(second >= first);
        assert_eq!(counter.delta_as_nanos(second, first), 0, "an end before the start measures 0");
    }

    #[test]
    fn calls_read_one_clock_from_start_to_end_whenever_it_is_prepared() {
        let start = start();
        prepare();
        prepare();
        std::thread::sleep(Duration::from_millis(2));
        assert!(start.elapsed_nanos() >= 2_000_000);
        assert!(["counter", "os"].contains(&source()));
    }

    #[test]
    fn a_counter_the_kernel_gives_up_is_given_up_for_good() {
        recheck_with(None);
        recheck_with(Some(if cfg!(target_arch = "aarch64") { "arch_sys_counter" } else { "tsc" }));
        assert_ne!(STATE.load(Ordering::Relaxed), GIVEN_UP, "unreadable or still trusted: no change");
        recheck_with(Some("hpet"));
        assert_eq!(STATE.load(Ordering::Relaxed), GIVEN_UP);
        // Even if the calibration finishes later, calls start on the OS clock.
        prepare();
        assert!(matches!(start(), Start::Os(_)));
        assert_eq!(source(), "os");
    }

    #[test]
    fn the_test_hook_advances_latencies() {
        let nanos = test_hook::advanced(30_000_000, || start().elapsed_nanos());
        assert!(nanos >= 30_000_000, "{nanos}");
        assert_eq!(test_hook::ADVANCE.with(std::cell::Cell::get), 0, "restored");
    }
}
