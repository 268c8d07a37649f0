//! A lock-free latency histogram with bounded memory and 0.4 % worst-case error.
//!
//! Durations are counted in nanoseconds into log-linear buckets: every power of two is split into
//! 128 equal buckets, so a bucket is at most 1/128 of its lower bound wide and its midpoint is
//! within 0.4 % of any value in it. Datadog's own distribution sketch keeps values to about 0.8 %,
//! so the midpoint loses nothing Datadog would have kept, while the per-call cost is one relaxed
//! `fetch_add` and memory stays bounded whatever the call rate.
//!
//! Buckets of one power of two live in a block of 128 counters, allocated the first time a value
//! lands in that range and never freed: a function's latency spans a few powers of two, so a
//! histogram holds a few blocks of 1 KiB, plus a table of 39 block pointers. An unused histogram
//! is one null pointer.
//!
//! Both levels are `once_cell`'s `OnceBox`: an atomic pointer, read with one acquire load, set
//! once by compare-and-swap (a thread that loses the race frees its allocation). That is exactly
//! what this histogram did by hand before, without `unsafe` here. `std`'s `OnceLock` was measured
//! too: it reads a state word before the value, two more instructions per level on every call,
//! and takes twice the memory per slot.

// Bucket indices are bounded by the constants below (at most 39 blocks of 128), so the casts
// between index types cannot truncate; bucket bounds become `f64` milliseconds, far below 2^52 ns.
#![allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]

use std::sync::atomic::{AtomicU64, Ordering};

use once_cell::race::OnceBox;

/// Sub-buckets per power of two, as a power of two.
const SUB_BITS: u32 = 7;
const SUB_COUNT: usize = 1 << SUB_BITS;
/// Values below this are counted exactly, one bucket per nanosecond.
const LINEAR_LIMIT: u64 = SUB_COUNT as u64;
/// Largest power of two kept apart: 2^44 ns is about 4.9 hours; longer calls share the last block.
const MAX_EXPONENT: u32 = 44;
/// Blocks: one for the exact range below [`LINEAR_LIMIT`], one per power of two above it.
const BLOCKS: usize = (MAX_EXPONENT - SUB_BITS + 2) as usize;

type Block = [AtomicU64; SUB_COUNT];
type Table = [OnceBox<Block>; BLOCKS];

/// Counts of durations by bucket: one pointer until the first value, then a table of block
/// pointers, then the blocks values have landed in.
#[derive(Debug)]
pub(crate) struct Histogram {
    table: OnceBox<Table>,
}

impl Histogram {
    pub(crate) const fn new() -> Self {
        Self { table: OnceBox::new() }
    }

    /// Counts one duration of `nanos` nanoseconds.
    #[inline]
    pub(crate) fn record(&self, nanos: u64) {
        let (block, sub) = bucket_of(nanos);
        let table = match self.table.get() {
            Some(table) => table,
            None => self.allocate_table(),
        };
        let block = match table[block].get() {
            Some(block) => block,
            None => allocate_block(&table[block]),
        };
        block[sub].fetch_add(1, Ordering::Relaxed);
    }

    #[cold]
    fn allocate_table(&self) -> &Table {
        self.table.get_or_init(|| Box::new([const { OnceBox::new() }; BLOCKS]))
    }

    /// Takes every count recorded since the last drain, calling `f(bucket, count)` for non-empty
    /// buckets in increasing order of duration.
    pub(crate) fn drain(&self, mut f: impl FnMut(Bucket, u64)) {
        let Some(table) = self.table.get() else { return };
        for (index, slot) in table.iter().enumerate() {
            let Some(block) = slot.get() else { continue };
            for (sub, counter) in block.iter().enumerate() {
                if counter.load(Ordering::Relaxed) != 0 {
                    let count = counter.swap(0, Ordering::Relaxed);
                    if count != 0 {
                        f(Bucket { block: index as u32, sub: sub as u32 }, count);
                    }
                }
            }
        }
    }
}

#[cold]
fn allocate_block(slot: &OnceBox<Block>) -> &Block {
    slot.get_or_init(|| Box::new([const { AtomicU64::new(0) }; SUB_COUNT]))
}

/// Block and sub-bucket of a duration.
#[inline]
fn bucket_of(nanos: u64) -> (usize, usize) {
    if nanos < LINEAR_LIMIT {
        return (0, nanos as usize);
    }
    let exponent = nanos.ilog2().min(MAX_EXPONENT);
    let nanos = nanos.min((2 << MAX_EXPONENT) - 1);
    let sub = (nanos >> (exponent - SUB_BITS)) as usize & (SUB_COUNT - 1);
    ((exponent - SUB_BITS + 1) as usize, sub)
}

/// One bucket of a [`Histogram`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Bucket {
    block: u32,
    sub: u32,
}

impl Bucket {
    /// Smallest duration in the bucket, in nanoseconds.
    pub(crate) fn lower_nanos(self) -> u64 {
        if self.block == 0 {
            return u64::from(self.sub);
        }
        let exponent = self.block + SUB_BITS - 1;
        (1 << exponent) + (u64::from(self.sub) << (exponent - SUB_BITS))
    }

    /// Width of the bucket in nanoseconds.
    pub(crate) fn width_nanos(self) -> u64 {
        if self.block == 0 { 1 } else { 1 << (self.block - 1) }
    }

    /// Value that represents the bucket, in milliseconds: the exact value in the linear range,
    /// the midpoint above it, rounded to 4 significant digits (the bucket is wider than that).
    pub(crate) fn representative_ms(self) -> f64 {
        let nanos = if self.block == 0 {
            self.lower_nanos() as f64
        } else {
            self.lower_nanos() as f64 + self.width_nanos() as f64 / 2.0
        };
        round_significant(nanos / 1e6, 4)
    }
}

/// Rounds `value` (positive) to `digits` significant decimal digits.
fn round_significant(value: f64, digits: i32) -> f64 {
    if value <= 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(digits - 1 - value.log10().floor() as i32);
    (value * scale).round() / scale
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    fn drained(h: &Histogram) -> Vec<(u64, u64, u64)> {
        let mut out = Vec::new();
        h.drain(|b, n| out.push((b.lower_nanos(), b.width_nanos(), n)));
        out
    }

    #[test]
    fn small_values_are_exact() {
        let h = Histogram::new();
        h.record(0);
        h.record(5);
        h.record(5);
        h.record(127);
        assert_eq!(drained(&h), [(0, 1, 1), (5, 1, 2), (127, 1, 1)]);
        assert!(drained(&h).is_empty(), "drain resets the counts");
    }

    #[test]
    fn every_value_lies_in_its_bucket_and_buckets_are_narrow() {
        for nanos in [128, 129, 255, 256, 1_000, 12_345_678, 999_999_999, 1 << 40, (1 << 45) - 1] {
            let (block, sub) = bucket_of(nanos);
            let bucket = Bucket { block: block as u32, sub: sub as u32 };
            let lower = bucket.lower_nanos();
            assert!(lower <= nanos && nanos < lower + bucket.width_nanos(), "{nanos} outside {bucket:?}");
            assert!(bucket.width_nanos() as f64 / lower as f64 <= 1.0 / 128.0);
        }
    }

    #[test]
    fn huge_values_share_the_last_block() {
        let h = Histogram::new();
        h.record(u64::MAX);
        h.record(1 << 50);
        let buckets = drained(&h);
        assert_eq!(buckets.len(), 1);
        assert_eq!(buckets[0].2, 2);
    }

    #[test]
    fn representatives_are_midpoints_in_milliseconds() {
        let (block, sub) = bucket_of(12_345_678);
        let ms = Bucket { block: block as u32, sub: sub as u32 }.representative_ms();
        assert!((ms - 12.345_678).abs() / 12.345_678 < 0.004, "{ms}");
        assert_eq!(Bucket { block: 0, sub: 42 }.representative_ms(), 0.000_042);
    }

    #[test]
    fn concurrent_records_are_all_counted() {
        let h = Histogram::new();
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let h = &h;
                s.spawn(move || {
                    for i in 0..10_000u64 {
                        h.record(1_000 + (i * 7 + t) % 50_000);
                    }
                });
            }
        });
        let total: u64 = drained(&h).iter().map(|b| b.2).sum();
        assert_eq!(total, 40_000);
    }
}
