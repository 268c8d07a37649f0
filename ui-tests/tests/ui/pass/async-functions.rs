//! `async fn` (free, methods, generic, with `?`), `#[async_trait]` methods, and functions that
//! return an `async` block or a boxed future. Instrumented futures stay `Send`.
#![deny(warnings)]

use std::future::Future;
use std::num::ParseIntError;
use std::pin::Pin;

use async_trait::async_trait;
use dd_instrument::{dd_slo, dd_span, dd_timed};

#[dd_span]
async fn fetch(id: u64) -> u64 {
    tokio::task::yield_now().await;
    id * 2
}

#[dd_span]
#[dd_timed]
async fn parse(text: &str) -> Result<u32, ParseIntError> {
    tokio::task::yield_now().await;
    let number: u32 = text.parse()?;
    Ok(number)
}

#[dd_slo(name = "generic-load", target = 99.9, latency_ms = 100)]
async fn load<T, F>(make: F) -> T
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    tokio::task::yield_now().await;
    make()
}

#[dd_span]
async fn borrow<'a>(items: &'a [u32], extra: &'a u32) -> Vec<&'a u32> {
    items.iter().chain(std::iter::once(extra)).collect()
}

#[dd_span]
async fn nothing() {}

#[dd_timed]
fn later(id: u64) -> impl Future<Output = u64> {
    let doubled = id * 2;
    async move { doubled + 1 }
}

#[dd_span]
fn boxed(id: u64) -> Pin<Box<dyn Future<Output = Result<u64, String>> + Send>> {
    Box::pin(async move { if id == 0 { Err("zero".to_owned()) } else { Ok(id) } })
}

struct Account {
    balance: u64,
}

impl Account {
    #[dd_span]
    async fn balance(&self) -> u64 {
        self.balance
    }

    #[dd_span]
    #[dd_slo(name = "deposit", target = 99)]
    async fn deposit(&mut self, amount: u64) -> Result<u64, String> {
        if amount == 0 {
            return Err("nothing to deposit".to_owned());
        }
        self.balance += amount;
        Ok(self.balance)
    }

    #[dd_span]
    async fn close(self) -> u64 {
        self.balance
    }
}

#[async_trait]
trait Cache {
    async fn get(&self, key: &str) -> Option<String>;
    async fn put(&mut self, key: &str, value: String) -> Result<(), String>;
    async fn len(&self) -> usize;
}

struct Memory {
    entries: Vec<(String, String)>,
}

#[async_trait]
impl Cache for Memory {
    #[dd_span(kind = "client", peer = "memory", tags(key = key))]
    async fn get(&self, key: &str) -> Option<String> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    #[dd_timed(tags(key = key))]
    #[dd_span]
    #[dd_slo(name = "cache-put", target = 99.99, latency_ms = 5)]
    async fn put(&mut self, key: &str, value: String) -> Result<(), String> {
        tokio::task::yield_now().await;
        self.entries.push((key.to_owned(), value));
        Ok(())
    }

    #[dd_span]
    async fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Native `async fn` in traits: a default method and an implementation.
trait Repo {
    async fn count(&self) -> usize;

    #[dd_span]
    async fn is_empty(&self) -> bool {
        self.count().await == 0
    }
}

struct Rows(Vec<u32>);

impl Repo for Rows {
    #[dd_span(span_type = "sql")]
    #[dd_timed]
    async fn count(&self) -> usize {
        self.0.len()
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(tokio::spawn(fetch(21)).await.ok(), Some(42));
    assert_eq!(assert_send(parse("7")).await, Ok(7));
    assert_eq!(load(|| 5).await, 5);
    assert_eq!(borrow(&[1], &2).await, [&1, &2]);
    nothing().await;
    assert_eq!(later(1).await, 3);
    assert_eq!(tokio::spawn(boxed(1)).await.ok(), Some(Ok(1)));
    assert!(boxed(0).await.is_err());
    let mut account = Account { balance: 1 };
    assert_eq!(account.balance().await, 1);
    assert_eq!(account.deposit(2).await, Ok(3));
    assert!(account.deposit(0).await.is_err());
    assert_eq!(account.close().await, 3);
    let mut memory = Memory { entries: Vec::new() };
    assert_eq!(assert_send(memory.put("k", "v".to_owned())).await, Ok(()));
    assert_eq!(memory.get("k").await.as_deref(), Some("v"));
    assert_eq!(memory.len().await, 1);
    assert!(!Rows(vec![1]).is_empty().await);
}
