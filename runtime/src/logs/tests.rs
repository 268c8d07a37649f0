//! Whole lines through a subscriber, and the trace ids they carry.

use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState, TracerProvider as _,
};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use serde_json::{Value, json};
use tracing::Level;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

use super::layer::BUFFERS;
use super::*;
use crate::ServiceInfo;

// ---- Whole lines through a subscriber ----

/// Collects written bytes and counts `write` calls.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<(Vec<u8>, usize)>>);

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut inner = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        inner.0.extend_from_slice(buf);
        inner.1 += 1;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().0.clone()).unwrap()
    }

    fn lines(&self) -> Vec<Value> {
        let text = self.text();
        assert!(text.is_empty() || text.ends_with('\n'), "{text}");
        text.lines().map(|line| serde_json::from_str(line).expect(line)).collect()
    }

    fn writes(&self) -> usize {
        self.0.lock().unwrap().1
    }
}

fn fixed_clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_795_628_564_123)
}

fn service(env: Option<&str>, version: Option<&str>) -> ServiceInfo {
    ServiceInfo {
        service: "checkout".to_owned(),
        env: env.map(str::to_owned),
        version: version.map(str::to_owned),
        tags: Vec::new(),
        otel_attributes: Vec::new(),
        entity_id: None,
        external_env: None,
        hostname: None,
    }
}

/// A service with every attribute a line can carry.
fn full_service() -> ServiceInfo {
    ServiceInfo {
        tags: vec!["team:payments".to_owned(), "tier:1".to_owned()],
        hostname: Some("node-7.eu".to_owned()),
        ..service(Some("prod"), Some("1.4.2"))
    }
}

fn layer(capture: &Capture) -> JsonLayer<impl for<'w> MakeWriter<'w> + 'static> {
    let capture = capture.clone();
    json_layer(&full_service()).with_writer(move || capture.clone()).with_clock(fixed_clock)
}

/// Runs `f` on a thread with a known name (test threads are named after the test).
fn on_named_thread(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().name("worker-1".to_owned()).spawn(f).unwrap().join().unwrap();
}

#[test]
fn exact_line_for_a_fixed_event() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(layer(&capture));
    on_named_thread(move || {
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "shop::pay", cents = 1250, card = "visa", "card \"declined\"\nretrying");
        });
    });
    assert_eq!(
        capture.text(),
        concat!(
            r#"{"timestamp":"2026-11-25T17:42:44.123Z","status":"warn","message":"card \"declined\"\nretrying","#,
            r#""logger.name":"shop::pay","logger.thread_name":"worker-1","ddsource":"rust","#,
            r#""ddtags":"team:payments,tier:1","host":"node-7.eu","dd.service":"checkout","dd.env":"prod","#,
            r#""dd.version":"1.4.2","cents":1250,"card":"visa"}"#,
            "\n"
        )
    );
    assert_eq!(capture.writes(), 1);
}

#[test]
fn unset_tags_unnamed_threads_and_missing_messages_are_left_out() {
    let capture = Capture::default();
    let writer = capture.clone();
    let layer = json_layer(&service(None, Some(""))).with_writer(move || writer.clone()).with_clock(fixed_clock);
    let subscriber = tracing_subscriber::registry().with(layer);
    std::thread::spawn(move || {
        tracing::subscriber::with_default(subscriber, || {
            tracing::event!(target: "t", Level::TRACE, done = true);
            tracing::error!(target: "t", "");
        });
    })
    .join()
    .unwrap();
    assert_eq!(
        capture.text(),
        concat!(
            r#"{"timestamp":"2026-11-25T17:42:44.123Z","status":"trace","message":"","logger.name":"t","#,
            r#""ddsource":"rust","dd.service":"checkout","done":true}"#,
            "\n",
            r#"{"timestamp":"2026-11-25T17:42:44.123Z","status":"error","message":"","logger.name":"t","#,
            r#""ddsource":"rust","dd.service":"checkout"}"#,
            "\n",
        )
    );
}

fn one_line(f: impl FnOnce()) -> Value {
    let capture = Capture::default();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer(&capture)), f);
    let mut lines = capture.lines();
    assert_eq!(lines.len(), 1);
    lines.remove(0)
}

#[derive(Debug)]
struct Declined {
    code: u16,
}

impl fmt::Display for Declined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "card declined ({}) \"insufficient funds\"", self.code)
    }
}

impl std::error::Error for Declined {}

#[test]
fn field_values_keep_their_json_types() {
    let err: &(dyn std::error::Error + 'static) = &Declined { code: 51 };
    let line = one_line(|| {
        tracing::info!(
            negative = -3_i64,
            big = u64::MAX,
            ratio = 0.25,
            whole = 2.0,
            nan = f64::NAN,
            infinite = f64::INFINITY,
            small128 = -5_i128,
            huge128 = u128::MAX,
            yes = true,
            text = "multi\nline \u{1F980}",
            shown = %"display \"q\"",
            debugged = ?Some("x"),
            first_error = err,
            second_error = err,
            "paid {} cents",
            1250
        );
    });
    let fields = line.as_object().unwrap();
    assert_eq!(line["message"], "paid 1250 cents");
    assert_eq!(line["negative"], json!(-3));
    assert_eq!(line["big"], json!(u64::MAX));
    assert_eq!(line["ratio"], json!(0.25));
    assert_eq!(line["whole"], json!(2.0));
    assert_eq!(line["nan"], Value::Null);
    assert_eq!(line["infinite"], Value::Null);
    assert_eq!(line["small128"], json!(-5));
    assert_eq!(line["huge128"], json!(u128::MAX.to_string()));
    assert_eq!(line["yes"], json!(true));
    assert_eq!(line["text"], "multi\nline \u{1F980}");
    assert_eq!(line["shown"], "display \"q\"");
    assert_eq!(line["debugged"], "Some(\"x\")");
    assert_eq!(line["error.message"], "card declined (51) \"insufficient funds\"");
    assert_eq!(line["second_error"], "card declined (51) \"insufficient funds\"");
    assert!(!fields.contains_key("first_error"));
}

#[test]
fn reserved_names_are_prefixed() {
    let line = one_line(|| {
        tracing::info!(
            status = "paid",
            timestamp = 7,
            logger.name = "mine",
            dd.trace_id = "fake",
            dd.service = "other",
            ddsource = "mine",
            ddtags = "a:b",
            host = "spoofed",
            error.message = "not an error",
            order.id = 3,
            "done"
        );
    });
    assert_eq!(line["status"], "info");
    assert_eq!(line["timestamp"], "2026-11-25T17:42:44.123Z");
    assert_eq!(line["logger.name"], module_path!());
    assert_eq!(line["dd.service"], "checkout");
    assert!(line.get("dd.trace_id").is_none());
    assert!(line.get("error.message").is_none());
    assert_eq!(line["fields.status"], "paid");
    assert_eq!(line["fields.timestamp"], 7);
    assert_eq!(line["fields.logger.name"], "mine");
    assert_eq!(line["fields.dd.trace_id"], "fake");
    assert_eq!(line["fields.dd.service"], "other");
    assert_eq!(
        (&line["ddsource"], &line["ddtags"], &line["host"]),
        (&json!("rust"), &json!("team:payments,tier:1"), &json!("node-7.eu"))
    );
    assert_eq!(
        (&line["fields.ddsource"], &line["fields.ddtags"], &line["fields.host"]),
        (&json!("mine"), &json!("a:b"), &json!("spoofed"))
    );
    assert_eq!(line["fields.error.message"], "not an error");
    assert_eq!(line["order.id"], 3);
}

#[test]
fn failed_writes_lose_their_line_only() {
    /// Fails the writes of the first event (with an error, or by writing nothing), then
    /// records.
    #[derive(Clone)]
    struct Flaky {
        failures: Arc<Mutex<usize>>,
        error: bool,
        capture: Capture,
    }
    impl io::Write for Flaky {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
            if *failures == 0 {
                return self.capture.write(buf);
            }
            *failures -= 1;
            if self.error { Err(io::Error::other("disk full")) } else { Ok(0) }
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    for error in [true, false] {
        let capture = Capture::default();
        let flaky = Flaky { failures: Arc::new(Mutex::new(1)), error, capture: capture.clone() };
        let layer = json_layer(&service(None, None)).with_writer(move || flaky.clone());
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            tracing::info!(n = 1, "lost");
            tracing::info!(n = 2, "kept");
        });
        // The failed line is dropped whole (no partial line, nothing carried into the next),
        // and the next event is written as one complete line.
        let lines = capture.lines();
        assert_eq!(lines.len(), 1, "error {error}: {}", capture.text());
        assert_eq!((&lines[0]["message"], &lines[0]["n"]), (&json!("kept"), &json!(2)), "error {error}");
    }
}

#[test]
fn busy_buffers_fall_back_to_fresh_ones() {
    // What a writer that logs, with a global subscriber, runs into: this thread's buffers are
    // in use. (Under a scoped subscriber, tracing drops such nested events itself.)
    let capture = Capture::default();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer(&capture)), || {
        tracing::info!("first");
        BUFFERS.with(|buffers| {
            let _busy = buffers.borrow_mut();
            tracing::info!(n = 2, "while busy");
        });
        tracing::info!("third");
    });
    let lines = capture.lines();
    let messages: Vec<_> = lines.iter().map(|line| line["message"].clone()).collect();
    assert_eq!(messages, [json!("first"), json!("while busy"), json!("third")]);
    assert_eq!(lines[1]["n"], 2);
}

// ---- Trace correlation ----

struct Traced {
    provider: SdkTracerProvider,
    exporter: InMemorySpanExporter,
    capture: Capture,
}

impl Traced {
    fn new() -> Self {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
        Self { provider, exporter, capture: Capture::default() }
    }

    /// Runs `f` under registry + tracing-opentelemetry (configured as `Guard::layer`: only
    /// spans at INFO or above are exported) + the JSON layer.
    fn run(&self, context_activation: bool, f: impl FnOnce()) {
        let otel = tracing_opentelemetry::layer()
            .with_tracer(self.provider.tracer("test"))
            .with_context_activation(context_activation)
            .with_filter(tracing_subscriber::filter::filter_fn(|meta| meta.is_span() && *meta.level() <= Level::INFO));
        let subscriber = tracing_subscriber::registry().with(otel).with(layer(&self.capture));
        tracing::subscriber::with_default(subscriber, f);
    }

    fn span(&self, name: &str) -> SpanData {
        let spans = self.exporter.get_finished_spans().unwrap();
        spans.into_iter().find(|span| span.name == name).unwrap_or_else(|| panic!("span {name} not exported"))
    }

    /// Lines by message.
    fn line(&self, message: &str) -> Value {
        let lines = self.capture.lines();
        lines.into_iter().find(|line| line["message"] == message).unwrap_or_else(|| panic!("no line {message}"))
    }
}

/// The ids of an exported span in Datadog's log formats, computed independently.
fn dd_ids(span: &SpanData) -> (String, String) {
    let trace_hex = format!("{:032x}", span.span_context.trace_id());
    let trace = if let Some(low) = trace_hex.strip_prefix("0000000000000000") {
        u64::from_str_radix(low, 16).unwrap().to_string()
    } else {
        trace_hex
    };
    let span_id = u64::from_str_radix(&span.span_context.span_id().to_string(), 16).unwrap().to_string();
    (trace, span_id)
}

fn ids_of(line: &Value) -> Option<(String, String)> {
    let get = |key: &str| line.get(key).map(|value| value.as_str().expect("ids are strings").to_owned());
    match (get("dd.trace_id"), get("dd.span_id")) {
        (Some(trace), Some(span)) => Some((trace, span)),
        (None, None) => None,
        other => panic!("one id without the other: {other:?}"),
    }
}

fn assert_correlation(context_activation: bool) {
    let traced = Traced::new();
    traced.run(context_activation, || {
        tracing::info!("before");
        let outer = tracing::info_span!("outer");
        outer.in_scope(|| {
            tracing::info!("in outer");
            tracing::info_span!("inner").in_scope(|| {
                tracing::warn!("in inner");
                // Not exported (DEBUG): its events belong to the nearest exported ancestor.
                tracing::debug_span!("hidden").in_scope(|| tracing::error!("in hidden"));
            });
            tracing::info!(parent: None, "explicit root");
        });
        tracing::info!(parent: &outer, "explicit parent");
        tracing::debug_span!("lonely").in_scope(|| tracing::info!("in lonely"));
        tracing::info!("after");
    });
    let outer = dd_ids(&traced.span("outer"));
    let inner = dd_ids(&traced.span("inner"));
    for (message, expected) in [
        ("before", None),
        ("in outer", Some(&outer)),
        ("in inner", Some(&inner)),
        ("in hidden", Some(&inner)),
        ("explicit root", None),
        ("explicit parent", Some(&outer)),
        ("in lonely", None),
        ("after", None),
    ] {
        assert_eq!(ids_of(&traced.line(message)).as_ref(), expected, "{message}");
    }
    // The SDK generates random 128-bit trace ids: 32 lowercase hex digits.
    assert_eq!(outer.0, inner.0);
    assert_eq!(outer.0.len(), 32);
    assert!(outer.0.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{}", outer.0);
    assert!(outer.1.parse::<u64>().is_ok());
}

#[test]
fn lines_carry_the_ids_of_their_exported_span() {
    assert_correlation(true);
}

#[test]
fn ids_are_found_without_context_activation() {
    assert_correlation(false);
}

#[test]
fn works_next_to_the_guard_layer() {
    let exporter = InMemorySpanExporter::default();
    let guard = crate::builder()
        .env_source(std::collections::BTreeMap::from(
            [("DD_SERVICE", "checkout"), ("DD_ENV", "test"), ("DD_VERSION", "1.4.2")]
                .map(|(k, v)| (k.to_owned(), v.to_owned())),
        ))
        .traces_exporter(crate::TracesExporter::None)
        .metrics_exporter(crate::MetricsExporter::None)
        .span_processor(opentelemetry_sdk::trace::SimpleSpanProcessor::new(exporter.clone()))
        .build()
        .unwrap();
    let capture = Capture::default();
    let writer = capture.clone();
    let json = json_layer(guard.service_info()).with_writer(move || writer.clone());
    let subscriber = tracing_subscriber::registry().with(guard.layer()).with(json);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("request").in_scope(|| tracing::info!("handled"));
    });
    assert!(guard.flush());
    let spans = exporter.get_finished_spans().unwrap();
    let line = &capture.lines()[0];
    assert_eq!(
        (&line["dd.service"], &line["dd.env"], &line["dd.version"]),
        (&json!("checkout"), &json!("test"), &json!("1.4.2"))
    );
    assert_eq!(ids_of(line), Some(dd_ids(&spans[0])));
}

#[test]
fn a_level_filter_on_the_layer_hides_no_ids() {
    // As `init` would with RUST_LOG=warn: the JSON layer sees no INFO span at all, yet finds
    // the ids of the exported INFO spans, on both paths.
    let traced = Traced::new();
    let otel = tracing_opentelemetry::layer().with_tracer(traced.provider.tracer("test"));
    let json = layer(&traced.capture).with_filter(tracing_subscriber::EnvFilter::new("warn"));
    tracing::subscriber::with_default(tracing_subscriber::registry().with(otel).with(json), || {
        let span = tracing::info_span!("request");
        span.in_scope(|| tracing::warn!("inside"));
        tracing::warn!(parent: &span, "explicit parent");
    });
    let ids = Some(dd_ids(&traced.span("request")));
    assert_eq!(ids_of(&traced.line("inside")), ids);
    assert_eq!(ids_of(&traced.line("explicit parent")), ids);
}

#[test]
fn exported_ancestor_entered_elsewhere() {
    // The parent is never entered on the logging thread, so its context is not attached:
    // the ids come from the registry walk.
    let traced = Traced::new();
    traced.run(true, || {
        let parent = tracing::info_span!("parent");
        tracing::debug_span!(parent: &parent, "child").in_scope(|| tracing::info!("in child"));
    });
    assert_eq!(ids_of(&traced.line("in child")), Some(dd_ids(&traced.span("parent"))));
}

#[test]
fn trace_ids_of_64_bits_are_decimal() {
    let traced = Traced::new();
    let remote = SpanContext::new(
        TraceId::from(0x0000_0000_0000_0000_1234_5678_9abc_def0_u128),
        SpanId::from(7_u64),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    traced.run(true, || {
        let span = tracing::info_span!("continued");
        let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(remote.clone()));
        span.in_scope(|| tracing::info!("continued"));
        // A remote context merely attached names no span of this process.
        let _attached = opentelemetry::Context::new().with_remote_span_context(remote).attach();
        tracing::info!("attached");
    });
    let (trace, span) = ids_of(&traced.line("continued")).unwrap();
    assert_eq!(trace, 0x1234_5678_9abc_def0_u64.to_string());
    assert_eq!((trace, span), dd_ids(&traced.span("continued")));
    assert_eq!(ids_of(&traced.line("attached")), None);
}

#[test]
fn async_tasks_keep_their_span_across_threads() {
    use tracing::Instrument as _;
    use tracing::instrument::WithSubscriber as _;
    let traced = Traced::new();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    traced.run(true, || {
        let dispatch = tracing::dispatcher::get_default(Clone::clone);
        runtime.block_on(async move {
            let tasks: Vec<_> = (0_i64..4)
                .map(|i| {
                    let span = tracing::info_span!("task", i);
                    let name = format!("task {i}");
                    tokio::spawn(
                        async move {
                            tokio::task::yield_now().await;
                            tracing::info!(task = i, "{name}");
                        }
                        .instrument(span)
                        .with_subscriber(dispatch.clone()),
                    )
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
    });
    let spans = traced.exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 4);
    for line in traced.capture.lines() {
        let i = line["task"].as_i64().unwrap();
        let span = spans
            .iter()
            .find(|span| span.attributes.iter().any(|kv| kv.key.as_str() == "i" && kv.value == i.into()))
            .unwrap();
        assert_eq!(ids_of(&line), Some(dd_ids(span)), "task {i}");
    }
}
