//! `dd_instrument::testing` as a user's tests use it: captures are exact, see only their own
//! thread, work with and without a metrics exporter, and never leak into one.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use dd_instrument::testing::{CapturedSpan, capture, capture_async, capture_with};
use dd_instrument::{Guard, MetricsExporter, TracesExporter, dd_slo, dd_span, dd_timed};

/// One metrics exporter at a time in this binary.
static ONE_PIPELINE: Mutex<()> = Mutex::new(());

#[derive(Debug)]
struct Declined;

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("card declined")
    }
}

impl std::error::Error for Declined {}

#[dd_span(kind = "server", span_type = "web", resource = "POST /checkout")]
fn checkout(fail: bool) -> Result<(), Declined> {
    pay(fail)
}

#[dd_span(kind = "client", peer = "payments", resource = "POST /charge")]
#[dd_slo(name = "capture-pay", target = 99.9)]
fn pay(fail: bool) -> Result<(), Declined> {
    if fail { Err(Declined) } else { Ok(()) }
}

#[test]
fn spans_read_the_way_datadog_reads_them() {
    let (result, captured) = capture(|| checkout(true));
    assert!(result.is_err());
    let server = captured.span("testing_capture.checkout");
    let client = captured.span("testing_capture.pay");
    assert_eq!((server.resource(), server.kind(), server.span_type()), ("POST /checkout", "server", Some("web")));
    assert_eq!((client.resource(), client.kind(), client.peer_service()), ("POST /charge", "client", Some("payments")));
    assert_eq!(captured.parent(client).map(CapturedSpan::span_id), Some(server.span_id()));
    assert_eq!(captured.parent(server).map(CapturedSpan::span_id), None);
    assert_eq!(server.parent_span_id(), None);
    assert!(client.is_error());
    assert_eq!(client.error_type(), Some("testing_capture::Declined"));
    assert_eq!(client.error_message(), Some("card declined"));
    assert_eq!(client.error_stack(), Some("testing_capture::Declined: card declined"));
    assert_eq!(
        captured.spans().iter().map(CapturedSpan::operation).collect::<Vec<_>>(),
        ["testing_capture.pay", "testing_capture.checkout"]
    );
}

#[test]
fn the_builder_configures_the_capture() {
    let builder = dd_instrument::builder()
        .env_source(BTreeMap::new())
        .service("shop")
        .sampling_rule(dd_instrument::SamplingRule::new(0.0).resource("POST /charge"));
    let ((), captured) = capture_with(builder, || {
        let _ = pay(false);
        let _ = checkout(false);
    });
    // The rule drops the trace whose root is `pay`; the one under `checkout` follows its root.
    assert_eq!(captured.spans().len(), 2);
    assert_eq!(captured.spans()[1].operation(), "testing_capture.checkout");
    assert_eq!(captured.count("slo.requests.total", &["slo:capture-pay"]), 2, "metrics are never sampled");
}

#[dd_timed(name = "capture.parallel.latency")]
#[dd_slo(name = "capture-parallel", target = 99.0)]
fn parallel() {}

#[test]
fn captures_on_other_threads_see_only_their_own_calls() {
    let counts: Vec<u64> = std::thread::scope(|s| {
        let threads: Vec<_> = (1..=4_u64)
            .map(|n| {
                s.spawn(move || {
                    let ((), captured) = capture(|| (0..n * 100).for_each(|_| parallel()));
                    captured.count("slo.requests.total", &["slo:capture-parallel"])
                })
            })
            .collect();
        // Calls outside any capture, at the same time, count nowhere: no exporter runs.
        (0..1000).for_each(|_| parallel());
        threads.into_iter().map(|thread| thread.join().unwrap()).collect()
    });
    assert_eq!(counts, [100, 200, 300, 400]);
}

#[dd_timed(name = "capture.cancel.latency")]
async fn waits() {
    std::future::pending::<()>().await;
}

#[test]
fn a_call_counts_in_the_capture_it_started_in() {
    let ((), outer) = capture(|| {
        let mut future = Box::pin(waits());
        assert_eq!(future.as_mut().poll(&mut Context::from_waker(Waker::noop())), Poll::Pending);
        // Dropped inside another capture: the call still belongs to the one it started in.
        let ((), inner) = capture(move || drop(future));
        assert!(inner.metrics().is_empty(), "{:?}", inner.metrics());
    });
    let point = outer.metric("capture.cancel.latency", &["outcome:cancelled"]).expect("the cancelled call");
    assert_eq!(point.values_ms().map(<[f64]>::len), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn futures_are_captured_wherever_they_are_polled() {
    let ((), captured) = capture_async(async {
        for _ in 0..3 {
            tokio::task::yield_now().await;
            let _ = pay(false);
        }
    })
    .await;
    assert_eq!(captured.count("slo.requests.success", &["slo:capture-pay"]), 3);
    assert_eq!(captured.spans().len(), 3);
}

/// Console output of a metrics exporter, shared with the test.
#[derive(Clone, Default)]
struct Output(Arc<Mutex<Vec<u8>>>);

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Output {
    /// The lines printed for the counter `slo.requests.total` of `slo`.
    fn totals(&self, slo: &str) -> Vec<String> {
        let text = String::from_utf8(self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()).unwrap();
        text.lines()
            .filter(|line| line.contains(&format!("slo.requests.total{{slo:{slo}}}")))
            .map(str::to_owned)
            .collect()
    }
}

fn console_pipeline(out: &Output) -> Guard {
    dd_instrument::builder()
        .env_source(BTreeMap::new())
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::Console)
        .console_output(out.clone())
        .flush_interval(Duration::from_hours(1))
        .build()
        .expect("a metrics pipeline")
}

#[dd_slo(name = "capture-exporter", target = 99.0)]
fn exported() {}

#[test]
fn captured_calls_never_reach_a_running_exporter() {
    let _turn = ONE_PIPELINE.lock().unwrap_or_else(PoisonError::into_inner);
    let out = Output::default();
    let guard = console_pipeline(&out);
    exported();
    let ((), captured) = capture(|| {
        exported();
        exported();
    });
    assert!(guard.flush());
    assert_eq!(captured.count("slo.requests.total", &["slo:capture-exporter"]), 2);
    assert_eq!(out.totals("capture-exporter"), ["  slo.requests.total{slo:capture-exporter} count 1"]);
}

#[dd_slo(name = "capture-later", target = 99.0)]
fn later() {}

#[test]
fn calls_captured_before_an_exporter_starts_do_not_reach_it() {
    let _turn = ONE_PIPELINE.lock().unwrap_or_else(PoisonError::into_inner);
    let ((), captured) = capture(|| (0..5).for_each(|_| later()));
    assert_eq!(captured.count("slo.requests.total", &["slo:capture-later"]), 5);
    let out = Output::default();
    let guard = console_pipeline(&out);
    later();
    assert!(guard.flush());
    assert_eq!(out.totals("capture-later"), ["  slo.requests.total{slo:capture-later} count 1"]);
}
