//! The continuous profiler of the process: the sampler thread that cuts a profile every period,
//! the uploader thread, and their stop within the guard's deadline.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use super::encode::Window;
use super::upload::{self, Slot, Target, Upload};
use crate::config::{ProfilingSettings, ServiceInfo};
use crate::health::Destination;
use crate::tags::normalize_tag;

/// Libraries whose code the sampler does not unwind from: unwinding out of a signal that
/// interrupted them (the C library, the unwinder, the vDSO) could deadlock or crash.
pub(super) const BLOCKLIST: [&str; 4] = ["libc", "libgcc", "pthread", "vdso"];

/// The running profiler, if any (there is one per process: the sampling timer and signal are).
static RUNNING: Mutex<Option<Running>> = Mutex::new(None);

struct Running {
    /// Tells the sampler to cut the last profile, to be sent by this deadline.
    stop: mpsc::Sender<Instant>,
    slot: Arc<Slot>,
    health: Arc<Destination>,
}

/// Starts profiling with `settings`, uploading to the trace Agent at `agent`, counting into
/// `health`. An error says why it could not start (another profiler runs in the process).
pub(crate) fn start(
    settings: ProfilingSettings,
    service: &ServiceInfo,
    agent: &str,
    health: Arc<Destination>,
) -> Result<(), String> {
    let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
    if running.is_some() {
        return Err("a profiler started by an earlier guard is still running".to_owned());
    }
    let target = Target::of_agent(agent);
    let tags = tags_profiler(service);
    let slot = Arc::new(Slot::default());
    let (stop, stopped) = mpsc::channel();
    let (started, result) = mpsc::sync_channel(1);
    let sampler_slot = Arc::clone(&slot);
    let sampler_health = Arc::clone(&health);
    std::thread::Builder::new()
        .name("dd-profiler".to_owned())
        .spawn(move || run_sampler(settings, &stopped, &started, &sampler_slot, &sampler_health))
        .map_err(|error| format!("could not start the profiler thread: {error}"))?;
    result.recv().unwrap_or_else(|_| Err("the profiler thread stopped at once".to_owned()))?;
    let uploader_slot = Arc::clone(&slot);
    let uploader_health = Arc::clone(&health);
    let spawned = std::thread::Builder::new()
        .name("dd-profile-upload".to_owned())
        .spawn(move || upload::run_uploader(&uploader_slot, &target, &tags, &uploader_health));
    if let Err(error) = spawned {
        let _ = stop.send(Instant::now());
        return Err(format!("could not start the profile upload thread: {error}"));
    }
    *running = Some(Running { stop, slot, health });
    Ok(())
}

/// Tells the profiler to cut its last profile and send it by `deadline`; does not wait.
pub(crate) fn begin_stop(deadline: Instant) {
    if let Some(running) = RUNNING.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
        let _ = running.stop.send(deadline);
    }
}

/// Waits, at most until `deadline`, for the last profile to be sent; the profiler is gone after.
pub(crate) fn finish_stop(deadline: Instant) {
    let Some(running) = RUNNING.lock().unwrap_or_else(PoisonError::into_inner).take() else { return };
    let _ = running.stop.send(deadline);
    running.slot.wait_done(deadline, &running.health);
}

/// The sampler: one profile per period, then the last one when told to stop.
fn run_sampler(
    settings: ProfilingSettings,
    stopped: &mpsc::Receiver<Instant>,
    started: &mpsc::SyncSender<Result<(), String>>,
    slot: &Slot,
    health: &Destination,
) {
    /// If the sampler panics (in `pprof` or symbolization), the uploader still finishes and the
    /// guard does not wait for a profile that will not come.
    struct CloseOnPanic<'a>(&'a Slot, &'a Destination);
    impl Drop for CloseOnPanic<'_> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                self.1.failed(1, "sampler error", &"the profiler thread panicked: profiling stops");
                self.0.close(Instant::now());
            }
        }
    }
    let _close_on_panic = CloseOnPanic(slot, health);
    let hz = i32::try_from(settings.hz).unwrap_or(i32::MAX);
    let build = || pprof::ProfilerGuardBuilder::default().frequency(hz).blocklist(&BLOCKLIST).build();
    let mut guard = match build() {
        Ok(guard) => guard,
        Err(error) => {
            let _ = started.send(Err(sampler_error(&error)));
            return;
        }
    };
    let _ = started.send(Ok(()));
    let mut cut_at = Instant::now() + settings.period;
    loop {
        let deadline = match stopped.recv_timeout(cut_at.saturating_duration_since(Instant::now())) {
            Err(RecvTimeoutError::Timeout) => None,
            Ok(deadline) => Some(deadline),
            Err(RecvTimeoutError::Disconnected) => Some(Instant::now()),
        };
        // The samples so far, unsymbolized (a copy under the profiler's lock), then a fresh
        // profiler for the next window, started before symbols are resolved so that it
        // samples meanwhile.
        let report = guard.report().build_unresolved();
        drop(guard);
        let end = SystemTime::now();
        let next = if deadline.is_none() { Some(build()) } else { None };
        match report {
            Ok(report) => {
                let window = Window::resolve(report, settings.hz);
                slot.put(Upload { pprof: window.gzipped_pprof(), start: window.start, end }, health);
            }
            Err(error) => {
                health.dropped(1, "sampler error", &format!("the profiler's samples could not be read: {error}"));
            }
        }
        if let Some(deadline) = deadline {
            slot.close(deadline);
            return;
        }
        cut_at += settings.period;
        guard = match next {
            Some(Ok(guard)) => guard,
            Some(Err(error)) => {
                health.failed(1, "sampler error", &format!("profiling stops: {}", sampler_error(&error)));
                slot.close(Instant::now() + Duration::from_secs(10));
                return;
            }
            None => return,
        };
    }
}

/// What a sampler error means.
pub(super) fn sampler_error(error: &pprof::Error) -> String {
    match error {
        pprof::Error::Running => {
            "another CPU profiler (the `pprof` crate's) is already running in this process".to_owned()
        }
        other => format!("the CPU sampler could not start: {other}"),
    }
}

/// `tags_profiler`: the unified service tags, `host`, `runtime-id`, `language`,
/// `profiler_version`, then `DD_TAGS` and the builder's tags.
pub(super) fn tags_profiler(service: &ServiceInfo) -> String {
    let mut tags = vec![format!("service:{}", service.service)];
    let mut push = |key: &str, value: &str| {
        if let Some(tag) = normalize_tag(&format!("{key}:{value}")) {
            tags.push(tag);
        }
    };
    if let Some(env) = &service.env {
        push("env", env);
    }
    if let Some(version) = &service.version {
        push("version", version);
    }
    if let Some(host) = &service.hostname {
        push("host", host);
    }
    push("runtime-id", crate::runtime_id::get());
    push("language", "rust");
    push("profiler_version", env!("CARGO_PKG_VERSION"));
    tags.extend(service.tags.iter().cloned());
    tags.join(",")
}
