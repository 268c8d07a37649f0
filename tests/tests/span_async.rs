//! `#[dd_span]` on `async fn`, async methods and `#[async_trait]` methods.

use std::time::Duration;

use async_trait::async_trait;
use dd_instrument::dd_span;
use dd_instrument_tests::spans::{assert_parent, attributes, capture_async, error_status, kind, named};

#[dd_span(kind = "server")]
async fn serve(id: u32) -> Result<u32, std::io::Error> {
    tokio::time::sleep(Duration::from_millis(5)).await;
    let total = fetch(id).await? + fetch(id + 1).await?;
    Ok(total)
}

#[dd_span(kind = "client", peer = "inventory")]
async fn fetch(id: u32) -> Result<u32, std::io::Error> {
    tokio::task::yield_now().await;
    if id == 0 {
        return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "no item 0"));
    }
    Ok(id * 10)
}

#[test]
fn async_spans_cover_the_future_and_nest() {
    let (result, spans) = capture_async(serve(4));
    assert_eq!(result.unwrap(), 90);
    assert_eq!(spans.len(), 3);
    let server = spans.last().unwrap();
    assert_eq!(server.name, "span_async.serve");
    let duration = server.end_time.duration_since(server.start_time).unwrap();
    assert!(duration >= Duration::from_millis(5), "the span covers the awaited body: {duration:?}");
    for client in &spans[..2] {
        assert_eq!(kind(client), "client");
        assert_parent(client, server);
    }
}

#[test]
fn async_errors_mark_the_span() {
    let (result, spans) = capture_async(serve(0));
    assert!(result.is_err());
    let fetch = named(&spans, "span_async.fetch");
    assert_eq!(error_status(fetch), Some("no item 0"));
    assert_eq!(attributes(fetch)["error.type"], "std::io::error::Error");
    assert_eq!(error_status(named(&spans, "span_async.serve")), Some("no item 0"));
}

struct Repo {
    rows: Vec<u32>,
}

impl Repo {
    #[dd_span(span_type = "sql")]
    async fn count(&self) -> usize {
        tokio::task::yield_now().await;
        self.rows.len()
    }

    #[dd_span]
    async fn insert(&mut self, row: u32) {
        self.rows.push(row);
    }
}

#[async_trait]
trait Cache {
    async fn get(&self, key: &str) -> Option<String>;
    async fn fail(&self) -> Result<(), String>;
}

struct Redis;

#[async_trait]
impl Cache for Redis {
    #[dd_span(kind = "client", peer = "redis", span_type = "redis")]
    async fn get(&self, key: &str) -> Option<String> {
        tokio::task::yield_now().await;
        Some(key.to_uppercase())
    }

    #[dd_span]
    async fn fail(&self) -> Result<(), String> {
        Err("cache down".to_owned())
    }
}

#[test]
fn async_methods_and_async_trait_methods() {
    let ((count, value, failed), spans) = capture_async(async {
        let mut repo = Repo { rows: vec![1] };
        repo.insert(2).await;
        let cache: &dyn Cache = &Redis;
        (repo.count().await, cache.get("k").await, cache.fail().await)
    });
    assert_eq!((count, value.as_deref(), failed), (2, Some("K"), Err("cache down".to_owned())));
    let resources: Vec<String> = spans.iter().map(|s| attributes(s)["resource.name"].clone()).collect();
    assert_eq!(resources, ["Repo::insert", "Repo::count", "Redis::get", "Redis::fail"]);
    let get = named(&spans, "span_async.get");
    assert_eq!((kind(get), attributes(get)["peer.service"].as_str()), ("client", "redis"));
    let fail = named(&spans, "span_async.fail");
    assert_eq!(error_status(fail), Some("cache down"));
    assert_eq!(attributes(fail)["error.type"], "alloc::string::String");
}

#[dd_span]
async fn explode(when: bool) -> u8 {
    tokio::task::yield_now().await;
    assert!(!when, "async boom");
    1
}

#[test]
fn async_panics_are_recorded_and_keep_unwinding() {
    let (outcome, spans) = capture_async(async { tokio::spawn(explode(true)).await });
    let panic = outcome.expect_err("the panic reaches the join handle");
    assert!(panic.is_panic());
    let span = named(&spans, "span_async.explode");
    assert_eq!(error_status(span), Some("async boom"));
    assert_eq!(attributes(span)["error.type"], "panic");
    assert_eq!(attributes(span)["error.message"], "async boom");
}
