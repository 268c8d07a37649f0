//! Datadog objects generated from the registry: SLOs, monitors, the service dashboard, the log
//! pipeline and the log index, as the JSON bodies Datadog's API accepts.
//!
//! Every object is scoped by `service:` and `env:`, so two services (or two environments) that
//! use the same SLO name or metric never share a query. SLO ids are only known once Datadog has
//! created the SLOs: objects that need one carry a placeholder, [`slo_id_placeholder`], which
//! the Terraform output replaces with a reference to the SLO resource and the API workflow fills
//! in with `envsubst` (see the crate README).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::Settings;
use super::registry::FunctionDef;
use crate::slo::{FAST_METRIC, SUCCESS_METRIC, Slo, TOTAL_METRIC, Timeframe};

/// Burn-rate alert pairs of the Google SRE workbook, as Datadog documents them for a 30-day
/// SLO: (burn rate, long window, short window, priority, page?).
const BURN_RATES: [(f64, &str, &str, i64, bool); 2] = [(14.4, "1h", "5m", 1, true), (6.0, "6h", "30m", 3, false)];

/// Tag on every generated object, so they can be found (and told apart from hand-made ones).
pub(crate) const GENERATED_TAG: &str = "generated-by:dd-instrument";

/// The kind of a generated object: which API endpoint takes it and which Terraform resource it
/// becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Slo,
    Monitor,
    Dashboard,
    LogsPipeline,
    LogsIndex,
}

impl Kind {
    pub(crate) const ALL: [Self; 5] = [Self::Slo, Self::Monitor, Self::Dashboard, Self::LogsPipeline, Self::LogsIndex];

    /// The directory of its API JSON files, named after the endpoint.
    pub(crate) const fn api_dir(self) -> &'static str {
        match self {
            Self::Slo => "slo",
            Self::Monitor => "monitor",
            Self::Dashboard => "dashboard",
            Self::LogsPipeline => "logs-pipeline",
            Self::LogsIndex => "logs-index",
        }
    }
}

/// One generated object.
#[derive(Debug, Clone)]
pub(crate) struct Object {
    pub(crate) kind: Kind,
    /// Stable identity: `<service>-<env>-...`, lowercase letters, digits, `_` and `-`. File
    /// names and Terraform resource names derive from it.
    pub(crate) key: String,
    /// The request body of [`Kind::endpoint`].
    pub(crate) api: Value,
}

/// `${SLO_ID_<KEY>}`: where an object needs the id of the SLO whose key is `key`.
pub(crate) fn slo_id_placeholder(key: &str) -> String {
    format!("${{{}}}", slo_id_variable(key))
}

/// `SLO_ID_<KEY>`, the variable the API workflow sets to the id Datadog returns.
pub(crate) fn slo_id_variable(key: &str) -> String {
    format!("SLO_ID_{}", key.replace('-', "_").to_ascii_uppercase())
}

/// `text` as a key segment: lowercase ASCII letters and digits, anything else `_`.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// Keys made unique in the order they are asked for: names that differ only in characters a
/// key cannot hold (`checkout-eu` and `checkout_eu`) get `-2`, `-3`, ... Inputs come sorted, so
/// the same program always gets the same keys.
#[derive(Default)]
struct UniqueKeys(std::collections::BTreeSet<String>);

impl UniqueKeys {
    fn unique(&mut self, key: String) -> String {
        if self.0.insert(key.clone()) {
            return key;
        }
        let mut n = 2;
        loop {
            let candidate = format!("{key}-{n}");
            if self.0.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// What an SLO object measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Objective {
    /// `slo.requests.success / slo.requests.total`.
    Success,
    /// `slo.requests.fast / slo.requests.total`, with the latency threshold.
    Latency(u64),
}

/// One SLO object to generate: a declared SLO and one of its objectives.
struct SloPlan<'a> {
    slo: &'static Slo,
    objective: Objective,
    key: String,
    functions: Vec<&'a FunctionDef>,
}

/// One latency distribution: the timed functions that record it (usually one).
struct TimerPlan<'a> {
    metric: &'static str,
    /// `<service>-<env>-<metric slug>`, unique among the timers.
    key: String,
    functions: Vec<&'a FunctionDef>,
}

impl TimerPlan<'_> {
    fn first(&self) -> &FunctionDef {
        self.functions[0]
    }

    fn slo(&self) -> Option<&'static Slo> {
        self.functions.iter().find_map(|f| f.slo())
    }

    /// A function with a server or consumer span: an entry point of the service, whose request
    /// rate follows the service's traffic.
    fn is_entry_point(&self) -> bool {
        self.functions.iter().any(|f| f.span().is_some_and(|span| matches!(span.kind(), "server" | "consumer")))
    }

    /// `checkout::checkout` (or the list, when several functions share the metric).
    fn functions_text(&self) -> String {
        self.functions.iter().map(|f| format!("`{}`", f.function())).collect::<Vec<_>>().join(", ")
    }
}

/// Everything generated for one service in one environment.
pub(crate) fn objects(settings: &Settings, functions: &[&'static FunctionDef]) -> Vec<Object> {
    let generator = Generator::new(settings, functions);
    let mut objects = Vec::new();
    objects.extend(generator.slos());
    objects.extend(generator.monitors());
    objects.push(generator.dashboard());
    objects.push(generator.logs_pipeline());
    objects.push(generator.logs_index());
    objects
}

struct Generator<'a> {
    settings: &'a Settings,
    /// `<service>-<env>`.
    prefix: String,
    slos: Vec<SloPlan<'a>>,
    timers: Vec<TimerPlan<'a>>,
}

impl<'a> Generator<'a> {
    fn new(settings: &'a Settings, functions: &'a [&'static FunctionDef]) -> Self {
        let prefix = format!("{}-{}", slug(&settings.service), slug(&settings.env));
        // SLOs by name: functions sharing an SLO name count into the same `slo:` series.
        let mut by_name: BTreeMap<&str, (&'static Slo, Vec<&FunctionDef>)> = BTreeMap::new();
        for function in functions {
            if let Some(slo) = function.slo() {
                by_name.entry(slo.name()).or_insert_with(|| (slo, Vec::new())).1.push(function);
            }
        }
        let mut keys = UniqueKeys::default();
        let mut slos = Vec::new();
        for (name, (slo, functions)) in by_name {
            let mut objectives = vec![Objective::Success];
            objectives.extend(slo.latency_ms().map(Objective::Latency));
            for objective in objectives {
                let what = match objective {
                    Objective::Success => "success",
                    Objective::Latency(_) => "latency",
                };
                let key = keys.unique(format!("{prefix}-{}-{what}", slug(name)));
                slos.push(SloPlan { slo, objective, key, functions: functions.clone() });
            }
        }
        let mut by_metric: BTreeMap<&str, Vec<&FunctionDef>> = BTreeMap::new();
        for function in functions {
            if let Some(timer) = function.timer() {
                by_metric.entry(timer.metric()).or_default().push(function);
            }
        }
        let timers = by_metric
            .into_iter()
            .map(|(metric, functions)| TimerPlan {
                metric,
                key: keys.unique(format!("{prefix}-{}", slug(metric))),
                functions,
            })
            .collect();
        Self { settings, prefix, slos, timers }
    }

    /// `service:<s>,env:<e>`.
    fn scope(&self) -> String {
        format!("service:{},env:{}", self.settings.service, self.settings.env)
    }

    /// `[<service> <env>]`, the start of every name.
    fn label(&self) -> String {
        format!("[{} {}]", self.settings.service, self.settings.env)
    }

    /// Tags of SLOs and monitors.
    fn tags(&self, extra: &[String]) -> Vec<Value> {
        let mut tags = vec![
            format!("service:{}", self.settings.service),
            format!("env:{}", self.settings.env),
            GENERATED_TAG.to_owned(),
        ];
        if let Some(team) = &self.settings.team {
            tags.push(format!("team:{team}"));
        }
        tags.extend(self.settings.tags.iter().cloned());
        tags.extend(extra.iter().cloned());
        tags.sort();
        tags.dedup();
        tags.into_iter().map(Value::String).collect()
    }

    fn slo_query(&self, metric: &str, slo: &Slo) -> String {
        format!("sum:{metric}{{slo:{},{}}}.as_count()", slo.name(), self.scope())
    }

    fn slos(&self) -> Vec<Object> {
        self.slos.iter().map(|plan| self.slo(plan)).collect()
    }

    fn slo(&self, plan: &SloPlan<'_>) -> Object {
        let slo = plan.slo;
        let (good, title, promise) = match plan.objective {
            Objective::Success => (
                SUCCESS_METRIC,
                "success".to_owned(),
                "calls return normally (`Ok`, or a value that is not a `Result`)".to_owned(),
            ),
            Objective::Latency(ms) => {
                (FAST_METRIC, format!("latency under {ms} ms"), format!("calls return normally within {ms} ms"))
            }
        };
        let target = slo.target();
        let warning = warning_level(slo);
        let mut thresholds = Vec::new();
        for timeframe in timeframes(slo) {
            let mut threshold = json!({"timeframe": timeframe.as_str(), "target": target});
            if let Some(warning) = warning {
                threshold["warning"] = json!(warning);
            }
            thresholds.push(threshold);
        }
        let functions = plan.functions.iter().map(|f| format!("`{}`", f.function())).collect::<Vec<_>>().join(", ");
        let mut description = String::new();
        if let Some(text) = slo.description() {
            description.push_str(text.trim());
            description.push_str("\n\n");
        }
        let _ = write!(
            description,
            "{target}% of {promise}, over {timeframe}. Declared by `#[dd_slo(name = \"{name}\")]` on {functions}: \
             good events are `{good}`, total events `{TOTAL_METRIC}`, tagged `slo:{name}`. Generated by dd-instrument \
             from the code: change the attribute, not this SLO.",
            timeframe = slo.timeframe().as_str(),
            name = slo.name(),
        );
        let mut api = json!({
            "name": format!("{} SLO {}: {title}", self.label(), slo.name()),
            "type": "metric",
            "description": description,
            "query": {
                "numerator": self.slo_query(good, slo),
                "denominator": self.slo_query(TOTAL_METRIC, slo),
            },
            "thresholds": thresholds,
            "timeframe": slo.timeframe().as_str(),
            "target_threshold": target,
            "tags": self.tags(&[format!("slo:{}", slo.name())]),
        });
        if let Some(warning) = warning {
            api["warning_threshold"] = json!(warning);
        }
        Object { kind: Kind::Slo, key: plan.key.clone(), api }
    }

    fn monitors(&self) -> Vec<Object> {
        let mut monitors = Vec::new();
        for plan in &self.slos {
            for burn in BURN_RATES {
                monitors.push(self.burn_rate(plan, burn));
            }
        }
        for timer in &self.timers {
            monitors.push(self.error_rate(timer));
            monitors.push(self.latency(timer));
        }
        let entry_points: Vec<&TimerPlan<'_>> = self.timers.iter().filter(|t| t.is_entry_point()).collect();
        // Without a server or consumer function, the functions with an SLO stand for the
        // service's traffic; anomaly monitors on every function would mostly be noise.
        let traffic: Vec<&TimerPlan<'_>> = if entry_points.is_empty() {
            self.timers.iter().filter(|t| t.slo().is_some()).collect()
        } else {
            entry_points
        };
        for timer in traffic {
            monitors.push(self.anomaly(timer));
        }
        monitors
    }

    /// The runbook and, for monitors with one severity, who to notify: the end of a message.
    fn footer(&self, notify: Option<bool>) -> String {
        let mut footer = String::new();
        if let Some(runbook) = &self.settings.runbook {
            let _ = writeln!(footer, "Runbook: {runbook}");
        }
        let handles = match notify {
            Some(true) => &self.settings.page,
            Some(false) => &self.settings.ticket,
            None => return footer,
        };
        if !handles.is_empty() {
            let _ = write!(footer, "\nNotify: {}", handles.join(" "));
        }
        footer
    }

    /// `{{#is_alert}}page handles{{/is_alert}}{{#is_warning}}ticket handles{{/is_warning}}`.
    fn alert_or_warning_handles(&self) -> String {
        let mut out = String::new();
        if !self.settings.page.is_empty() {
            let _ = write!(out, "{{{{#is_alert}}}}{}{{{{/is_alert}}}}", self.settings.page.join(" "));
        }
        if !self.settings.ticket.is_empty() {
            let _ = write!(out, "{{{{#is_warning}}}}{}{{{{/is_warning}}}}", self.settings.ticket.join(" "));
        }
        out
    }

    fn traces_query(&self, functions: &[&FunctionDef], errors: bool) -> String {
        let operations: Vec<&str> = {
            let mut ops: Vec<&str> = functions.iter().map(|f| f.operation()).collect();
            ops.dedup();
            ops
        };
        let operation = if operations.len() == 1 {
            format!("operation_name:{}", operations[0])
        } else {
            format!("operation_name:({})", operations.join(" OR "))
        };
        let status = if errors { " status:error" } else { "" };
        format!("service:{} env:{} {operation}{status}", self.settings.service, self.settings.env)
    }

    fn burn_rate(
        &self,
        plan: &SloPlan<'_>,
        (rate, long, short, priority, page): (f64, &str, &str, i64, bool),
    ) -> Object {
        let slo = plan.slo;
        let timeframe = slo.timeframe().as_str();
        let objective = match plan.objective {
            Objective::Success => "success".to_owned(),
            Objective::Latency(ms) => format!("latency under {ms} ms"),
        };
        let query = format!(
            "burn_rate(\"{}\").over(\"{timeframe}\").long_window(\"{long}\").short_window(\"{short}\") > {rate}",
            slo_id_placeholder(&plan.key)
        );
        let budget_hours = f64::from(timeframe_days(slo.timeframe())) * 24.0 / rate;
        let urgency = if page {
            "Page: at this rate the whole error budget is gone in"
        } else {
            "Ticket: at this rate the whole error budget is gone in"
        };
        let functions: Vec<&FunctionDef> = plan.functions.clone();
        let message = format!(
            "SLO `{name}` ({objective}, target {target}% over {timeframe}) of service `{service}` in `{env}` is burning its \
             error budget {rate}x faster than sustainable, over both the last {long} and the last {short}.\n\n\
             {urgency} about {hours} hours.\n\n\
             What it counts: `#[dd_slo(name = \"{name}\")]` on {functions_text}.\n\
             Look first: traces `{traces}`; recent deploys of `{service}`; the dependencies these functions call.\n\n{footer}",
            name = slo.name(),
            target = slo.target(),
            service = self.settings.service,
            env = self.settings.env,
            hours = format_number(budget_hours.round()),
            functions_text = functions.iter().map(|f| format!("`{}`", f.function())).collect::<Vec<_>>().join(", "),
            traces = self.traces_query(&functions, true),
            footer = self.footer(Some(page)),
        );
        let kind = if page { "page" } else { "ticket" };
        let api = json!({
            "name": format!(
                "{} SLO {}: {objective} error budget burning {rate}x ({long}/{short})",
                self.label(),
                slo.name(),
            ),
            "type": "slo alert",
            "query": query,
            "message": message.trim_end(),
            "priority": priority,
            "tags": self.tags(&[format!("slo:{}", slo.name()), format!("severity:{kind}")]),
            "options": {
                "thresholds": {"critical": rate},
                // SLO alerts evaluate the SLO's own data: no data means no calls, which spends no budget.
                "notify_no_data": false,
                "include_tags": true,
            },
        });
        Object { kind: Kind::Monitor, key: format!("{}-burn-{kind}", plan.key), api }
    }

    fn calls_query(&self, metric: &str) -> String {
        format!("count:{metric}{{{}}}", self.scope())
    }

    fn errors_query(&self, metric: &str) -> String {
        // Boolean syntax (`AND`, `IN`) cannot be mixed with commas in one filter.
        format!(
            "count:{metric}{{service:{} AND env:{} AND outcome IN (error, panic)}}",
            self.settings.service, self.settings.env
        )
    }

    /// Critical and warning error rates (fractions of calls): the settings, else from the SLO
    /// (10x and 5x its error budget, so they fire before the burn-rate alerts would), else 5%
    /// and 2%.
    fn error_thresholds(&self, timer: &TimerPlan<'_>) -> (f64, f64) {
        if let Some(rates) = self.settings.error_rate {
            return rates;
        }
        match timer.slo() {
            Some(slo) => {
                let budget = (100.0 - slo.target()) / 100.0;
                (round(f64::min(10.0 * budget, 0.5)), round(f64::min(5.0 * budget, 0.25)))
            }
            None => (0.05, 0.02),
        }
    }

    fn error_rate(&self, timer: &TimerPlan<'_>) -> Object {
        let (critical, warning) = self.error_thresholds(timer);
        let metric = timer.metric;
        let query = format!(
            "sum(last_5m):{}.as_count() / {}.as_count() > {critical}",
            self.errors_query(metric),
            self.calls_query(metric)
        );
        let origin = if self.settings.error_rate.is_some() {
            "set in the definitions".to_owned()
        } else if let Some(slo) = timer.slo() {
            format!("10x and 5x the error budget of SLO `{}` ({}%)", slo.name(), slo.target())
        } else {
            "the defaults, no SLO covers this function".to_owned()
        };
        let message = format!(
            "The error rate of {functions} in service `{service}` (`{env}`) is {{{{value}}}} (a fraction of calls) over the \
             last 5 minutes: calls that returned `Err` or panicked (critical above {critical}, warning above {warning}: \
             {origin}).\n\n\
             Where: {where_}.\nLook first: traces `{traces}`; the `error.type` of those spans tells which error.\n\n\
             {handles}\n{footer}",
            functions = timer.functions_text(),
            service = self.settings.service,
            env = self.settings.env,
            critical = percent(critical),
            warning = percent(warning),
            where_ = describe(timer.first()),
            traces = self.traces_query(&timer.functions, true),
            handles = self.alert_or_warning_handles(),
            footer = self.footer(None),
        );
        let api = json!({
            "name": format!("{} {}: error rate above {}", self.label(), timer.first().function(), percent(critical)),
            "type": "query alert",
            "query": query,
            "message": tidy(&message),
            "priority": 2,
            "tags": self.tags(&[format!("metric:{metric}")]),
            "options": {
                "thresholds": {"critical": critical, "warning": warning},
                // No calls is no error: a drop in traffic is the anomaly monitor's to report.
                "notify_no_data": false,
                "require_full_window": false,
                "include_tags": true,
            },
        });
        Object { kind: Kind::Monitor, key: format!("{}-errors", timer.key), api }
    }

    /// Critical and warning p99 latencies in ms: the settings, else the SLO's latency threshold
    /// (and 80% of it), else 1000 and 500 ms.
    fn latency_thresholds(&self, timer: &TimerPlan<'_>) -> (u64, u64, String) {
        if let Some(ms) = self.settings.latency_p99_ms {
            return (ms, ms * 4 / 5, "set in the definitions".to_owned());
        }
        match timer.slo().and_then(|slo| slo.latency_ms().map(|ms| (slo, ms))) {
            Some((slo, ms)) => (ms, ms * 4 / 5, format!("the `latency_ms` of SLO `{}`", slo.name())),
            None => (1000, 500, "the defaults, no SLO sets a latency for this function".to_owned()),
        }
    }

    fn latency(&self, timer: &TimerPlan<'_>) -> Object {
        let (critical, warning, origin) = self.latency_thresholds(timer);
        let metric = timer.metric;
        let query = format!("avg(last_10m):p99:{metric}{{{}}} > {critical}", self.scope());
        let message = format!(
            "The p99 latency of {functions} in service `{service}` (`{env}`) is {{{{value}}}} ms over the last 10 minutes \
             (critical above {critical} ms, warning above {warning} ms: {origin}).\n\n\
             Where: {where_}.\nLook first: the slowest traces `{traces}`, and the child spans that take the time.\n\n\
             Percentiles of `{metric}` must be enabled in Datadog (Metrics Summary, \"Advanced\" percentiles) for this \
             query to return data.\n\n{handles}\n{footer}",
            functions = timer.functions_text(),
            service = self.settings.service,
            env = self.settings.env,
            where_ = describe(timer.first()),
            traces = self.traces_query(&timer.functions, false),
            handles = self.alert_or_warning_handles(),
            footer = self.footer(None),
        );
        let api = json!({
            "name": format!("{} {}: p99 latency above {critical} ms", self.label(), timer.first().function()),
            "type": "query alert",
            "query": query,
            "message": tidy(&message),
            "priority": 3,
            "tags": self.tags(&[format!("metric:{metric}")]),
            "options": {
                "thresholds": {"critical": critical, "warning": warning},
                // No calls, no latency: nothing to report.
                "notify_no_data": false,
                "require_full_window": false,
                "include_tags": true,
            },
        });
        Object { kind: Kind::Monitor, key: format!("{}-p99", timer.key), api }
    }

    fn anomaly(&self, timer: &TimerPlan<'_>) -> Object {
        let metric = timer.metric;
        let query = format!(
            "avg(last_4h):anomalies({}.as_rate(), 'agile', 2, direction='both', alert_window='last_15m', interval=60, \
             count_default_zero='true') >= 1",
            self.calls_query(metric)
        );
        let entry = timer.is_entry_point();
        let message = format!(
            "The request rate of {functions} in service `{service}` (`{env}`) left its usual band (agile anomaly \
             detection, 2 deviations, over the last 15 minutes).\n\n\
             A drop: callers cannot reach the service, or an upstream stopped sending. A spike: a retry storm, a \
             batch job, or real growth; check the error rate and latency monitors of the same functions.\n\n\
             Where: {where_}.\n\n{footer}",
            functions = timer.functions_text(),
            service = self.settings.service,
            env = self.settings.env,
            where_ = describe(timer.first()),
            footer = self.footer(Some(false)),
        );
        let mut options = json!({
            "thresholds": {"critical": 1.0, "critical_recovery": 0.0},
            "threshold_windows": {"trigger_window": "last_15m", "recovery_window": "last_15m"},
            "require_full_window": false,
            "include_tags": true,
        });
        if entry {
            // An entry point of a production service that receives no request for 30 minutes is
            // down or unreachable: that is worth a notification.
            options["notify_no_data"] = json!(true);
            options["no_data_timeframe"] = json!(30);
        } else {
            options["notify_no_data"] = json!(false);
        }
        let api = json!({
            "name": format!("{} {}: unusual request rate", self.label(), timer.first().function()),
            "type": "query alert",
            "query": query,
            "message": tidy(&message),
            "priority": 3,
            "tags": self.tags(&[format!("metric:{metric}")]),
            "options": options,
        });
        Object { kind: Kind::Monitor, key: format!("{}-requests-anomaly", timer.key), api }
    }

    fn dashboard(&self) -> Object {
        let mut widgets = Vec::new();
        let mut y = 0;
        if !self.slos.is_empty() {
            let mut slo_widgets = Vec::new();
            for (i, plan) in self.slos.iter().enumerate() {
                let windows: Vec<&str> = timeframes(plan.slo).iter().map(|t| t.as_str()).collect();
                let objective = match plan.objective {
                    Objective::Success => "success".to_owned(),
                    Objective::Latency(ms) => format!("latency under {ms} ms"),
                };
                slo_widgets.push(json!({
                    "definition": {
                        "type": "slo",
                        "view_type": "detail",
                        "view_mode": "overall",
                        "slo_id": slo_id_placeholder(&plan.key),
                        "title": format!("SLO {}: {objective}", plan.slo.name()),
                        "time_windows": windows,
                        "show_error_budget": true,
                    },
                    "layout": layout((i % 2) * 6, (i / 2) * 3, 6, 3),
                }));
            }
            let height = self.slos.len().div_ceil(2) * 3;
            widgets.push(group("Service level objectives", &slo_widgets, y, height));
            y += height + 1;
        }
        let monitors = vec![json!({
            "definition": {
                "type": "manage_status",
                "title": "Monitors",
                "query": format!("tag:\"service:{}\" tag:\"env:{}\" tag:\"{GENERATED_TAG}\"", self.settings.service, self.settings.env),
                "summary_type": "monitors",
                "display_format": "countsAndList",
                "sort": "status,asc",
                "hide_zero_counts": true,
                "show_last_triggered": true,
            },
            "layout": layout(0, 0, 12, 4),
        })];
        widgets.push(group("Monitors", &monitors, y, 4));
        y += 5;
        // One group per module, one row of three graphs per timed function: readable with three
        // functions or sixty, and a module's functions stay together.
        let mut modules: BTreeMap<&str, Vec<&TimerPlan<'_>>> = BTreeMap::new();
        for timer in &self.timers {
            let function = timer.first().function();
            let module = function.rsplit_once("::").map_or(function, |(module, _)| module);
            modules.entry(module).or_default().push(timer);
        }
        for (module, timers) in modules {
            let mut rows = Vec::new();
            for (row, timer) in timers.iter().enumerate() {
                let name = timer.first().function().rsplit("::").next().unwrap_or_default();
                let metric = timer.metric;
                let top = row * 2;
                rows.push(timeseries(
                    &format!("{name}: calls/s"),
                    vec![("calls", format!("{}.as_rate()", self.calls_query(metric)))],
                    vec![("calls", "calls/s")],
                    &layout(0, top, 4, 2),
                ));
                rows.push(timeseries(
                    &format!("{name}: errors (%)"),
                    vec![
                        ("errors", format!("{}.as_count()", self.errors_query(metric))),
                        ("calls", format!("{}.as_count()", self.calls_query(metric))),
                    ],
                    vec![("100 * errors / calls", "errors %")],
                    &layout(4, top, 4, 2),
                ));
                let percentiles: Vec<(&str, String)> = ["p50", "p95", "p99"]
                    .into_iter()
                    .map(|p| (p, format!("{p}:{metric}{{{}}}", self.scope())))
                    .collect();
                rows.push(timeseries(
                    &format!("{name}: latency (ms)"),
                    percentiles,
                    vec![("p50", "p50"), ("p95", "p95"), ("p99", "p99")],
                    &layout(8, top, 4, 2),
                ));
            }
            let height = timers.len() * 2;
            widgets.push(group(module, &rows, y, height));
            y += height + 1;
        }
        let mut api = json!({
            "title": format!("{} ({})", self.settings.service, self.settings.env),
            "description": format!(
                "Service `{}` in `{}`: its SLOs, monitors, and the calls, errors and latency of every `#[dd_timed]` \
                 function, grouped by module. Generated by dd-instrument from the code; latency percentiles need \
                 percentiles enabled on each `.duration` distribution.",
                self.settings.service, self.settings.env
            ),
            "layout_type": "ordered",
            "reflow_type": "fixed",
            "widgets": widgets,
        });
        if let Some(team) = &self.settings.team {
            // Dashboards accept only `team:` tags.
            api["tags"] = json!([format!("team:{team}")]);
        }
        Object { kind: Kind::Dashboard, key: format!("{}-dashboard", self.prefix), api }
    }

    fn logs_pipeline(&self) -> Object {
        let remap = |kind: &str, name: &str, source: &str| json!({"type": kind, "name": name, "is_enabled": true, "sources": [source]});
        let to_tag = |source: &str, tag: &str| {
            json!({
                "type": "attribute-remapper",
                "name": format!("{tag} tag from {source}"),
                "is_enabled": true,
                "sources": [source],
                "source_type": "attribute",
                "target": tag,
                "target_type": "tag",
                "preserve_source": true,
                "override_on_conflict": false,
            })
        };
        // The keys `dd_instrument::logs::json_layer` writes (see `logs::RESERVED_KEYS`).
        let processors = vec![
            remap("service-remapper", "Service from dd.service", "dd.service"),
            remap("status-remapper", "Status from the level", "status"),
            remap("date-remapper", "Date from timestamp", "timestamp"),
            remap("message-remapper", "Message", "message"),
            remap("trace-id-remapper", "Trace id from dd.trace_id", "dd.trace_id"),
            remap("span-id-remapper", "Span id from dd.span_id", "dd.span_id"),
            to_tag("dd.env", "env"),
            to_tag("dd.version", "version"),
        ];
        let api = json!({
            "name": format!("{} logs (dd-instrument JSON)", self.label()),
            "description": format!(
                "JSON logs of `{}` in `{}` written by dd_instrument::logs::json_layer: service, status, date, message, \
                 trace and span ids, env and version tags. Generated by dd-instrument.",
                self.settings.service, self.settings.env
            ),
            "is_enabled": true,
            "filter": {"query": format!("@dd.service:{} @dd.env:{}", self.settings.service, self.settings.env)},
            "processors": processors,
            "tags": self.tags(&[]),
        });
        Object { kind: Kind::LogsPipeline, key: format!("{}-logs-pipeline", self.prefix), api }
    }

    fn logs_index(&self) -> Object {
        let settings = self.settings;
        let routes: Vec<String> = settings.health_check_routes.iter().map(|route| format!("\"{route}\"")).collect();
        let mut exclusions = Vec::new();
        if !routes.is_empty() {
            exclusions.push(json!({
                "name": "health checks",
                "is_enabled": true,
                "filter": {"query": format!("@http.route:({})", routes.join(" OR ")), "sample_rate": 1.0},
            }));
        }
        exclusions.push(json!({
            "name": "debug logs",
            "is_enabled": settings.debug_log_sample_rate > 0.0,
            "filter": {"query": "status:debug", "sample_rate": settings.debug_log_sample_rate},
        }));
        // Everything not excluded is kept: errors, warnings and slow requests never match here.
        let slow_ns = settings.slow_request_ms(&self.slos_latencies()) * 1_000_000;
        exclusions.push(json!({
            "name": "routine info logs",
            "is_enabled": settings.routine_log_sample_rate.is_some(),
            "filter": {
                "query": format!("status:(info OR notice) -@duration:>={slow_ns}"),
                "sample_rate": settings.routine_log_sample_rate.unwrap_or(0.5),
            },
        }));
        let mut api = json!({
            "name": self.prefix.replace('_', "-"),
            "filter": {"query": format!("service:{} env:{}", settings.service, settings.env)},
            "num_retention_days": settings.log_retention_days,
            "exclusion_filters": exclusions,
        });
        if let Some(limit) = settings.log_daily_limit {
            api["daily_limit"] = json!(limit);
        }
        Object { kind: Kind::LogsIndex, key: format!("{}-logs-index", self.prefix), api }
    }

    fn slos_latencies(&self) -> Vec<u64> {
        self.slos.iter().filter_map(|plan| plan.slo.latency_ms()).collect()
    }
}

/// The SLO's timeframes: 7d and 30d, and 90d when it is the primary one.
fn timeframes(slo: &Slo) -> Vec<Timeframe> {
    let mut all = vec![Timeframe::Days7, Timeframe::Days30];
    if slo.timeframe() == Timeframe::Days90 {
        all.push(Timeframe::Days90);
    }
    all
}

const fn timeframe_days(timeframe: Timeframe) -> u32 {
    match timeframe {
        Timeframe::Days7 => 7,
        Timeframe::Days30 => 30,
        Timeframe::Days90 => 90,
    }
}

/// The warning level: declared, else half way between the target and 100 (the SLO warns once
/// half of its error budget is spent).
fn warning_level(slo: &Slo) -> Option<f64> {
    let warning = slo.warning().unwrap_or_else(|| round(f64::midpoint(slo.target(), 100.0)));
    (warning > slo.target() && warning < 100.0).then_some(warning)
}

/// `value` rounded to 6 decimals: thresholds read as written (`0.01`, not `0.010000000000000009`).
fn round(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

/// A fraction as a percentage: `0.05` -> `5%`.
fn percent(fraction: f64) -> String {
    format!("{}%", format_number(round(fraction * 100.0)))
}

fn format_number(value: f64) -> String {
    serde_json::Number::from_f64(value)
        .map_or_else(|| value.to_string(), |n| n.to_string())
        .trim_end_matches(".0")
        .to_owned()
}

/// One line about a function for messages: path, operation, resource, kind, peer.
fn describe(function: &FunctionDef) -> String {
    let mut text = format!("`{}`, operation `{}`", function.function(), function.operation());
    if let Some(span) = function.span() {
        if let Some(resource) = span.resource() {
            let _ = write!(text, ", resource `{resource}`");
        }
        let _ = write!(text, ", {} span", span.kind());
        if let Some(peer) = span.peer() {
            let _ = write!(text, " calling `{peer}`");
        }
    }
    text
}

/// `message` without trailing blank lines, with at most one empty line in a row.
fn tidy(message: &str) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in message.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if !blank && !out.is_empty() {
                out.push('\n');
            }
            blank = true;
        } else {
            out.push_str(line);
            out.push('\n');
            blank = false;
        }
    }
    out.trim_end().to_owned()
}

fn layout(x: usize, y: usize, width: usize, height: usize) -> Value {
    json!({"x": x, "y": y, "width": width, "height": height})
}

fn group(title: &str, widgets: &[Value], y: usize, height: usize) -> Value {
    json!({
        "definition": {
            "type": "group",
            "layout_type": "ordered",
            "title": title,
            "show_title": true,
            "widgets": widgets,
        },
        // A group's height counts its title bar.
        "layout": layout(0, y, 12, height + 1),
    })
}

fn timeseries(title: &str, queries: Vec<(&str, String)>, formulas: Vec<(&str, &str)>, layout: &Value) -> Value {
    let queries: Vec<Value> = queries
        .into_iter()
        .map(|(name, query)| json!({"data_source": "metrics", "name": name, "query": query}))
        .collect();
    let formulas: Vec<Value> =
        formulas.into_iter().map(|(formula, alias)| json!({"formula": formula, "alias": alias})).collect();
    json!({
        "definition": {
            "type": "timeseries",
            "title": title,
            "show_legend": false,
            "requests": [{
                "response_format": "timeseries",
                "queries": queries,
                "formulas": formulas,
                "display_type": "line",
            }],
        },
        "layout": layout,
    })
}
