//! Every shape of free function: sync, generic, with lifetimes, `impl Trait`, `?`, `unsafe`,
//! patterns, early returns, inner attributes and items, `!`.
#![deny(warnings)]

use std::error::Error;
use std::fmt::{Debug, Display};
use std::num::ParseIntError;

use dd_instrument::dd_span;

#[dd_span]
fn plain(secret: u32) -> u32 {
    secret + 1
}

#[dd_span]
fn unit(_: u32) {}

#[dd_span]
fn parse(text: &str) -> Result<u32, ParseIntError> {
    let number: u32 = text.trim().parse()?;
    Ok(number * 2)
}

#[dd_span]
fn parse_boxed(text: &str) -> Result<u32, Box<dyn Error + Send + Sync>> {
    if text.is_empty() {
        return Err("empty".into());
    }
    Ok(text.parse::<u32>()?)
}

#[dd_span]
fn first_char(text: &str) -> Option<char> {
    let first = text.chars().next()?;
    Some(first.to_ascii_uppercase())
}

#[dd_span]
fn largest<T>(items: &[T]) -> T
where
    T: PartialOrd + Copy + Debug,
{
    let mut best = items[0];
    for &item in items {
        if item > best {
            best = item;
        }
    }
    best
}

#[dd_span]
fn describe<T: Display, const N: usize>(items: [T; N]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

#[dd_span]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

#[dd_span]
fn elided(text: &str) -> &str {
    text.trim()
}

#[dd_span]
fn sum_all(items: impl IntoIterator<Item = u32>) -> u32 {
    items.into_iter().sum()
}

#[dd_span]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[dd_span]
fn checked(n: u32) -> Result<impl Display, String> {
    if n == 0 { Err("zero".to_owned()) } else { Ok(n) }
}

#[dd_span]
fn boxed_closure(offset: u32) -> Box<dyn Fn(u32) -> u32> {
    Box::new(move |n| n + offset)
}

#[dd_span]
fn swap((a, b): (u8, u8), [c, ..]: [u8; 2]) -> (u8, u8, u8) {
    (b, a, c)
}

/// # Safety
/// `ptr` must be valid for reads.
#[dd_span]
unsafe fn read(ptr: *const u8) -> u8 {
    // SAFETY: the caller guarantees `ptr` is valid.
    unsafe { *ptr }
}

#[dd_span]
fn early_return(n: i32) -> &'static str {
    if n < 0 {
        return "negative";
    }
    "non-negative"
}

#[dd_span]
fn with_inner_items(n: u32) -> u32 {
    #![allow(clippy::items_after_statements)]
    const OFFSET: u32 = 10;
    fn helper(n: u32) -> u32 {
        n * 2
    }
    helper(n) + OFFSET
}

#[dd_span]
fn never(message: &str) -> ! {
    panic!("{message}")
}

#[dd_span]
pub(crate) fn visible(n: u32) -> u32 {
    n
}

#[dd_span]
fn r#type() -> &'static str {
    "keyword"
}

#[dd_span]
extern "C" fn callback(n: u32) -> u32 {
    n + 1
}

fn main() {
    assert_eq!(plain(1), 2);
    unit(0);
    assert_eq!(parse(" 21 "), Ok(42));
    assert!(parse("x").is_err());
    assert!(parse_boxed("").is_err());
    assert_eq!(parse_boxed("7").ok(), Some(7));
    assert_eq!(first_char("abc"), Some('A'));
    assert_eq!(largest(&[3, 9, 2]), 9);
    assert_eq!(describe([1, 2]), "1,2");
    assert_eq!(longest("ab", "abc"), "abc");
    assert_eq!(elided(" x "), "x");
    assert_eq!(sum_all(vec![1, 2, 3]), 6);
    assert_eq!(evens(5).collect::<Vec<_>>(), [0, 2, 4]);
    assert_eq!(checked(3).map(|n| n.to_string()), Ok("3".to_owned()));
    assert_eq!(boxed_closure(1)(1), 2);
    assert_eq!(swap((1, 2), [3, 4]), (2, 1, 3));
    let byte = 9u8;
    // SAFETY: points at a live local.
    assert_eq!(unsafe { read(&raw const byte) }, 9);
    assert_eq!(early_return(-1), "negative");
    assert_eq!(with_inner_items(1), 12);
    assert_eq!(visible(3), 3);
    assert_eq!(r#type(), "keyword");
    assert_eq!(callback(1), 2);
    if byte == 0 {
        never("unreachable");
    }
}
