//! The rate limiter of sampled traces: `DD_TRACE_RATE_LIMIT` traces per second.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Time source of the [`RateLimiter`]: monotonic time since an arbitrary origin.
pub(super) type Clock = Arc<dyn Fn() -> Duration + Send + Sync>;

/// Length of the windows over which the limiter's effective rate is measured.
const WINDOW: Duration = Duration::from_secs(1);

/// A token bucket of `per_second` traces per second, holding at most `ceil(per_second)` tokens
/// and full at the start (as `golang.org/x/time/rate` in dd-trace-go).
///
/// It also measures its effective rate, the share of calls it allowed, as Datadog's tracers do
/// (libdd-sampling, dd-trace-py `RateLimiter`): the mean of the current one-second window's rate
/// and the previous window's.
///
/// Cost per call: one clock reading (`Instant::now`, a vDSO call of about 25 ns on Linux) and one
/// `Mutex` held for a few float operations, no allocation and no system call when uncontended.
/// The sampler calls it only for roots that a rule or the sample rate keeps, never for other
/// spans, so contention stays low and nothing waits long. Clones share the bucket.
#[derive(Clone)]
pub(crate) struct RateLimiter {
    per_second: f64,
    burst: f64,
    /// No limit: allow everything without taking the lock.
    unlimited: bool,
    state: Arc<Mutex<LimiterState>>,
    clock: Clock,
}

#[derive(Debug)]
struct LimiterState {
    tokens: f64,
    refilled_at: Duration,
    window_start: Option<Duration>,
    window_allowed: u32,
    window_seen: u32,
    previous_rate: Option<f64>,
}

/// What the [`RateLimiter`] said about one trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Admission {
    /// The trace fits in the limit.
    pub(crate) allowed: bool,
    /// Share of the recent calls allowed, this one included: `_dd.limit_psr`.
    pub(crate) effective_rate: f64,
}

impl RateLimiter {
    /// A limiter of `per_second` traces per second on the monotonic clock. 0 allows nothing; a
    /// negative, infinite or NaN limit allows everything (libdd-sampling: a negative limit means
    /// no limit).
    pub(crate) fn new(per_second: f64) -> Self {
        let origin = Instant::now();
        Self::with_clock(per_second, Arc::new(move || origin.elapsed()))
    }

    /// A limiter reading time from `clock`, so tests control it.
    pub(super) fn with_clock(per_second: f64, clock: Clock) -> Self {
        let unlimited = !(per_second >= 0.0 && per_second.is_finite());
        let burst = if unlimited { 0.0 } else { per_second.ceil() };
        let state = LimiterState {
            tokens: burst,
            refilled_at: clock(),
            window_start: None,
            window_allowed: 0,
            window_seen: 0,
            previous_rate: None,
        };
        Self { per_second, burst, unlimited, state: Arc::new(Mutex::new(state)), clock }
    }

    /// Takes a token if one is available.
    pub(crate) fn admit(&self) -> Admission {
        if self.unlimited {
            return Admission { allowed: true, effective_rate: 1.0 };
        }
        let now = (self.clock)();
        // Nothing in the critical section can panic, so a poisoned lock still holds sound state.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let elapsed = now.saturating_sub(state.refilled_at).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.per_second).min(self.burst);
        state.refilled_at = state.refilled_at.max(now);
        let allowed = state.tokens >= 1.0;
        if allowed {
            state.tokens -= 1.0;
        }
        match state.window_start {
            Some(start) if now.saturating_sub(start) < WINDOW => {}
            Some(_) => {
                state.previous_rate = Some(f64::from(state.window_allowed) / f64::from(state.window_seen));
                state.window_allowed = 0;
                state.window_seen = 0;
                state.window_start = Some(now);
            }
            None => state.window_start = Some(now),
        }
        state.window_seen = state.window_seen.saturating_add(1);
        state.window_allowed = state.window_allowed.saturating_add(u32::from(allowed));
        let current = f64::from(state.window_allowed) / f64::from(state.window_seen);
        let effective_rate = state.previous_rate.map_or(current, |previous| f64::midpoint(current, previous));
        Admission { allowed, effective_rate }
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter").field("per_second", &self.per_second).finish_non_exhaustive()
    }
}

/// A clock that moves only when told to, and the handle that moves it.
#[cfg(test)]
pub(super) fn manual_clock() -> (Arc<std::sync::atomic::AtomicU64>, Clock) {
    let nanos = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let reader = Arc::clone(&nanos);
    (nanos, Arc::new(move || Duration::from_nanos(reader.load(std::sync::atomic::Ordering::SeqCst))))
}

/// Moves a [`manual_clock`] forward.
#[cfg(test)]
pub(super) fn advance(clock: &std::sync::atomic::AtomicU64, by: Duration) {
    clock.fetch_add(u64::try_from(by.as_nanos()).unwrap(), std::sync::atomic::Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_refills_continuously_and_reports_its_effective_rate() {
        let (time, clock) = manual_clock();
        let limiter = RateLimiter::with_clock(2.0, clock);
        let admit = || {
            let Admission { allowed, effective_rate } = limiter.admit();
            (allowed, effective_rate)
        };
        // A full bucket of two, then nothing until time passes.
        assert_eq!(admit(), (true, 1.0));
        assert_eq!(admit(), (true, 1.0));
        assert_eq!(admit(), (false, 2.0 / 3.0));
        assert_eq!(admit(), (false, 0.5));
        advance(&time, Duration::from_millis(499));
        assert_eq!(admit(), (false, 0.4));
        advance(&time, Duration::from_millis(1));
        assert_eq!(admit(), (true, 0.5));
        // A new window: the effective rate averages it with the previous one (3 of 6).
        advance(&time, Duration::from_millis(500));
        assert_eq!(admit(), (true, 0.75));
        assert_eq!(admit(), (false, 0.5));
        // The bucket never holds more than its burst.
        advance(&time, Duration::from_secs(10));
        assert!(admit().0 && admit().0 && !admit().0);
    }

    #[test]
    fn limiter_edge_values() {
        let (time, clock) = manual_clock();
        let none = RateLimiter::with_clock(0.0, Arc::clone(&clock));
        assert_eq!(none.admit(), Admission { allowed: false, effective_rate: 0.0 });
        advance(&time, Duration::from_secs(10));
        assert!(!none.admit().allowed);

        for unlimited in [-1.0, f64::INFINITY, f64::NAN] {
            let limiter = RateLimiter::with_clock(unlimited, Arc::clone(&clock));
            assert!((0..1000).all(|_| limiter.admit() == Admission { allowed: true, effective_rate: 1.0 }));
        }

        // Half a trace per second: one now, the next two seconds later.
        let slow = RateLimiter::with_clock(0.5, clock);
        assert!(slow.admit().allowed);
        advance(&time, Duration::from_millis(1999));
        assert!(!slow.admit().allowed);
        advance(&time, Duration::from_millis(1));
        assert!(slow.admit().allowed);
    }
}
