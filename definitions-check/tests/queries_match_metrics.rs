//! Every metric query of the generated objects against what the crate actually sends: annotated
//! functions run with a DogStatsD capture on a loopback UDP socket, then each query's metric
//! must have been emitted with the type its aggregation needs, and its tag filter (`service:`,
//! `env:`, `slo:`, `outcome IN (..)`) must select datagrams that were actually sent.

use std::collections::BTreeMap;

use dd_instrument::{dd_slo, dd_span, dd_timed};
use dd_instrument_tests::statsd::{self, Line};
use serde_json::Value;

#[derive(Debug)]
struct Declined;

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("declined")
    }
}

impl std::error::Error for Declined {}

#[dd_span(kind = "server", resource = "POST /orders")]
#[dd_timed]
#[dd_slo(name = "orders", target = 99.9, latency_ms = 250)]
fn place_order(ok: bool) -> Result<u32, Declined> {
    if ok { Ok(1) } else { Err(Declined) }
}

#[dd_span(kind = "client", peer = "payments")]
#[dd_timed(name = "shop.payments.latency", tags(method = "card"))]
fn charge(ok: bool) -> Result<u32, Declined> {
    if ok { Ok(1) } else { Err(Declined) }
}

#[dd_slo(name = "refunds", target = 99, timeframe = "7d")]
fn refund() {}

/// A metric query: `aggregation:metric{filter}`.
#[derive(Debug)]
struct Query {
    aggregation: String,
    metric: String,
    /// `(key, accepted values)`, all of which a datagram's tags must satisfy.
    terms: Vec<(String, Vec<String>)>,
    text: String,
}

/// Every `aggregation:metric{filter}` in `text`.
fn metric_queries(text: &str) -> Vec<Query> {
    let mut queries = Vec::new();
    for (open, _) in text.match_indices('{') {
        let before = &text[..open];
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == ':'))
            .map_or(0, |i| i + 1);
        // `sum(last_5m):count:metric` -> `count`, `metric`.
        let Some((head, metric)) = before[start..].rsplit_once(':') else { continue };
        let aggregation = head.rsplit(':').next().unwrap_or_default();
        if metric.is_empty() || aggregation.is_empty() {
            continue;
        }
        let start = open - metric.len() - aggregation.len() - 1;
        let close = open + text[open..].find('}').expect("a closed filter");
        let filter = &text[open + 1..close];
        queries.push(Query {
            aggregation: aggregation.to_owned(),
            metric: metric.to_owned(),
            terms: parse_filter(filter),
            text: text[start..=close].to_owned(),
        });
    }
    queries
}

/// `k:v,k:v` or `k:v AND k IN (a, b)`: Datadog's two filter syntaxes, which cannot be mixed.
fn parse_filter(filter: &str) -> Vec<(String, Vec<String>)> {
    let terms: Vec<&str> =
        if filter.contains(" AND ") { filter.split(" AND ").collect() } else { filter.split(',').collect() };
    terms
        .into_iter()
        .map(|term| {
            let term = term.trim();
            if let Some((key, values)) = term.split_once(" IN ") {
                let values = values.trim().trim_start_matches('(').trim_end_matches(')');
                (key.trim().to_owned(), values.split(',').map(|v| v.trim().to_owned()).collect())
            } else {
                let (key, value) =
                    term.split_once(':').unwrap_or_else(|| panic!("a `key:value` term: `{term}` in `{filter}`"));
                (key.to_owned(), vec![value.to_owned()])
            }
        })
        .collect()
}

fn matches(line: &Line, terms: &[(String, Vec<String>)]) -> bool {
    terms.iter().all(|(key, values)| {
        line.tags
            .iter()
            .any(|tag| tag.split_once(':').is_some_and(|(k, v)| k == key && values.iter().any(|value| value == v)))
    })
}

/// Every string under a `query`, `numerator` or `denominator` key of `value`.
fn query_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("query" | "numerator" | "denominator", Value::String(text)) => out.push(text.clone()),
                    _ => query_strings(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| query_strings(item, out)),
        _ => {}
    }
}

#[test]
fn every_query_selects_emitted_datagrams() {
    let mut capture = statsd::lock();
    for ok in [true, true, false] {
        let _ = place_order(ok);
        let _ = charge(ok);
    }
    refund();

    // The capture tags everything `service:shop`, `env:test`.
    let definitions = dd_instrument::definitions().service("shop").env("test").build().unwrap();
    let mut queries = Vec::new();
    let mut slo_ids = Vec::new();
    for file in definitions.files().iter().filter(|file| file.path().starts_with("api/")) {
        let value: Value = serde_json::from_str(file.contents()).unwrap();
        let mut texts = Vec::new();
        query_strings(&value, &mut texts);
        // The dashboard JSON is also checked through its Terraform copy: same queries.
        for text in texts {
            if text.starts_with("burn_rate(") {
                slo_ids.push(text.clone());
            }
            queries.extend(metric_queries(&text));
        }
    }
    assert!(queries.len() > 20, "{queries:#?}");

    let mut lines: BTreeMap<String, Vec<Line>> = BTreeMap::new();
    let mut checked = BTreeMap::new();
    for query in &queries {
        let emitted = lines
            .entry(query.metric.clone())
            .or_insert_with(|| capture.take(&query.metric).iter().map(|line| statsd::parse(line)).collect());
        assert!(!emitted.is_empty(), "`{}`: `{}` was never emitted", query.text, query.metric);
        let keys: Vec<&str> = query.terms.iter().map(|(key, _)| key.as_str()).collect();
        assert!(
            keys.starts_with(&["service", "env"]) || keys[1..].starts_with(&["service", "env"]),
            "`{}` is not scoped by service and env",
            query.text
        );
        let expected_type = match query.aggregation.as_str() {
            // SLO counters.
            "sum" => "c",
            // Latency distributions: call counts and percentiles.
            "count" | "p50" | "p95" | "p99" => "d",
            other => panic!("unexpected aggregation `{other}` in `{}`", query.text),
        };
        let selected: Vec<&Line> = emitted.iter().filter(|line| matches(line, &query.terms)).collect();
        assert!(!selected.is_empty(), "`{}` selects none of the emitted datagrams: {emitted:#?}", query.text);
        for line in &selected {
            assert_eq!(line.kind, expected_type, "`{}` on a `|{}` metric", query.text, line.kind);
        }
        *checked.entry(query.metric.clone()).or_insert(0) += 1;
    }
    // Every metric the crate emits for these functions is used.
    assert_eq!(
        checked.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "queries_match_metrics.place_order.duration",
            "shop.payments.latency",
            "slo.requests.fast",
            "slo.requests.success",
            "slo.requests.total",
        ]
    );
    // The error queries select the failed calls, and only them.
    let errors = queries.iter().find(|q| q.terms.iter().any(|(key, _)| key == "outcome")).expect("an error query");
    let emitted = &lines[&errors.metric];
    assert!(
        emitted
            .iter()
            .filter(|line| matches(line, &errors.terms))
            .all(|line| line.tags.contains(&"outcome:error".to_owned()))
    );
    // Burn-rate monitors name generated SLOs.
    let slo_keys: Vec<String> = definitions
        .files()
        .iter()
        .filter_map(|file| file.path().strip_prefix("api/slo/")?.strip_suffix(".json").map(str::to_owned))
        .collect();
    assert_eq!(slo_ids.len(), 2 * slo_keys.len());
    for query in slo_ids {
        assert!(
            slo_keys.iter().any(|key| query.contains(&format!("${{SLO_ID_{}}}", key.replace('-', "_").to_uppercase()))),
            "`{query}` names no generated SLO"
        );
    }
}
