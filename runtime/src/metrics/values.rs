//! A lock-free histogram of `f64` values (the application's own distributions), with bounded
//! memory and at most 0.8 % error, in the shape of the latency histogram of
//! [`per_call::histogram`](crate::per_call::histogram).
//!
//! A value's bucket comes straight from its bits: the sign, the binary exponent and the top 7
//! bits of the mantissa, so every power of two is split into 128 buckets, each at most 1/128 of
//! its lower bound wide. Exponents from 2^-40 to 2^63 are kept apart (1e-12 to 9e18);
//! magnitudes below count as 0, above as the largest bucket. One block of 128 counters per
//! power of two and sign, allocated the first time a value lands in it; a table of block
//! pointers per histogram, allocated at its first value.

// Block and sub-bucket indices are bounded by the constants below.
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_possible_wrap)]

use std::sync::atomic::{AtomicU64, Ordering};

use once_cell::race::OnceBox;

const SUB_BITS: u32 = 7;
const SUB_COUNT: usize = 1 << SUB_BITS;
/// Smallest binary exponent kept apart; smaller magnitudes count as zero.
const MIN_EXPONENT: i32 = -40;
/// Largest binary exponent; larger magnitudes share its last bucket.
const MAX_EXPONENT: i32 = 63;
/// Blocks per sign.
const EXPONENTS: usize = (MAX_EXPONENT - MIN_EXPONENT + 1) as usize;

type Block = [AtomicU64; SUB_COUNT];
type Table = [OnceBox<Block>; 2 * EXPONENTS];

/// Counts of `f64` values by bucket.
#[derive(Debug)]
pub(crate) struct ValueHistogram {
    zeros: AtomicU64,
    table: OnceBox<Table>,
}

impl ValueHistogram {
    pub(crate) const fn new() -> Self {
        Self { zeros: AtomicU64::new(0), table: OnceBox::new() }
    }

    /// Counts `value`, which must be finite.
    #[inline]
    pub(crate) fn record(&self, value: f64) {
        let Some(bucket) = ValueBucket::of(value) else {
            self.zeros.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let table = match self.table.get() {
            Some(table) => table,
            None => self.allocate_table(),
        };
        let slot = &table[bucket.block as usize];
        let block = match slot.get() {
            Some(block) => block,
            None => allocate_block(slot),
        };
        block[bucket.sub as usize].fetch_add(1, Ordering::Relaxed);
    }

    #[cold]
    fn allocate_table(&self) -> &Table {
        self.table.get_or_init(|| Box::new([const { OnceBox::new() }; 2 * EXPONENTS]))
    }

    /// Takes every count since the last drain, calling `f(bucket, count)` for non-empty buckets
    /// (not in value order: see [`sort`]).
    pub(crate) fn drain(&self, mut f: impl FnMut(ValueBucket, u64)) {
        let zeros = self.zeros.swap(0, Ordering::Relaxed);
        if zeros != 0 {
            f(ValueBucket::ZERO, zeros);
        }
        let Some(table) = self.table.get() else { return };
        for (block, slot) in table.iter().enumerate() {
            let Some(counters) = slot.get() else { continue };
            for (sub, counter) in counters.iter().enumerate() {
                if counter.load(Ordering::Relaxed) != 0 {
                    let count = counter.swap(0, Ordering::Relaxed);
                    if count != 0 {
                        f(ValueBucket { block: block as u16, sub: sub as u8 }, count);
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

/// Sorts buckets by value and adds up the counts of equal buckets.
pub(crate) fn sort(buckets: &mut Vec<(ValueBucket, u64)>) {
    buckets.sort_by(|(a, _), (b, _)| a.lower().total_cmp(&b.lower()));
    buckets.dedup_by(|(later, n), (earlier, total)| {
        let same = later == earlier;
        if same {
            *total += *n;
        }
        same
    });
}

/// One bucket of a [`ValueHistogram`]: zero, or a sign, a power of two and one 128th of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ValueBucket {
    /// `u16::MAX` for zero; else `sign * EXPONENTS + exponent - MIN_EXPONENT`.
    block: u16,
    sub: u8,
}

impl ValueBucket {
    const ZERO: Self = Self { block: u16::MAX, sub: 0 };

    /// The bucket of a finite value; `None` for zero (and magnitudes below 2^-40).
    #[inline]
    fn of(value: f64) -> Option<Self> {
        let bits = value.to_bits();
        let negative = bits >> 63;
        let exponent = ((bits >> 52) & 0x7ff) as i32 - 1023;
        if exponent < MIN_EXPONENT {
            return None;
        }
        let (exponent, sub) = if exponent > MAX_EXPONENT {
            (MAX_EXPONENT, SUB_COUNT - 1)
        } else {
            (exponent, ((bits >> 45) & 0x7f) as usize)
        };
        let block = negative as usize * EXPONENTS + (exponent - MIN_EXPONENT) as usize;
        Some(Self { block: block as u16, sub: sub as u8 })
    }

    fn sign_and_exponent(self) -> (f64, i32) {
        let block = usize::from(self.block);
        let sign = if block >= EXPONENTS { -1.0 } else { 1.0 };
        (sign, (block % EXPONENTS) as i32 + MIN_EXPONENT)
    }

    /// The bucket of a finite value, zero included.
    #[cfg_attr(not(feature = "otel-metrics"), allow(dead_code))]
    pub(crate) fn of_value(value: f64) -> Self {
        Self::of(value).unwrap_or(Self::ZERO)
    }

    /// Bounds of the bucket's magnitude: `[lower, upper)` for positive buckets, the negated
    /// interval for negative ones; `(0, 0)` for zero. Returned in increasing order.
    pub(crate) fn bounds(self) -> (f64, f64) {
        if self == Self::ZERO {
            return (0.0, 0.0);
        }
        let (sign, exponent) = self.sign_and_exponent();
        let power = 2f64.powi(exponent);
        let width = power / SUB_COUNT as f64;
        let low = power + f64::from(self.sub) * width;
        let high = low + width;
        if sign < 0.0 { (-high, -low) } else { (low, high) }
    }

    /// Lower bound in value order (used for sorting).
    fn lower(self) -> f64 {
        self.bounds().0
    }

    /// The value that stands for the bucket: an integer when the bucket starts at one and is at
    /// most 1 wide (so small counts and sizes come back exact), else its midpoint rounded to 5
    /// significant digits; within 0.8 % of every value in the bucket.
    pub(crate) fn representative(self) -> f64 {
        if self == Self::ZERO {
            return 0.0;
        }
        let (sign, exponent) = self.sign_and_exponent();
        let (low, high) = self.bounds();
        let (near, far) = if sign < 0.0 { (high, low) } else { (low, high) };
        if exponent <= SUB_BITS as i32 && near.fract() == 0.0 {
            return near;
        }
        round_significant(f64::midpoint(near, far), 5)
    }
}

/// Rounds `value` to `digits` significant decimal digits.
fn round_significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let magnitude = value.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits - 1 - magnitude);
    let rounded = (value * scale).round() / scale;
    if rounded.is_finite() { rounded } else { value }
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    fn drained(h: &ValueHistogram) -> Vec<(f64, u64)> {
        let mut buckets = Vec::new();
        h.drain(|b, n| buckets.push((b, n)));
        sort(&mut buckets);
        buckets.into_iter().map(|(b, n)| (b.representative(), n)).collect()
    }

    #[test]
    fn small_integers_zero_and_negatives_come_back_exact() {
        let h = ValueHistogram::new();
        for v in [0.0, 1.0, 5.0, 5.0, 127.0, -3.0, 200.0, -0.0] {
            h.record(v);
        }
        assert_eq!(drained(&h), [(-3.0, 1), (0.0, 2), (1.0, 1), (5.0, 2), (127.0, 1), (200.0, 1)]);
        assert!(drained(&h).is_empty(), "a drain resets the counts");
    }

    #[test]
    fn every_value_lies_in_its_bucket_within_the_error() {
        for v in [0.001, 0.3, 1.5, 2.5, 1234.5678, 1e9 + 7.0, -42.42, -1e-6, 9.9e15] {
            let bucket = ValueBucket::of(v).unwrap();
            let (low, high) = bucket.bounds();
            assert!(low <= v && v < high, "{v} outside [{low}, {high})");
            let rep = bucket.representative();
            assert!(((rep - v) / v).abs() <= 1.0 / 128.0, "{v} stands as {rep}");
        }
    }

    #[test]
    fn extremes_are_clamped_not_lost() {
        let h = ValueHistogram::new();
        h.record(1e-300);
        h.record(f64::MAX);
        h.record(1e30);
        let got = drained(&h);
        assert_eq!(got[0], (0.0, 1));
        assert_eq!(got[1].1, 2, "{got:?}");
    }
}
