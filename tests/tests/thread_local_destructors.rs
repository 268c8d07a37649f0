//! `#[dd_span]` functions called from a thread-local destructor, under the subscriber stack the
//! README shows for a custom setup (the telemetry layer and an unfiltered `fmt` layer): the
//! registry's own thread-locals may already be gone, and a panic there would abort the process.
//! The call runs and counts; it has no span.

use std::collections::BTreeMap;

use dd_instrument::{MetricsExporter, TracesExporter, dd_span, dd_timed};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};
use tracing_subscriber::prelude::*;

#[dd_span(tags(who = who))]
#[dd_timed]
fn traced(who: &str) -> usize {
    who.len()
}

/// Calls `traced` when the thread's locals are destroyed.
struct CallsOnDrop;

impl Drop for CallsOnDrop {
    fn drop(&mut self) {
        let length = traced("destructor");
        // A wrong value would panic here, which aborts the test binary: the test fails.
        assert_eq!(length, 10);
    }
}

thread_local! {
    static CALLS_ON_DROP: CallsOnDrop = const { CallsOnDrop };
}

#[test]
fn spans_from_thread_local_destructors_are_skipped_not_fatal() {
    let spans = InMemorySpanExporter::default();
    let guard = dd_instrument::builder()
        .env_source(BTreeMap::new())
        .service("shop")
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::None)
        .span_processor(SimpleSpanProcessor::new(spans.clone()))
        .build()
        .expect("telemetry builds");
    let subscriber = tracing_subscriber::registry()
        .with(guard.layer())
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::sink));
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this binary");
    std::thread::spawn(|| {
        // Registered before the subscriber's thread-locals (made by the first span, below), so
        // destroyed after them: thread-local destructors run in reverse order of registration.
        CALLS_ON_DROP.with(|_| ());
        assert_eq!(traced("warm"), 4);
    })
    .join()
    .expect("the thread ends without a panic");
    assert!(guard.flush());
    let finished = spans.get_finished_spans().expect("spans");
    let who: Vec<String> = finished
        .iter()
        .flat_map(|span| span.attributes.iter().filter(|kv| kv.key.as_str() == "who").map(|kv| kv.value.to_string()))
        .collect();
    assert_eq!(who, ["warm"], "the destructor's call has no span");
}
