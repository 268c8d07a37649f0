//! Datadog objects as code: SLOs, monitors, a dashboard and log configuration, generated from
//! the annotated functions of the program.
//!
//! Every `#[dd_span]`, `#[dd_timed]` and `#[dd_slo]` registers its function at link time
//! ([`functions`]). [`definitions()`] turns that registry into the objects a service needs in
//! Datadog, scoped by service and environment, as the JSON bodies of Datadog's API and as
//! Terraform JSON:
//!
//! | object | generated from | what |
//! |---|---|---|
//! | SLO | each `#[dd_slo]` | metric SLO `success/total`, and `fast/total` with `latency_ms`; 7d and 30d thresholds (and 90d with `timeframe = "90d"`), warning level |
//! | monitor | each SLO objective | burn rate: page at 14.4x over 1h/5m, ticket at 6x over 6h/30m |
//! | monitor | each `#[dd_timed]` metric | error rate (`Err` or panic) and p99 latency, thresholds from the SLO when there is one |
//! | monitor | entry points (server/consumer spans with `#[dd_timed]`) | anomalies in the request rate (`'agile'`, 2 deviations) |
//! | dashboard | the service | SLOs, monitor status, calls/s, errors % and p50/p95/p99 per timed function, grouped by module |
//! | log pipeline | the service | remappers for the JSON of [`logs::json_layer`](crate::logs::json_layer) |
//! | log index | the service | retention, and exclusion filters for health checks, debug logs and (opt-in) routine info logs |
//!
//! # In a test
//!
//! ```no_run
//! #[test]
//! fn datadog_definitions_are_current() {
//!     dd_instrument::definitions()
//!         .service("checkout")
//!         .env("prod")
//!         .build()
//!         .unwrap()
//!         .check_or_write("datadog/")
//!         .unwrap();
//! }
//! ```
//!
//! The first run writes the files; later runs compare and fail with a diff when the code changed
//! an object. Review the diff, then regenerate with [`WRITE_VAR`]:
//! `DD_INSTRUMENT_DEFINITIONS=overwrite cargo test datadog_definitions`.
//!
//! # Files
//!
//! Under the directory given, every name starts with `<service>-<env>`:
//!
//! - `api/<endpoint>/<key>.json`: one request body per object, for `POST /api/v1/slo`,
//!   `/api/v1/monitor`, `/api/v1/dashboard`, `/api/v1/logs/config/pipelines`,
//!   `/api/v1/logs/config/indexes`. Burn-rate monitors and SLO widgets need the SLO's id, known
//!   only after it is created: they hold `${SLO_ID_<KEY>}`, to fill with `envsubst` (two steps:
//!   create the SLOs, then the rest; see the README).
//! - `terraform/<service>-<env>.tf.json`: the same objects as resources of the Datadog provider;
//!   monitors and the dashboard reference the SLO resources' ids.
//!
//! Output is deterministic: objects, keys and files come out in a stable order, so a change in
//! the code shows as a minimal diff.

mod generate;
mod json;
mod registry;
mod terraform;

use std::collections::BTreeSet;
use std::fmt::{self, Write as _};
use std::io;
use std::path::{Path, PathBuf};

pub use registry::{FunctionDef, SpanDef, TimerDef, functions};

#[doc(hidden)]
pub use registry::FunctionEntry;

use crate::env::{EnvSource, ProcessEnv};
use generate::Kind;

/// `DD_INSTRUMENT_DEFINITIONS=overwrite` makes [`Definitions::check_or_write`] write the files
/// instead of comparing them. Unset (or any other value): compare, and write only when none of
/// the files exists yet.
pub const WRITE_VAR: &str = "DD_INSTRUMENT_DEFINITIONS";

/// Log retentions (days) Datadog offers for an index.
pub const RETENTION_DAYS: [u32; 9] = [3, 7, 15, 30, 45, 60, 90, 180, 360];

/// Starts describing the Datadog objects of one service in one environment.
pub fn definitions() -> DefinitionsBuilder {
    DefinitionsBuilder::default()
}

/// Settings of the generated objects. Only [`service`](Self::service) and [`env`](Self::env)
/// are required.
#[derive(Debug, Default, Clone)]
#[must_use]
pub struct DefinitionsBuilder {
    service: Option<String>,
    env: Option<String>,
    team: Option<String>,
    tags: Vec<String>,
    page: Vec<String>,
    ticket: Vec<String>,
    runbook: Option<String>,
    error_rate: Option<(f64, f64)>,
    latency_p99_ms: Option<u64>,
    log_retention_days: Option<u32>,
    log_daily_limit: Option<u64>,
    debug_log_sample_rate: Option<f64>,
    routine_log_sample_rate: Option<f64>,
    slow_request_ms: Option<u64>,
    health_check_routes: Option<Vec<String>>,
    functions: Option<Vec<&'static FunctionDef>>,
}

impl DefinitionsBuilder {
    /// The service, as its telemetry is tagged (`DD_SERVICE`): in every query as `service:`.
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// The environment (`DD_ENV`): in every query as `env:`.
    pub fn env(mut self, env: impl Into<String>) -> Self {
        self.env = Some(env.into());
        self
    }

    /// The owning team: a `team:` tag on every object (the only tag dashboards take).
    pub fn team(mut self, team: impl Into<String>) -> Self {
        self.team = Some(team.into());
        self
    }

    /// A `key:value` tag on every SLO, monitor and log pipeline.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Who is paged (`@pagerduty-checkout`, `@opsgenie-...`): fast-burn SLO alerts, and the
    /// critical level of error-rate and latency monitors.
    pub fn page(mut self, handle: impl Into<String>) -> Self {
        self.page.push(handle.into());
        self
    }

    /// Who gets a ticket (`@slack-checkout-alerts`, `@jira-...`): slow-burn SLO alerts, warning
    /// levels, and request-rate anomalies.
    pub fn ticket(mut self, handle: impl Into<String>) -> Self {
        self.ticket.push(handle.into());
        self
    }

    /// A runbook URL, in every monitor message.
    pub fn runbook(mut self, url: impl Into<String>) -> Self {
        self.runbook = Some(url.into());
        self
    }

    /// Error-rate thresholds of every timed function, as fractions of calls (`0.05` is 5%).
    /// Default: 10x and 5x the error budget of the function's SLO, or 5% and 2% without one.
    pub fn error_rate(mut self, critical: f64, warning: f64) -> Self {
        self.error_rate = Some((critical, warning));
        self
    }

    /// p99 latency threshold of every timed function, in ms (the warning is 80% of it).
    /// Default: the `latency_ms` of the function's SLO, or 1000 ms.
    pub fn latency_p99_ms(mut self, critical: u64) -> Self {
        self.latency_p99_ms = Some(critical);
        self
    }

    /// How long the index keeps logs, in days: one of [`RETENTION_DAYS`]. Default 15.
    pub fn log_retention_days(mut self, days: u32) -> Self {
        self.log_retention_days = Some(days);
        self
    }

    /// Most log events the index takes per day. Default: no limit.
    pub fn log_daily_limit(mut self, events: u64) -> Self {
        self.log_daily_limit = Some(events);
        self
    }

    /// Fraction of debug logs the index drops, `0.0` (keep all) to `1.0` (drop all). Default
    /// `0.9`: one in ten is kept for context.
    pub fn debug_log_sample_rate(mut self, excluded: f64) -> Self {
        self.debug_log_sample_rate = Some(excluded);
        self
    }

    /// Fraction of routine info logs (neither errors, warnings nor slow requests) the index
    /// drops. Default: none, the filter is generated but disabled.
    pub fn routine_log_sample_rate(mut self, excluded: f64) -> Self {
        self.routine_log_sample_rate = Some(excluded);
        self
    }

    /// Logs with a `duration` (Datadog's standard attribute, in nanoseconds) at least this long
    /// are slow requests, never excluded. Default: the smallest `latency_ms` of the SLOs, or
    /// 1000 ms.
    pub fn slow_request_ms(mut self, ms: u64) -> Self {
        self.slow_request_ms = Some(ms);
        self
    }

    /// Routes (`@http.route`) of health checks, whose logs the index drops. Default `/health`,
    /// `/healthz`, `/livez`, `/readyz`; an empty list generates no such filter.
    pub fn health_check_routes<I, S>(mut self, routes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.health_check_routes = Some(routes.into_iter().map(Into::into).collect());
        self
    }

    /// Generates from these functions instead of every registered one.
    pub fn functions(mut self, functions: impl IntoIterator<Item = &'static FunctionDef>) -> Self {
        self.functions = Some(functions.into_iter().collect());
        self
    }

    /// Validates the settings and generates every object.
    pub fn build(self) -> Result<Definitions, DefinitionsError> {
        let settings = self.settings()?;
        let mut functions = self.functions.unwrap_or_else(registry::functions);
        functions.sort_by_key(|f| (f.function(), f.operation()));
        let objects = generate::objects(&settings, &functions);
        Ok(Definitions { files: files(&settings, &objects), prefix: prefix(&settings) })
    }

    fn settings(&self) -> Result<Settings, DefinitionsError> {
        let invalid = |setting: &'static str, value: String, reason: &str| DefinitionsError::Invalid {
            setting,
            value,
            reason: reason.to_owned(),
        };
        let tag_value = |setting: &'static str, value: Option<&String>| -> Result<String, DefinitionsError> {
            let value = value.ok_or_else(|| invalid(setting, String::new(), "required"))?;
            let tag = format!("{setting}:{value}");
            if crate::tags::normalize_tag(&tag).as_deref() == Some(tag.as_str()) {
                Ok(value.clone())
            } else {
                Err(invalid(
                    setting,
                    value.clone(),
                    "not a valid tag value: lowercase letters, digits, `_`, `-`, `.` and `/`",
                ))
            }
        };
        let service = tag_value("service", self.service.as_ref())?;
        let env = tag_value("env", self.env.as_ref())?;
        let team = match &self.team {
            Some(team) => Some(tag_value("team", Some(team))?),
            None => None,
        };
        for tag in &self.tags {
            if !tag.contains(':') || crate::tags::normalize_tag(tag).as_deref() != Some(tag.as_str()) {
                return Err(invalid("tag", tag.clone(), "expected a normalized `key:value` tag"));
            }
        }
        for handle in self.page.iter().chain(&self.ticket) {
            if !handle.starts_with('@') || handle.contains(char::is_whitespace) {
                return Err(invalid(
                    "page/ticket",
                    handle.clone(),
                    "expected a notification handle like `@pagerduty-checkout`",
                ));
            }
        }
        if let Some((critical, warning)) = self.error_rate
            && !(critical > 0.0 && critical < 1.0 && warning > 0.0 && warning < critical)
        {
            return Err(invalid(
                "error_rate",
                format!("{critical}, {warning}"),
                "expected fractions of calls with 0 < warning < critical < 1",
            ));
        }
        if self.latency_p99_ms == Some(0) {
            return Err(invalid("latency_p99_ms", "0".into(), "expected at least 1 ms"));
        }
        let log_retention_days = self.log_retention_days.unwrap_or(15);
        if !RETENTION_DAYS.contains(&log_retention_days) {
            return Err(invalid(
                "log_retention_days",
                log_retention_days.to_string(),
                "expected one of 3, 7, 15, 30, 45, 60, 90, 180, 360",
            ));
        }
        for (setting, rate) in [
            ("debug_log_sample_rate", self.debug_log_sample_rate),
            ("routine_log_sample_rate", self.routine_log_sample_rate),
        ] {
            if let Some(rate) = rate
                && !(0.0..=1.0).contains(&rate)
            {
                return Err(invalid(setting, rate.to_string(), "expected a fraction from 0.0 to 1.0"));
            }
        }
        let health_check_routes = self
            .health_check_routes
            .clone()
            .unwrap_or_else(|| ["/health", "/healthz", "/livez", "/readyz"].into_iter().map(str::to_owned).collect());
        if let Some(route) =
            health_check_routes.iter().find(|route| !route.starts_with('/') || route.contains(['"', '\\']))
        {
            return Err(invalid("health_check_routes", route.clone(), "expected a route starting with `/`"));
        }
        Ok(Settings {
            service,
            env,
            team,
            tags: self.tags.clone(),
            page: self.page.clone(),
            ticket: self.ticket.clone(),
            runbook: self.runbook.clone(),
            error_rate: self.error_rate,
            latency_p99_ms: self.latency_p99_ms,
            log_retention_days,
            log_daily_limit: self.log_daily_limit,
            debug_log_sample_rate: self.debug_log_sample_rate.unwrap_or(0.9),
            routine_log_sample_rate: self.routine_log_sample_rate,
            slow_request_ms: self.slow_request_ms,
            health_check_routes,
        })
    }
}

/// Validated settings.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) service: String,
    pub(crate) env: String,
    pub(crate) team: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) page: Vec<String>,
    pub(crate) ticket: Vec<String>,
    pub(crate) runbook: Option<String>,
    pub(crate) error_rate: Option<(f64, f64)>,
    pub(crate) latency_p99_ms: Option<u64>,
    pub(crate) log_retention_days: u32,
    pub(crate) log_daily_limit: Option<u64>,
    pub(crate) debug_log_sample_rate: f64,
    pub(crate) routine_log_sample_rate: Option<f64>,
    pub(crate) slow_request_ms: Option<u64>,
    pub(crate) health_check_routes: Vec<String>,
}

impl Settings {
    /// The slow-request threshold: set, else the smallest SLO latency, else 1000 ms.
    pub(crate) fn slow_request_ms(&self, slo_latencies: &[u64]) -> u64 {
        self.slow_request_ms.or_else(|| slo_latencies.iter().copied().min()).unwrap_or(1000)
    }
}

/// `<service>-<env>`, the start of every file name.
fn prefix(settings: &Settings) -> String {
    format!("{}-{}", generate::slug(&settings.service), generate::slug(&settings.env))
}

fn files(settings: &Settings, objects: &[generate::Object]) -> Vec<DefinitionFile> {
    let mut files: Vec<DefinitionFile> = objects
        .iter()
        .map(|object| DefinitionFile {
            path: format!("api/{}/{}.json", object.kind.api_dir(), object.key),
            contents: json::pretty(&object.api),
        })
        .collect();
    let comment = format!(
        "Datadog objects of service {} in env {}, generated by dd-instrument from the annotated functions. \
         Regenerate instead of editing: {WRITE_VAR}=overwrite cargo test.",
        settings.service, settings.env
    );
    files.push(DefinitionFile {
        path: format!("terraform/{}.tf.json", prefix(settings)),
        contents: json::pretty(&terraform::document(objects, &comment)),
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionFile {
    path: String,
    contents: String,
}

impl DefinitionFile {
    /// Its path relative to the output directory, with `/` separators.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Its contents: JSON, ending with a newline.
    pub fn contents(&self) -> &str {
        &self.contents
    }
}

/// The generated Datadog objects of one service in one environment, as files.
#[derive(Debug, Clone)]
pub struct Definitions {
    files: Vec<DefinitionFile>,
    /// `<service>-<env>`: files under the output directory starting with it are ours.
    prefix: String,
}

impl Definitions {
    /// Every file, sorted by path.
    pub fn files(&self) -> &[DefinitionFile] {
        &self.files
    }

    /// The file at `path` (relative, `/`-separated), if generated.
    pub fn file(&self, path: &str) -> Option<&DefinitionFile> {
        self.files.iter().find(|file| file.path == path)
    }

    /// Writes every file under `dir`, and removes files of this service and environment that
    /// are no longer generated (a function lost its SLO, say). Returns the paths it changed.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<Vec<String>, DefinitionsError> {
        let dir = dir.as_ref();
        let mut changed = Vec::new();
        for file in &self.files {
            let path = dir.join(&file.path);
            if std::fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str()) {
                continue;
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| DefinitionsError::io(parent, source))?;
            }
            std::fs::write(&path, &file.contents).map_err(|source| DefinitionsError::io(&path, source))?;
            changed.push(file.path.clone());
        }
        for stale in self.stale_files(dir)? {
            let path = dir.join(&stale);
            std::fs::remove_file(&path).map_err(|source| DefinitionsError::io(&path, source))?;
            changed.push(stale);
        }
        Ok(changed)
    }

    /// Compares the files under `dir` with the generated ones: `Err(Stale)` with a unified diff
    /// when any differs, is missing, or is no longer generated.
    pub fn check(&self, dir: impl AsRef<Path>) -> Result<(), DefinitionsError> {
        let dir = dir.as_ref();
        let mut diff = String::new();
        let mut count = 0;
        for file in &self.files {
            let path = dir.join(&file.path);
            let old = match std::fs::read_to_string(&path) {
                Ok(old) => Some(old),
                Err(error) if error.kind() == io::ErrorKind::NotFound => None,
                Err(source) => return Err(DefinitionsError::io(&path, source)),
            };
            if old.as_deref() != Some(file.contents.as_str()) {
                count += 1;
                diff.push_str(&unified_diff(&file.path, old.as_deref(), Some(&file.contents)));
            }
        }
        for stale in self.stale_files(dir)? {
            let path = dir.join(&stale);
            let old = std::fs::read_to_string(&path).map_err(|source| DefinitionsError::io(&path, source))?;
            count += 1;
            diff.push_str(&unified_diff(&stale, Some(&old), None));
        }
        if count == 0 { Ok(()) } else { Err(DefinitionsError::Stale { dir: dir.to_owned(), files: count, diff }) }
    }

    /// For a test: writes the files when none exists yet (the first run) or when [`WRITE_VAR`]
    /// is `overwrite`; otherwise [`check`](Self::check)s them, failing with a diff when the code
    /// changed an object.
    pub fn check_or_write(&self, dir: impl AsRef<Path>) -> Result<(), DefinitionsError> {
        self.check_or_write_with(dir, &ProcessEnv)
    }

    /// [`check_or_write`](Self::check_or_write), reading [`WRITE_VAR`] from `env`.
    pub fn check_or_write_with(&self, dir: impl AsRef<Path>, env: &dyn EnvSource) -> Result<(), DefinitionsError> {
        let dir = dir.as_ref();
        let overwrite = match env.var(WRITE_VAR).as_deref() {
            Some("overwrite") => true,
            None | Some("") => false,
            Some(other) => {
                return Err(DefinitionsError::Invalid {
                    setting: WRITE_VAR,
                    value: other.to_owned(),
                    reason: "expected `overwrite`, or unset".to_owned(),
                });
            }
        };
        let first_run = self.files.iter().all(|file| !dir.join(&file.path).exists());
        if overwrite || first_run { self.write(dir).map(drop) } else { self.check(dir) }
    }

    /// Files under `dir` that belong to this service and environment but are not generated.
    fn stale_files(&self, dir: &Path) -> Result<Vec<String>, DefinitionsError> {
        let generated: BTreeSet<&str> = self.files.iter().map(|file| file.path.as_str()).collect();
        let mut subdirs: Vec<String> = Kind::ALL.iter().map(|kind| format!("api/{}", kind.api_dir())).collect();
        subdirs.push("terraform".to_owned());
        let mut stale = Vec::new();
        for subdir in subdirs {
            let path = dir.join(&subdir);
            let entries = match std::fs::read_dir(&path) {
                Ok(entries) => entries,
                Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => return Err(DefinitionsError::io(&path, source)),
            };
            for entry in entries {
                let entry = entry.map_err(|source| DefinitionsError::io(&path, source))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let ours = name.strip_prefix(&self.prefix).is_some_and(|rest| rest.starts_with(['-', '.']));
                let relative = format!("{subdir}/{name}");
                if ours
                    && Path::new(&name).extension().is_some_and(|ext| ext == "json")
                    && !generated.contains(relative.as_str())
                {
                    stale.push(relative);
                }
            }
        }
        stale.sort();
        Ok(stale)
    }
}

/// Most lines of diff an error shows; the rest is counted.
const MAX_DIFF_LINES: usize = 400;

fn unified_diff(path: &str, old: Option<&str>, new: Option<&str>) -> String {
    let (old_name, new_name) = (
        if old.is_some() { format!("a/{path}") } else { "/dev/null".to_owned() },
        if new.is_some() { format!("b/{path}") } else { "/dev/null".to_owned() },
    );
    similar::TextDiff::from_lines(old.unwrap_or_default(), new.unwrap_or_default())
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &new_name)
        .to_string()
}

/// Why definitions could not be generated, written or checked.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum DefinitionsError {
    /// A setting of [`DefinitionsBuilder`] (or [`WRITE_VAR`]) has a value that cannot be used.
    #[error("invalid `{setting}` `{value}`: {reason}")]
    Invalid {
        /// The setting (or variable).
        setting: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The files on disk differ from what the code generates.
    #[error(
        "the Datadog definitions in `{}` are stale: {files} file(s) differ from what the annotated code generates.\n\n\
         {}\n\
         Review the change, then regenerate: {WRITE_VAR}=overwrite cargo test",
        dir.display(),
        truncate_lines(diff, MAX_DIFF_LINES)
    )]
    Stale {
        /// The output directory.
        dir: PathBuf,
        /// How many files differ (changed, missing or no longer generated).
        files: usize,
        /// A unified diff from the files on disk to the generated ones.
        diff: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

impl DefinitionsError {
    fn io(path: &Path, source: io::Error) -> Self {
        Self::Io { path: path.to_owned(), source }
    }
}

/// `Display`, so that `.unwrap()` in a test prints the diff readably.
impl fmt::Debug for DefinitionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn truncate_lines(text: &str, max: usize) -> String {
    let total = text.lines().count();
    if total <= max {
        return text.to_owned();
    }
    let mut kept: String = text.lines().take(max).flat_map(|line| [line, "\n"]).collect();
    let _ = writeln!(kept, "... {} more lines of diff", total - max);
    kept
}

#[cfg(test)]
mod tests;
