//! Trace sampling for the OTLP path: Datadog sampling rules, rate limit and sample rate.
//!
//! [`DatadogSampler`] decides at the root of a trace, as Datadog's tracers do, and every other
//! span follows its parent:
//!
//! 1. The first [`SamplingRule`] (`DD_TRACE_SAMPLING_RULES`) that matches the root span decides;
//!    else `DD_TRACE_SAMPLE_RATE`, when set, acts as a last rule that matches everything.
//!    Datadog's own Rust SDK appends the sample rate as that catch-all rule
//!    (`datadog-opentelemetry` `Config::effective_initial_rules`), and dd-trace-go records it with
//!    the rule mechanism too (`traceRulesSampler::sampleGlobalRate`).
//! 2. A rule keeps a trace when the low 64 bits of its id, times 1111111111111111111 (wrapping),
//!    are at most `sample_rate * 2^64`: the decision depends on the trace id only, so every
//!    Datadog tracer seeing the same id with the same rate agrees (libdd-sampling `RateSampler`).
//! 3. A trace a rule keeps then passes the rate limiter (`DD_TRACE_RATE_LIMIT` traces per second,
//!    default 100); over the limit it is rejected. Kept: priority 2 (user keep); rejected: -1
//!    (user reject); mechanism `_dd.p.dm=-3` (sampling rule) either way.
//! 4. No rule matches and no sample rate: the trace is kept with priority 1 (auto keep) and
//!    mechanism `-0` (default). On the OTLP path there are no Agent rates to apply.
//!
//! The decision goes into the `dd=` member of the span's `tracestate` ([`DdState`]), so children
//! and propagators carry it. The OTLP path never exports dropped spans: rejected roots return
//! [`SamplingDecision::Drop`]. For the Agent, kept spans of a user-kept trace carry the numeric
//! attribute `sampling.priority`: the Agent's OTLP receiver takes it as the trace chunk's priority
//! (datadog-agent `pkg/trace/api/otlp.go`, `createChunks`), where a chunk without it goes through
//! the Agent's own probabilistic sampler. The receiver overwrites `_dd.p.dm` on every chunk (`-4`
//! with a priority, `-9` without), so the mechanism is not sent as an attribute; it travels in
//! `tracestate`, which the Agent records as `w3c.tracestate`.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry::trace::{Link, SpanContext, SpanKind, TraceContextExt, TraceId, TraceState};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::trace::{SamplingDecision, SamplingResult, ShouldSample};
use serde_json::Value as Json;

use crate::propagation::dd_state::{AUTO_KEEP, DD_KEY, DdState, USER_KEEP, USER_REJECT};

/// Default of `DD_TRACE_RATE_LIMIT`: traces per second that rules and the sample rate may keep.
pub(crate) const DEFAULT_RATE_LIMIT: f64 = 100.0;

/// Knuth's multiplicative hashing factor Datadog applies to trace ids.
const KNUTH_FACTOR: u64 = 1_111_111_111_111_111_111;

/// `_dd.p.dm` of a decision by a sampling rule or by `DD_TRACE_SAMPLE_RATE`.
const MECHANISM_RULE: &str = "-3";
/// `_dd.p.dm` of the default decision (no rule, no sample rate).
const MECHANISM_DEFAULT: &str = "-0";

/// Span attribute the Agent turns into the trace's sampling priority (`_sampling_priority_v1`).
const ATTR_PRIORITY: &str = "sampling.priority";
/// Span metric: the rate of the rule that decided.
const ATTR_RULE_RATE: &str = "_dd.rule_psr";
/// Span metric: the effective rate of the rate limiter, when it was consulted.
const ATTR_LIMIT_RATE: &str = "_dd.limit_psr";
/// Span tag: the rate the trace-id hash was compared with, 6 decimals at most.
const ATTR_KNUTH_RATE: &str = "_dd.p.ksr";

/// Datadog tag names and the OpenTelemetry attributes the Agent renames to them: a rule written
/// with either name matches a span carrying the other.
const TAG_ALIASES: [(&str, &str); 3] = [
    ("http.status_code", "http.response.status_code"),
    ("http.method", "http.request.method"),
    ("http.url", "url.full"),
];

/// A trace sampling rule, as in `DD_TRACE_SAMPLING_RULES`.
///
/// A rule applies to a trace when the trace's root span matches every glob the rule has. Rules
/// are tried in order and the first one that applies decides: it keeps `sample_rate` of the
/// traces it applies to (chosen by trace id, so all services agree), within the rate limit
/// (`DD_TRACE_RATE_LIMIT`). Rules never apply to spans that continue a trace: those follow the
/// decision made where the trace started.
///
/// Globs, as in Datadog's tracers: `*` matches any run of characters (none included), `?`
/// exactly one character, everything else itself; matching ignores case and covers the whole
/// value. An absent glob, or an empty one, matches anything.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SamplingRule {
    /// Fraction of the traces the rule applies to that are kept, from 0.0 (none) to 1.0 (all).
    pub sample_rate: f64,
    /// Glob on the service: the service this program reports (`DD_SERVICE`). `None`: any.
    pub service: Option<String>,
    /// Glob on the operation name: the root span's `operation.name` attribute, else its span
    /// name. `None`: any.
    pub name: Option<String>,
    /// Glob on the resource: the root span's `resource.name` attribute, else its span name.
    /// `None`: any.
    pub resource: Option<String>,
    /// Globs on the root span's attributes, as `(key, glob)` pairs; every pair must match. The
    /// attribute must be present (an empty glob is ignored). Strings match as they are, booleans
    /// as `true` / `false`, integers in decimal, floats with an integral value as integers
    /// (`200.0` as `200`); other floats only match globs made of `*` alone. `http.status_code`,
    /// `http.method` and `http.url` also match `http.response.status_code`,
    /// `http.request.method` and `url.full`, and the other way round.
    pub tags: Vec<(String, String)>,
}

impl SamplingRule {
    /// A rule keeping `sample_rate` of all traces; narrow it with the other methods. Rates
    /// outside 0.0..=1.0 are clamped into it, and NaN counts as 0.0.
    #[must_use]
    pub fn new(sample_rate: f64) -> Self {
        Self { sample_rate: clamp_rate(sample_rate), service: None, name: None, resource: None, tags: Vec::new() }
    }

    /// Applies the rule only when the service matches `glob`.
    #[must_use]
    pub fn service(mut self, glob: impl Into<String>) -> Self {
        self.service = Some(glob.into());
        self
    }

    /// Applies the rule only when the root span's operation name matches `glob`.
    #[must_use]
    pub fn name(mut self, glob: impl Into<String>) -> Self {
        self.name = Some(glob.into());
        self
    }

    /// Applies the rule only when the root span's resource matches `glob`.
    #[must_use]
    pub fn resource(mut self, glob: impl Into<String>) -> Self {
        self.resource = Some(glob.into());
        self
    }

    /// Applies the rule only when the root span's attribute `key` matches `glob`; a second
    /// call with the same key replaces the glob.
    #[must_use]
    pub fn tag(mut self, key: impl Into<String>, glob: impl Into<String>) -> Self {
        let (key, glob) = (key.into(), glob.into());
        match self.tags.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = glob,
            None => self.tags.push((key, glob)),
        }
        self
    }

    fn matches(&self, span: &RootSpan<'_>) -> bool {
        let field =
            |glob: &Option<String>, value: &str| glob.as_deref().is_none_or(|g| g.is_empty() || glob_match(g, value));
        field(&self.service, span.service)
            && field(&self.name, &span.name)
            && field(&self.resource, &span.resource)
            && self.tags.iter().all(|(key, glob)| {
                glob.is_empty() || span.attribute(key).is_some_and(|value| value_matches(glob, value))
            })
    }
}

/// Parses `DD_TRACE_SAMPLING_RULES`: a JSON array of objects with a `sample_rate` from 0.0 to
/// 1.0 and optional `service`, `name`, `resource` globs and a `tags` object of key -> glob.
///
/// Other keys are ignored, as Datadog's tracers ignore them (`provenance`, `max_per_second`,
/// ...); `null` counts as absent. Blank input is no rules. Errors name the rule by its index in
/// the array, from 0, and show it.
pub(crate) fn parse_rules(json: &str) -> Result<Vec<SamplingRule>, String> {
    if json.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value: Json = serde_json::from_str(json).map_err(|e| format!("not a JSON array of rules: {e}"))?;
    let Json::Array(items) = value else {
        let hint = if value.is_object() { "; put the rules in `[...]`" } else { "" };
        return Err(format!("not a JSON array of rules: found {}{hint}", json_kind(&value)));
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| parse_rule(item).map_err(|e| format!("rule {index} `{item}`: {e}")))
        .collect()
}

fn parse_rule(item: &Json) -> Result<SamplingRule, String> {
    const RANGE: &str = "a number from 0.0 to 1.0";
    let Json::Object(fields) = item else {
        return Err(format!("a rule must be a JSON object, found {}", json_kind(item)));
    };
    let rate = match fields.get("sample_rate") {
        None | Some(Json::Null) => return Err(format!("`sample_rate` is missing; it must be {RANGE}")),
        Some(value) => value
            .as_f64()
            .filter(|rate| (0.0..=1.0).contains(rate))
            .ok_or_else(|| format!("`sample_rate` must be {RANGE}"))?,
    };
    let glob = |key: &str| match fields.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(glob)) => Ok(Some(glob.clone())),
        Some(other) => Err(format!("`{key}` must be a string (a glob), found {}", json_kind(other))),
    };
    let mut rule = SamplingRule::new(rate);
    rule.service = glob("service")?;
    rule.name = glob("name")?;
    rule.resource = glob("resource")?;
    match fields.get("tags") {
        None | Some(Json::Null) => {}
        Some(Json::Object(tags)) => {
            for (key, value) in tags {
                match value {
                    Json::String(glob) => rule = rule.tag(key, glob),
                    Json::Number(n) => return Err(format!("tag `{key}` must be a string glob: write `\"{n}\"`")),
                    other => return Err(format!("tag `{key}` must be a string glob, found {}", json_kind(other))),
                }
            }
        }
        Some(other) => {
            return Err(format!(
                "`tags` must be an object of tag globs like {{\"env\": \"prod\"}}, found {}",
                json_kind(other)
            ));
        }
    }
    Ok(rule)
}

fn json_kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Whether `subject` matches `pattern` (`*` any run, `?` one character), ignoring case.
///
/// Backtracks to the last `*` only, so it is `O(pattern * subject)` at worst and linear on the
/// patterns sampling rules use. ASCII compares bytes without allocating; anything else compares
/// lowercased characters.
fn glob_match(pattern: &str, subject: &str) -> bool {
    if is_star(pattern) {
        return true;
    }
    if pattern.is_ascii() && subject.is_ascii() {
        wildcard(pattern.as_bytes(), subject.as_bytes(), b'*', b'?', u8::eq_ignore_ascii_case)
    } else {
        let lower = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<Vec<_>>();
        wildcard(&lower(pattern), &lower(subject), '*', '?', |a, b| a == b)
    }
}

/// A non-empty glob made of `*` only, which matches everything.
fn is_star(glob: &str) -> bool {
    !glob.is_empty() && glob.bytes().all(|b| b == b'*')
}

fn wildcard<T: Copy + PartialEq>(pattern: &[T], subject: &[T], star: T, one: T, eq: impl Fn(&T, &T) -> bool) -> bool {
    let (mut p, mut s) = (0, 0);
    // After a `*`: the pattern position following it and the subject position it has reached.
    let mut resume: Option<(usize, usize)> = None;
    while s < subject.len() {
        if p < pattern.len() && pattern[p] == star {
            resume = Some((p + 1, s));
            p += 1;
        } else if p < pattern.len() && (pattern[p] == one || eq(&pattern[p], &subject[s])) {
            p += 1;
            s += 1;
        } else if let Some((after_star, reached)) = resume {
            // Let the last `*` swallow one more character and retry from there.
            resume = Some((after_star, reached + 1));
            p = after_star;
            s = reached + 1;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == star)
}

/// Whether an attribute value matches a tag glob, as Datadog's tracers render values.
fn value_matches(glob: &str, value: &Value) -> bool {
    match value {
        Value::String(s) => glob_match(glob, s.as_str()),
        Value::Bool(b) => glob_match(glob, if *b { "true" } else { "false" }),
        Value::I64(i) => glob_match(glob, &i.to_string()),
        // `Display` writes integral floats without a fraction: 200.0 -> "200".
        Value::F64(f) if f.is_finite() && f.fract() == 0.0 => glob_match(glob, &f.to_string()),
        Value::F64(_) => is_star(glob),
        _ => false,
    }
}

/// What rules match on: the root span as Datadog will see it.
struct RootSpan<'a> {
    service: &'a str,
    name: Cow<'a, str>,
    resource: Cow<'a, str>,
    attributes: &'a [KeyValue],
}

impl<'a> RootSpan<'a> {
    fn new(service: &'a str, span_name: &'a str, attributes: &'a [KeyValue]) -> Self {
        let text = |key: &str| find(attributes, key).map(Value::as_str);
        Self {
            service,
            name: text("operation.name").unwrap_or(Cow::Borrowed(span_name)),
            resource: text("resource.name").unwrap_or(Cow::Borrowed(span_name)),
            attributes,
        }
    }

    /// The attribute `key`, else the attribute the Agent renames to or from it.
    fn attribute(&self, key: &str) -> Option<&'a Value> {
        find(self.attributes, key).or_else(|| {
            let alias = TAG_ALIASES.iter().find_map(|&(dd, otel)| match key {
                k if k == dd => Some(otel),
                k if k == otel => Some(dd),
                _ => None,
            })?;
            find(self.attributes, alias)
        })
    }
}

fn find<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
}

fn clamp_rate(rate: f64) -> f64 {
    if rate.is_nan() { 0.0 } else { rate.clamp(0.0, 1.0) }
}

/// Datadog's deterministic decision: keep when `low64(trace_id) * KNUTH_FACTOR (mod 2^64)` is at
/// most `rate * 2^64`; rate 0 keeps nothing and rate 1 everything (libdd-sampling `RateSampler`).
fn keeps(rate: f64, trace_id: TraceId) -> bool {
    let rate = clamp_rate(rate);
    if rate <= 0.0 {
        return false;
    }
    if rate >= 1.0 {
        return true;
    }
    let mut low = [0; 8];
    low.copy_from_slice(&trace_id.to_bytes()[8..]);
    // `u64::MAX as f64` is 2^64; below rate 1 the product fits in a u64.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let threshold = (rate * u64::MAX as f64) as u64;
    u64::from_be_bytes(low).wrapping_mul(KNUTH_FACTOR) <= threshold
}

/// `_dd.p.ksr`: the rate with at most 6 decimals and no trailing zeros (`0.5`, `1`, `0`).
fn knuth_rate(rate: f64) -> String {
    let fixed = format!("{:.6}", clamp_rate(rate));
    fixed.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The sampling priority in a `tracestate`'s `dd=` member, read without allocating.
fn dd_priority(trace_state: &TraceState) -> Option<i8> {
    trace_state.get(DD_KEY)?.split(';').find_map(|entry| entry.strip_prefix("s:"))?.parse().ok()
}

/// Time source of the [`RateLimiter`]: monotonic time since an arbitrary origin.
type Clock = Arc<dyn Fn() -> Duration + Send + Sync>;

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
    fn with_clock(per_second: f64, clock: Clock) -> Self {
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

/// Datadog's trace sampler for the OTLP path: sampling rules, `DD_TRACE_SAMPLE_RATE` and
/// `DD_TRACE_RATE_LIMIT` decide at the root, every other span follows its parent. See the module
/// documentation for the decisions and what each writes.
#[derive(Debug, Clone)]
pub(crate) struct DatadogSampler {
    service: String,
    rules: Vec<SamplingRule>,
    sample_rate: Option<f64>,
    limiter: RateLimiter,
    /// `tracestate` of a root kept by a rule, prepared once.
    kept: TraceState,
    /// `tracestate` of a root rejected by a rule, prepared once.
    rejected: TraceState,
}

impl DatadogSampler {
    /// A sampler for `service` (what rules' `service` globs match): `rules` from
    /// `DD_TRACE_SAMPLING_RULES`, `sample_rate` from `DD_TRACE_SAMPLE_RATE` (clamped into
    /// 0.0..=1.0), `rate_limit` from `DD_TRACE_RATE_LIMIT` ([`DEFAULT_RATE_LIMIT`] when unset; see
    /// [`RateLimiter::new`] for 0 and negative values).
    pub(crate) fn new(
        service: impl Into<String>,
        rules: Vec<SamplingRule>,
        sample_rate: Option<f64>,
        rate_limit: f64,
    ) -> Self {
        Self {
            service: service.into(),
            rules,
            sample_rate,
            limiter: RateLimiter::new(rate_limit),
            kept: with_decision(&TraceState::NONE, USER_KEEP, MECHANISM_RULE),
            rejected: with_decision(&TraceState::NONE, USER_REJECT, MECHANISM_RULE),
        }
    }

    fn sample_root(&self, base: &TraceState, trace_id: TraceId, name: &str, attributes: &[KeyValue]) -> SamplingResult {
        let rate = if self.rules.is_empty() {
            self.sample_rate
        } else {
            let span = RootSpan::new(&self.service, name, attributes);
            self.rules.iter().find(|rule| rule.matches(&span)).map(|rule| rule.sample_rate).or(self.sample_rate)
        };
        let Some(rate) = rate.map(clamp_rate) else {
            // The default decision is not written down: a sampled span without a `dd=` priority
            // is priority 1 (auto keep) to the propagators and the Agent alike, and writing it
            // would cost several allocations on every new trace, the common case.
            let trace_state = if base.get(DD_KEY).is_some() {
                with_decision(base, AUTO_KEEP, MECHANISM_DEFAULT)
            } else {
                base.clone()
            };
            return SamplingResult { decision: SamplingDecision::RecordAndSample, attributes: Vec::new(), trace_state };
        };
        let mut limit = None;
        let mut keep = keeps(rate, trace_id);
        if keep {
            let admission = self.limiter.admit();
            keep = admission.allowed;
            limit = Some(admission.effective_rate);
        }
        let priority = if keep { USER_KEEP } else { USER_REJECT };
        let mut attributes = Vec::with_capacity(4);
        attributes.push(KeyValue::new(ATTR_PRIORITY, i64::from(priority)));
        attributes.push(KeyValue::new(ATTR_RULE_RATE, rate));
        if let Some(limit) = limit {
            attributes.push(KeyValue::new(ATTR_LIMIT_RATE, limit));
        }
        attributes.push(KeyValue::new(ATTR_KNUTH_RATE, knuth_rate(rate)));
        // Most roots have no `tracestate` of their own: theirs is one of two prepared values.
        let trace_state = match (base == &TraceState::NONE, keep) {
            (true, true) => self.kept.clone(),
            (true, false) => self.rejected.clone(),
            (false, _) => with_decision(base, priority, MECHANISM_RULE),
        };
        SamplingResult {
            decision: if keep { SamplingDecision::RecordAndSample } else { SamplingDecision::Drop },
            attributes,
            trace_state,
        }
    }
}

/// A span continuing a trace: the parent's sampled flag decides and its `tracestate` (with the
/// `dd=` priority) goes on unchanged. Spans of user-kept traces repeat `sampling.priority`, since
/// the Agent reads the priority per export request and a trace's spans may span several.
fn follow_parent(parent: &SpanContext) -> SamplingResult {
    let sampled = parent.is_sampled();
    let mut attributes = Vec::new();
    if sampled && dd_priority(parent.trace_state()) == Some(USER_KEEP) {
        attributes.push(KeyValue::new(ATTR_PRIORITY, i64::from(USER_KEEP)));
    }
    SamplingResult {
        decision: if sampled { SamplingDecision::RecordAndSample } else { SamplingDecision::Drop },
        attributes,
        trace_state: parent.trace_state().clone(),
    }
}

/// `base` with its `dd=` member carrying `priority` and the mechanism `_dd.p.dm`.
fn with_decision(base: &TraceState, priority: i8, mechanism: &str) -> TraceState {
    let mut state = DdState::from_trace_state(base);
    state.priority = Some(priority);
    state.set_tag("dm", mechanism);
    state.write_into(base)
}

impl ShouldSample for DatadogSampler {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        name: &str,
        _span_kind: &SpanKind,
        attributes: &[KeyValue],
        _links: &[Link],
    ) -> SamplingResult {
        let Some(cx) = parent_context else {
            return self.sample_root(&TraceState::default(), trace_id, name, attributes);
        };
        // Without an active span, `span()` is a no-op span whose context is invalid.
        let parent = cx.span();
        let parent = parent.span_context();
        if !parent.is_valid() {
            return self.sample_root(parent.trace_state(), trace_id, name, attributes);
        }
        // A Datadog upstream that sent no priority deferred the decision to this service.
        let deferred = parent.is_remote()
            && parent.trace_state().get(DD_KEY).is_some()
            && DdState::from_trace_state(parent.trace_state()).priority.is_none();
        if deferred {
            self.sample_root(parent.trace_state(), trace_id, name, attributes)
        } else {
            follow_parent(parent)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use opentelemetry::trace::{SpanId, TraceFlags, Tracer, TracerProvider};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};

    use super::*;

    /// A clock that moves only when told to.
    fn manual_clock() -> (Arc<AtomicU64>, Clock) {
        let nanos = Arc::new(AtomicU64::new(0));
        let reader = Arc::clone(&nanos);
        (nanos, Arc::new(move || Duration::from_nanos(reader.load(Ordering::SeqCst))))
    }

    fn advance(clock: &AtomicU64, by: Duration) {
        clock.fetch_add(u64::try_from(by.as_nanos()).unwrap(), Ordering::SeqCst);
    }

    fn sampler(rules: Vec<SamplingRule>, sample_rate: Option<f64>, rate_limit: f64) -> DatadogSampler {
        DatadogSampler::new("checkout", rules, sample_rate, rate_limit)
    }

    fn root(sampler: &DatadogSampler, trace_id: u128, name: &str, attributes: &[KeyValue]) -> SamplingResult {
        sampler.should_sample(None, TraceId::from(trace_id), name, &SpanKind::Server, attributes, &[])
    }

    fn dd(result: &SamplingResult) -> Option<&str> {
        result.trace_state.get("dd")
    }

    // Low 64 bits of trace ids and their Knuth hashes, computed by hand:
    //   1 * 1111111111111111111 = 1111111111111111111 <= 2^63 (rate 0.5 threshold): kept at 0.5
    //   9 * 1111111111111111111 = 9999999999999999999 >  2^63 = 9223372036854775808: dropped
    //   2 * 1111111111111111111 = 2222222222222222222 >  0.1 * 2^64 ~ 1844674407370955161
    //   (2^64 - 1) * 1111111111111111111 mod 2^64 = 2^64 - 1111111111111111111
    //                                              = 17335632962598440505 > 2^63: dropped
    const KEPT_AT_HALF: u128 = 1;
    const DROPPED_AT_HALF: u128 = 9;

    #[test]
    fn knuth_hash_decisions_match_datadog_formula() {
        assert_eq!(1_u64.wrapping_mul(KNUTH_FACTOR), 1_111_111_111_111_111_111);
        assert_eq!(9_u64.wrapping_mul(KNUTH_FACTOR), 9_999_999_999_999_999_999);
        assert_eq!(u64::MAX.wrapping_mul(KNUTH_FACTOR), 17_335_632_962_598_440_505);
        let cases: [(u128, f64, bool); 14] = [
            (0, 0.0, false),
            (KEPT_AT_HALF, 0.0, false),
            (DROPPED_AT_HALF, 0.0, false),
            (0, 0.5, true),
            (KEPT_AT_HALF, 0.5, true),
            (DROPPED_AT_HALF, 0.5, false),
            (u128::from(u64::MAX), 0.5, false),
            (KEPT_AT_HALF, 0.1, true),
            (2, 0.1, false),
            (0, 1.0, true),
            (DROPPED_AT_HALF, 1.0, true),
            (u128::from(u64::MAX), 1.0, true),
            // Only the low 64 bits count.
            ((0xdead_beef_u128 << 64) | KEPT_AT_HALF, 0.5, true),
            ((0xdead_beef_u128 << 64) | DROPPED_AT_HALF, 0.5, false),
        ];
        for (id, rate, kept) in cases {
            assert_eq!(keeps(rate, TraceId::from(id)), kept, "trace id {id:#x} at rate {rate}");
        }
        // Out-of-range rates are clamped.
        assert!(keeps(7.0, TraceId::from(DROPPED_AT_HALF)));
        assert!(!keeps(-1.0, TraceId::from(0)));
        assert!(!keeps(f64::NAN, TraceId::from(0)));
    }

    #[test]
    fn rules_parse_from_json() {
        let rules = parse_rules(
            r#"[
                {"service": "checkout", "name": "http.*", "resource": "GET /cart*",
                 "tags": {"env": "prod", "region": "eu-*"}, "sample_rate": 0.25},
                {"sample_rate": 1, "provenance": "customer", "max_per_second": 5, "name": null}
            ]"#,
        )
        .unwrap();
        assert_eq!(
            rules,
            vec![
                SamplingRule::new(0.25)
                    .service("checkout")
                    .name("http.*")
                    .resource("GET /cart*")
                    .tag("env", "prod")
                    .tag("region", "eu-*"),
                SamplingRule::new(1.0),
            ]
        );
        assert_eq!(parse_rules("").unwrap(), vec![]);
        assert_eq!(parse_rules("  \n").unwrap(), vec![]);
        assert_eq!(parse_rules("[]").unwrap(), vec![]);
    }

    #[test]
    fn rule_errors_name_the_rule() {
        let cases = [
            (r#"{"sample_rate": 0.5}"#, "not a JSON array of rules: found an object; put the rules in `[...]`"),
            ("0.5", "not a JSON array of rules: found a number"),
            (r#"[{"sample_rate": 0.5}"#, "not a JSON array of rules: EOF while parsing a list at line 1 column 21"),
            ("[{sample_rate: 1}]", "not a JSON array of rules: key must be a string at line 1 column 3"),
            (r#"[{"sample_rate": 2}]"#, "rule 0 `{\"sample_rate\":2}`: `sample_rate` must be a number from 0.0 to 1.0"),
            (
                r#"[{"sample_rate": 1}, {"sample_rate": -0.1}]"#,
                "rule 1 `{\"sample_rate\":-0.1}`: `sample_rate` must be a number from 0.0 to 1.0",
            ),
            (
                r#"[{"sample_rate": "0.5"}]"#,
                "rule 0 `{\"sample_rate\":\"0.5\"}`: `sample_rate` must be a number from 0.0 to 1.0",
            ),
            (
                r#"[{"service": "a"}]"#,
                "rule 0 `{\"service\":\"a\"}`: `sample_rate` is missing; it must be a number from 0.0 to 1.0",
            ),
            ("[1]", "rule 0 `1`: a rule must be a JSON object, found a number"),
            (
                r#"[{"sample_rate": 1, "service": ["a"]}]"#,
                "rule 0 `{\"sample_rate\":1,\"service\":[\"a\"]}`: `service` must be a string (a glob), found an array",
            ),
            (
                r#"[{"sample_rate": 1, "tags": ["env:prod"]}]"#,
                "rule 0 `{\"sample_rate\":1,\"tags\":[\"env:prod\"]}`: \
                 `tags` must be an object of tag globs like {\"env\": \"prod\"}, found an array",
            ),
            (
                r#"[{"sample_rate": 1, "tags": {"http.status_code": 500}}]"#,
                "rule 0 `{\"sample_rate\":1,\"tags\":{\"http.status_code\":500}}`: \
                 tag `http.status_code` must be a string glob: write `\"500\"`",
            ),
            (
                r#"[{"sample_rate": 1, "tags": {"error": true}}]"#,
                "rule 0 `{\"sample_rate\":1,\"tags\":{\"error\":true}}`: tag `error` must be a string glob, found a boolean",
            ),
        ];
        for (json, message) in cases {
            assert_eq!(parse_rules(json).unwrap_err(), message, "input {json}");
        }
    }

    #[test]
    fn globs_match_like_datadog() {
        let cases = [
            ("checkout", "checkout", true),
            ("checkout", "CheckOut", true),
            ("checkout", "checkout-api", false),
            ("check", "checkout", false),
            ("*", "", true),
            ("**", "anything", true),
            ("check*", "checkout", true),
            ("check*", "check", true),
            ("*out", "checkout", true),
            ("*out", "checkouts", false),
            ("c*k*t", "checkout", true),
            ("c*k*t", "checkou", false),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYcZ", false),
            ("*a*a*b", "aaaaaaaaab", true),
            ("*a*a*b", "aaaaaaaaaa", false),
            ("h?llo", "hello", true),
            ("h?llo", "hllo", false),
            ("?", "", false),
            ("GET /users/?", "get /users/7", true),
            ("", "", true),
            ("", "x", false),
            ("café*", "CAFÉ-bar", true),
            ("caf?", "café", true),
            ("caf?", "cafe\u{301}", false),
            ("[a]", "a", false),
        ];
        for (pattern, subject, expected) in cases {
            assert_eq!(glob_match(pattern, subject), expected, "{pattern:?} against {subject:?}");
        }
    }

    #[test]
    fn rules_match_service_name_and_resource() {
        let plain = RootSpan::new("checkout", "pay", &[]);
        let attrs = [KeyValue::new("operation.name", "http.request"), KeyValue::new("resource.name", "POST /pay")];
        let named = RootSpan::new("checkout", "pay", &attrs);

        assert!(SamplingRule::new(1.0).matches(&plain));
        assert!(SamplingRule::new(1.0).service("CHECK*").matches(&plain));
        assert!(!SamplingRule::new(1.0).service("billing").matches(&plain));
        assert!(SamplingRule::new(1.0).service("").name("").resource("").matches(&plain));
        // Name and resource fall back to the span name.
        assert!(SamplingRule::new(1.0).name("pay").resource("pay").matches(&plain));
        // `operation.name` and `resource.name` win over it.
        assert!(SamplingRule::new(1.0).name("http.*").resource("POST /*").matches(&named));
        assert!(!SamplingRule::new(1.0).name("pay").matches(&named));
        assert!(!SamplingRule::new(1.0).resource("pay").matches(&named));
        assert!(!SamplingRule::new(1.0).service("checkout").name("http.*").resource("GET *").matches(&named));
    }

    #[test]
    fn tags_match_rendered_attribute_values() {
        let attrs = [
            KeyValue::new("env", "Prod"),
            KeyValue::new("retries", 3_i64),
            KeyValue::new("http.response.status_code", 503_i64),
            KeyValue::new("http.method", "POST"),
            KeyValue::new("ratio", 200.0),
            KeyValue::new("score", 0.75),
            KeyValue::new("cached", true),
            KeyValue::new("ids", Value::Array(opentelemetry::Array::I64(vec![1, 2]))),
        ];
        let span = RootSpan::new("checkout", "pay", &attrs);
        let tag = |key: &str, glob: &str| SamplingRule::new(1.0).tag(key, glob).matches(&span);

        assert!(tag("env", "prod"));
        assert!(tag("env", "pr?d"));
        assert!(!tag("env", "dev"));
        assert!(tag("retries", "3"));
        assert!(!tag("retries", "3?"));
        assert!(tag("ratio", "200"));
        assert!(!tag("ratio", "200.0"));
        assert!(tag("score", "*"));
        assert!(!tag("score", "0.75"));
        assert!(!tag("score", "0.*"));
        assert!(tag("cached", "true"));
        assert!(!tag("ids", "*"));
        // The attribute must be there, even for `*`; an empty glob is no constraint.
        assert!(!tag("absent", "*"));
        assert!(tag("absent", ""));
        // Datadog names match OpenTelemetry names and the other way round.
        assert!(tag("http.status_code", "5*"));
        assert!(tag("http.response.status_code", "503"));
        assert!(tag("http.request.method", "post"));
        // Every tag must match.
        assert!(SamplingRule::new(1.0).tag("env", "prod").tag("retries", "3").matches(&span));
        assert!(!SamplingRule::new(1.0).tag("env", "prod").tag("retries", "4").matches(&span));
        // A repeated key replaces the glob.
        assert_eq!(SamplingRule::new(1.0).tag("env", "a").tag("env", "b").tags, vec![("env".into(), "b".into())]);
    }

    #[test]
    fn first_matching_rule_decides() {
        let rules = vec![SamplingRule::new(0.0).name("health*"), SamplingRule::new(1.0)];
        let sampler = sampler(rules, Some(0.0), DEFAULT_RATE_LIMIT);

        let dropped = root(&sampler, KEPT_AT_HALF, "healthcheck", &[]);
        assert_eq!(dropped.decision, SamplingDecision::Drop);
        assert_eq!(dd(&dropped), Some("s:-1;t.dm:-3"));
        assert!(dropped.attributes.contains(&KeyValue::new(ATTR_RULE_RATE, 0.0)));

        let kept = root(&sampler, DROPPED_AT_HALF, "checkout", &[]);
        assert_eq!(kept.decision, SamplingDecision::RecordAndSample);
        assert_eq!(dd(&kept), Some("s:2;t.dm:-3"));
    }

    #[test]
    fn rule_keep_writes_priority_mechanism_and_rates() {
        let rules = vec![SamplingRule::new(0.5).service("checkout").tag("env", "prod")];
        let sampler = sampler(rules, None, DEFAULT_RATE_LIMIT);
        let attrs = [KeyValue::new("env", "prod")];

        let kept = root(&sampler, KEPT_AT_HALF, "pay", &attrs);
        assert_eq!(kept.decision, SamplingDecision::RecordAndSample);
        assert_eq!(kept.trace_state.header(), "dd=s:2;t.dm:-3");
        assert_eq!(
            kept.attributes,
            vec![
                KeyValue::new("sampling.priority", 2_i64),
                KeyValue::new("_dd.rule_psr", 0.5),
                KeyValue::new("_dd.limit_psr", 1.0),
                KeyValue::new("_dd.p.ksr", "0.5"),
            ]
        );

        // Rejected by the rate: the limiter is not consulted.
        let rejected = root(&sampler, DROPPED_AT_HALF, "pay", &attrs);
        assert_eq!(rejected.decision, SamplingDecision::Drop);
        assert_eq!(rejected.trace_state.header(), "dd=s:-1;t.dm:-3");
        assert_eq!(
            rejected.attributes,
            vec![
                KeyValue::new("sampling.priority", -1_i64),
                KeyValue::new("_dd.rule_psr", 0.5),
                KeyValue::new("_dd.p.ksr", "0.5"),
            ]
        );
    }

    #[test]
    fn sample_rate_is_a_catch_all_rule() {
        let rules = vec![SamplingRule::new(1.0).name("important")];
        let sampler = sampler(rules, Some(0.5), DEFAULT_RATE_LIMIT);

        let by_rule = root(&sampler, DROPPED_AT_HALF, "important", &[]);
        assert_eq!(by_rule.decision, SamplingDecision::RecordAndSample);
        assert!(by_rule.attributes.contains(&KeyValue::new(ATTR_RULE_RATE, 1.0)));

        let by_rate = root(&sampler, DROPPED_AT_HALF, "other", &[]);
        assert_eq!(by_rate.decision, SamplingDecision::Drop);
        assert_eq!(dd(&by_rate), Some("s:-1;t.dm:-3"));
        let by_rate = root(&sampler, KEPT_AT_HALF, "other", &[]);
        assert_eq!(dd(&by_rate), Some("s:2;t.dm:-3"));
        assert!(by_rate.attributes.contains(&KeyValue::new(ATTR_RULE_RATE, 0.5)));
    }

    #[test]
    fn without_rules_or_rate_the_default_keeps() {
        let sampler = sampler(vec![SamplingRule::new(0.0).service("billing")], None, 0.0);
        let kept = root(&sampler, DROPPED_AT_HALF, "pay", &[]);
        assert_eq!(kept.decision, SamplingDecision::RecordAndSample);
        assert_eq!(kept.trace_state, TraceState::NONE, "nothing to write: sampled means priority 1");
        assert_eq!(kept.attributes, vec![]);
        // A `dd=` state that came without a priority (a deferred decision) gets the default one.
        let deferred = TraceState::from_key_value([("dd", "p:0000000000000007")]).unwrap();
        let result = sampler.sample_root(&deferred, TraceId::from(DROPPED_AT_HALF), "pay", &[]);
        assert_eq!(result.trace_state.header(), "dd=s:1;p:0000000000000007;t.dm:-0");
    }

    #[test]
    fn children_follow_their_parent() {
        // Rules and rates never apply below the root.
        let sampler = sampler(vec![SamplingRule::new(0.0)], Some(0.0), 0.0);
        let parent = |flags, remote, trace_state| {
            let context = SpanContext::new(TraceId::from(DROPPED_AT_HALF), SpanId::from(7), flags, remote, trace_state);
            Context::new().with_remote_span_context(context)
        };
        let child = |cx: &Context| {
            sampler.should_sample(Some(cx), TraceId::from(DROPPED_AT_HALF), "child", &SpanKind::Client, &[], &[])
        };

        let user_kept = TraceState::from_key_value([("dd", "s:2;o:rum;t.dm:-3"), ("other", "x")]).unwrap();
        let result = child(&parent(TraceFlags::SAMPLED, true, user_kept.clone()));
        assert_eq!(result.decision, SamplingDecision::RecordAndSample);
        assert_eq!(result.trace_state, user_kept);
        assert_eq!(result.attributes, vec![KeyValue::new("sampling.priority", 2_i64)]);

        let auto_kept = TraceState::from_key_value([("dd", "s:1;t.dm:-0")]).unwrap();
        let result = child(&parent(TraceFlags::SAMPLED, false, auto_kept.clone()));
        assert_eq!(result.decision, SamplingDecision::RecordAndSample);
        assert_eq!(result.trace_state, auto_kept);
        assert_eq!(result.attributes, vec![]);

        let result = child(&parent(TraceFlags::SAMPLED, true, TraceState::default()));
        assert_eq!((result.decision, result.attributes), (SamplingDecision::RecordAndSample, vec![]));

        let rejected = TraceState::from_key_value([("dd", "s:-1;t.dm:-3")]).unwrap();
        let result = child(&parent(TraceFlags::NOT_SAMPLED, true, rejected.clone()));
        assert_eq!(result.decision, SamplingDecision::Drop);
        assert_eq!(result.trace_state, rejected);
        assert_eq!(result.attributes, vec![]);

        // An invalid parent is no parent: the span is a root and keeps other vendors' state.
        let foreign = TraceState::from_key_value([("other", "x")]).unwrap();
        let invalid = SpanContext::new(TraceId::INVALID, SpanId::INVALID, TraceFlags::SAMPLED, true, foreign);
        let result = child(&Context::new().with_remote_span_context(invalid));
        assert_eq!(result.decision, SamplingDecision::Drop);
        assert_eq!(result.trace_state.header(), "dd=s:-1;t.dm:-3,other=x");
        let result = child(&Context::new());
        assert_eq!(result.trace_state.header(), "dd=s:-1;t.dm:-3");
    }

    #[test]
    fn a_deferred_upstream_decision_is_made_here() {
        // Datadog headers without a priority arrive sampled, with a `dd=` state and no `s:`.
        let sampler = sampler(vec![SamplingRule::new(0.0).name("checkout")], None, 100.0);
        let deferred = TraceState::from_key_value([("dd", "p:0000000000000007")]).unwrap();
        let context =
            SpanContext::new(TraceId::from(DROPPED_AT_HALF), SpanId::from(7), TraceFlags::SAMPLED, true, deferred);
        let cx = Context::new().with_remote_span_context(context);
        let result =
            sampler.should_sample(Some(&cx), TraceId::from(DROPPED_AT_HALF), "checkout", &SpanKind::Server, &[], &[]);
        assert_eq!(result.decision, SamplingDecision::Drop, "the local rule decides");
        assert_eq!(result.trace_state.header(), "dd=s:-1;p:0000000000000007;t.dm:-3");
        let result =
            sampler.should_sample(Some(&cx), TraceId::from(DROPPED_AT_HALF), "other", &SpanKind::Server, &[], &[]);
        assert_eq!(
            (result.decision, result.trace_state.header()),
            (SamplingDecision::RecordAndSample, "dd=s:1;p:0000000000000007;t.dm:-0".to_owned())
        );
    }

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

    #[test]
    fn rate_limit_demotes_rule_keeps() {
        let (time, clock) = manual_clock();
        let mut sampler = sampler(vec![SamplingRule::new(1.0)], None, 1.0);
        sampler.limiter = RateLimiter::with_clock(1.0, clock);

        assert_eq!(dd(&root(&sampler, 1, "pay", &[])), Some("s:2;t.dm:-3"));
        let limited = root(&sampler, 2, "pay", &[]);
        assert_eq!(limited.decision, SamplingDecision::Drop);
        assert_eq!(dd(&limited), Some("s:-1;t.dm:-3"));
        assert_eq!(
            limited.attributes,
            vec![
                KeyValue::new("sampling.priority", -1_i64),
                KeyValue::new("_dd.rule_psr", 1.0),
                KeyValue::new("_dd.limit_psr", 0.5),
                KeyValue::new("_dd.p.ksr", "1"),
            ]
        );
        advance(&time, Duration::from_secs(1));
        assert_eq!(root(&sampler, 3, "pay", &[]).decision, SamplingDecision::RecordAndSample);
    }

    #[test]
    fn knuth_rate_has_six_decimals_at_most() {
        assert_eq!(knuth_rate(1.0), "1");
        assert_eq!(knuth_rate(0.0), "0");
        assert_eq!(knuth_rate(0.5), "0.5");
        assert_eq!(knuth_rate(0.765_432_1), "0.765432");
        assert_eq!(knuth_rate(0.000_000_1), "0");
    }

    #[test]
    fn decisions_reach_exported_spans() {
        let exporter = InMemorySpanExporter::default();
        let rules = vec![SamplingRule::new(1.0).name("http.request"), SamplingRule::new(0.0)];
        let provider = SdkTracerProvider::builder()
            .with_sampler(sampler(rules, None, DEFAULT_RATE_LIMIT))
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("test");

        let root_span = tracer.span_builder("GET /").with_attributes([KeyValue::new("operation.name", "http.request")]);
        let cx = Context::new().with_span(root_span.start(&tracer));
        drop(tracer.start_with_context("db", &cx));
        drop(cx);
        // Dropped by the second rule, with everything under it.
        let dropped = Context::new().with_span(tracer.start("background"));
        drop(tracer.start_with_context("step", &dropped));
        drop(dropped);

        let spans = exporter.get_finished_spans().unwrap();
        assert_eq!(spans.iter().map(|s| s.name.as_ref()).collect::<Vec<_>>(), ["db", "GET /"]);
        for span in &spans {
            assert_eq!(span.span_context.trace_state().header(), "dd=s:2;t.dm:-3");
            assert!(span.attributes.contains(&KeyValue::new("sampling.priority", 2_i64)));
        }
        assert!(spans[1].attributes.contains(&KeyValue::new("_dd.rule_psr", 1.0)));
        assert!(!spans[0].attributes.iter().any(|kv| kv.key.as_str() == "_dd.rule_psr"));
        provider.shutdown().unwrap();
    }
}
