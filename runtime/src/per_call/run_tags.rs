//! Run-time metric tags (`tags(region = ..)` of `#[dd_timed]` and `#[dd_slo]`): recorded as the
//! call gives them, then turned into the contexts of the call's site through a per-thread cache.
//!
//! Turning tag values into a context is the costly part: each value is redacted and normalized
//! into the `k:v,k:v` text of its tag set, and the site's map of contexts is searched under the
//! site's lock. Run-time metric tags repeat (their values must be few, or they reach the cap of
//! contexts), so a call first records its raw values in a reused per-thread buffer (a `Display`
//! value formatted there once, even when both the timer and the SLO carry it), then looks the
//! pair (site, raw values) up in a small per-thread cache of the contexts found before. Only a
//! miss redacts, normalizes and takes the lock; a hit allocates nothing and locks nothing.
//! Memory is bounded per thread: tag sets of at most [`CACHED_MAX`] recorded bytes are cached
//! (`SETS * WAYS` of them), longer ones take the lock every time, and buffers a long tag set grew
//! past [`KEPT_CAPACITY`] are freed after its call.
//!
//! The cache is exact: an entry matches when its raw values are byte for byte the call's, for the
//! same site and the same redaction (installed once per process; the key holds which one), and
//! the context a tag set maps to never changes (contexts are never removed; the overflow context
//! of a capped site stays the overflow context).

use std::cell::RefCell;
use std::fmt::{self, Display, Write as _};
use std::hash::{BuildHasher as _, Hasher as _};

use super::site::{CallSite, SloCells, TimerCells};
use crate::tags::{DdTags, TagValue, TagVisitor, push_tag};
use crate::user_code::{self, PANICKED};

/// Sets of the per-thread cache; each holds the [`WAYS`] most recently used entries of the tag
/// sets that hash to it.
const SETS: usize = 32;
const WAYS: usize = 2;

/// The longest recorded tag set the cache keeps (bytes): longer ones are looked up under the
/// site's lock each time, so the cache holds at most `SETS * WAYS` times this per thread.
const CACHED_MAX: usize = 256;

/// The capacity the thread's buffers keep between calls (bytes): a longer tag set's buffers are
/// freed after its call.
const KEPT_CAPACITY: usize = 4096;

/// Seeded like the run-time tags of `metrics` (any fixed seed: the hash never leaves the thread).
const HASHER: foldhash::fast::FixedState = foldhash::fast::FixedState::with_seed(0x6464_5f72_756e_7467);

/// Which metric a recorded tag belongs to.
const TIMER: u8 = b'T';
const SLO: u8 = b'S';

/// Ends a key and a text value: a byte that UTF-8 never has, so that a recorded tag set is
/// unambiguous without lengths.
const END: u8 = 0xFF;

/// How a recorded value is encoded: text (a string, or a `Display` value formatted), or a
/// number or boolean in its bytes, so that it is sent exactly as a `DdTags` spread sends it.
const TEXT: u8 = 0;
const I64: u8 = 1;
const U64: u8 = 2;
const F64: u8 = 3;
const BOOL: u8 = 4;

/// The contexts a call counts in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Contexts {
    pub(crate) timer: Option<&'static TimerCells>,
    pub(crate) slo: Option<&'static SloCells>,
}

/// One cached tag set of one site.
#[derive(Debug)]
struct Entry {
    /// The site's address; 0: an empty entry.
    site: usize,
    /// The redaction's address (see [`crate::redact::current`]).
    redaction: usize,
    hash: u64,
    raw: Vec<u8>,
    contexts: Contexts,
}

/// The thread's buffers: the raw values of the call being started, and the cache.
#[derive(Debug)]
struct Scratch {
    raw: Vec<u8>,
    /// The normalized tags of a tag set not in the cache.
    timer: String,
    slo: String,
    /// `SETS * WAYS` entries once used; the most recently used entry of a set first.
    cache: Vec<Entry>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch {
        raw: Vec::new(),
        timer: String::new(),
        slo: String::new(),
        cache: Vec::new(),
    }) };
}

/// The contexts of `site` for the tags that `tags` adds.
#[inline]
pub(crate) fn contexts(site: &'static CallSite, tags: impl FnOnce(&mut CallTags<'_>)) -> Contexts {
    // `tags` is called in exactly one of the branches; it moves through this `Option`.
    let mut tags = Some(tags);
    let cached = SCRATCH.try_with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => tags.take().map(|tags| scratch.contexts(site, tags)),
        // A tag value's `Display` (or `DdTags`) called an instrumented function: the buffers are
        // in use by the outer call, which goes on with them afterwards.
        Err(_) => None,
    });
    match (cached, tags) {
        (Ok(Some(contexts)), _) => contexts,
        // The buffers are in use, or the thread's locals are being destroyed (a call from a
        // thread-local destructor): buffers of the call's own, and no cache.
        (_, Some(tags)) => {
            let (timer, slo) = normalized(tags);
            find(site, &timer, &slo)
        }
        // `tags` was taken only by the first arm's branch, which returned its value.
        (_, None) => unreachable!("the thread's buffers ran the call's tags"),
    }
}

/// The tags that `tags` adds, normalized and redacted: the timer's and the SLO's `k:v,k:v` lists.
/// Allocates: for calls that do not count in their site (a `testing` capture) or cannot use the
/// thread's buffers.
pub(crate) fn normalized(tags: impl FnOnce(&mut CallTags<'_>)) -> (String, String) {
    let mut raw = Vec::new();
    tags(&mut CallTags { raw: &mut raw, last: None });
    let (mut timer, mut slo) = (String::new(), String::new());
    normalize(&raw, &mut timer, &mut slo);
    (timer, slo)
}

/// The contexts of `site` for normalized tag lists: under the site's lock.
fn find(site: &'static CallSite, timer: &str, slo: &str) -> Contexts {
    Contexts {
        timer: site.timer.as_ref().map(|_| site.timer_context(timer)),
        slo: site.slo.map(|_| site.slo_context(slo)),
    }
}

impl Scratch {
    fn contexts(&mut self, site: &'static CallSite, tags: impl FnOnce(&mut CallTags<'_>)) -> Contexts {
        self.raw.clear();
        tags(&mut CallTags { raw: &mut self.raw, last: None });
        let site_key = std::ptr::from_ref(site).addr();
        let redaction = std::ptr::from_ref(crate::redact::current()).addr();
        if self.raw.len() > CACHED_MAX {
            let contexts = miss(site, &self.raw, &mut self.timer, &mut self.slo);
            self.shrink();
            return contexts;
        }
        let mut hasher = HASHER.build_hasher();
        hasher.write_usize(site_key);
        hasher.write(&self.raw);
        let hash = hasher.finish();
        if self.cache.is_empty() {
            self.cache.resize_with(SETS * WAYS, Entry::empty);
        }
        #[allow(clippy::cast_possible_truncation, reason = "the low bits pick the set")]
        let set = (hash as usize % SETS) * WAYS;
        let ways = &mut self.cache[set..set + WAYS];
        let matches = |entry: &Entry| {
            entry.hash == hash && entry.site == site_key && entry.redaction == redaction && entry.raw == self.raw
        };
        if let Some(way) = ways.iter().position(matches) {
            // Most recently used first.
            ways[..=way].rotate_right(1);
            return ways[0].contexts;
        }
        let contexts = miss(site, &self.raw, &mut self.timer, &mut self.slo);
        // The least recently used entry makes room, and its buffer is reused.
        ways.rotate_right(1);
        let entry = &mut ways[0];
        entry.raw.clear();
        entry.raw.extend_from_slice(&self.raw);
        entry.site = site_key;
        entry.redaction = redaction;
        entry.hash = hash;
        entry.contexts = contexts;
        contexts
    }

    /// Frees buffers that a long tag set grew past [`KEPT_CAPACITY`].
    #[cold]
    fn shrink(&mut self) {
        for buffer in [&mut self.timer, &mut self.slo] {
            if buffer.capacity() > KEPT_CAPACITY {
                *buffer = String::new();
            }
        }
        if self.raw.capacity() > KEPT_CAPACITY {
            self.raw = Vec::new();
        }
    }
}

/// A tag set not in the cache: normalized and redacted (in the thread's buffers), and its
/// contexts found under the site's lock. Allocates only for a tag set new to the site.
#[cold]
#[inline(never)]
fn miss(site: &'static CallSite, raw: &[u8], timer: &mut String, slo: &mut String) -> Contexts {
    timer.clear();
    slo.clear();
    normalize(raw, timer, slo);
    find(site, timer, slo)
}

impl Entry {
    fn empty() -> Self {
        Self { site: 0, redaction: 0, hash: 0, raw: Vec::new(), contexts: Contexts { timer: None, slo: None } }
    }
}

/// Collects the run-time tags of a call's metrics.
#[doc(hidden)]
#[derive(Debug)]
pub struct CallTags<'a> {
    raw: &'a mut Vec<u8>,
    /// The last `Display` value recorded: the same value under the same key for the SLO after
    /// the timer is copied, not formatted again.
    last: Option<Last>,
}

impl CallTags<'_> {
    /// Adds `key:value` to the latency metric's tags; `typed` is `value` as the expansion's
    /// probe sees it (`tag_value!`): a string is copied as it is, anything else is formatted.
    pub fn timer<T: Display + ?Sized>(&mut self, key: &str, value: &T, typed: TagValue<'_>) {
        self.text(TIMER, key, value, typed);
    }

    /// Adds `key:value` to the SLO counters' tags (see [`timer`](Self::timer)).
    pub fn slo<T: Display + ?Sized>(&mut self, key: &str, value: &T, typed: TagValue<'_>) {
        self.text(SLO, key, value, typed);
    }

    /// Records `value` as text: a string's bytes as they are (what its `Display` writes), else
    /// through `Display`. Numbers and booleans are formatted too, so that the text sent is the
    /// one `Display` gives.
    fn text<T: Display + ?Sized>(&mut self, metric: u8, key: &str, value: &T, typed: TagValue<'_>) {
        if let TagValue::Str(text) = typed {
            push_head(self.raw, metric, TEXT, key);
            self.raw.extend_from_slice(text.as_bytes());
            self.raw.push(END);
        } else {
            self.display(metric, key, value);
        }
    }

    /// Adds every tag of `tags` to the latency metric's tags.
    pub fn timer_all<T: DdTags + ?Sized>(&mut self, tags: &T) {
        super::call::visit_contained(tags, &mut Recorder { metric: TIMER, raw: self.raw });
    }

    /// Adds every tag of `tags` to the SLO counters' tags.
    pub fn slo_all<T: DdTags + ?Sized>(&mut self, tags: &T) {
        super::call::visit_contained(tags, &mut Recorder { metric: SLO, raw: self.raw });
    }

    /// Records `value` as text: formatted, or copied from where the same value (the same
    /// checked local of the expansion, under the same key) was formatted for the other metric.
    fn display<T: Display + ?Sized>(&mut self, metric: u8, key: &str, value: &T) {
        let address = std::ptr::from_ref(value).cast::<()>().addr();
        push_head(self.raw, metric, TEXT, key);
        let key_at = (self.raw.len() - 1 - key.len(), self.raw.len() - 1);
        let start = self.raw.len();
        match self.last {
            Some(Last { address: last, key: (key_from, key_to), text: (from, to) })
                if last == address && self.raw[key_from..key_to] == *key.as_bytes() =>
            {
                self.raw.extend_from_within(from..to);
            }
            _ => {
                let formatted =
                    user_code::contained("a `Display` implementation", || write!(Bytes(self.raw), "{value}"));
                if !matches!(formatted, Some(Ok(()))) {
                    self.raw.truncate(start);
                    self.raw.extend_from_slice(PANICKED.as_bytes());
                }
            }
        }
        let end = self.raw.len();
        self.raw.push(END);
        self.last = Some(Last { address, key: key_at, text: (start, end) });
    }
}

/// Where the last `Display` value recorded is.
#[derive(Debug, Clone, Copy)]
struct Last {
    /// The value's address.
    address: usize,
    /// Its key in `raw`.
    key: (usize, usize),
    /// Its text in `raw`.
    text: (usize, usize),
}

/// Records the tags of a `DdTags` spread, typed as it gives them.
struct Recorder<'a> {
    metric: u8,
    raw: &'a mut Vec<u8>,
}

impl TagVisitor for Recorder<'_> {
    fn visit_tag(&mut self, key: &str, value: TagValue<'_>) {
        let raw = &mut *self.raw;
        match value {
            TagValue::Str(text) => {
                push_head(raw, self.metric, TEXT, key);
                raw.extend_from_slice(text.as_bytes());
                raw.push(END);
            }
            TagValue::Display(display) => {
                push_head(raw, self.metric, TEXT, key);
                let start = raw.len();
                let formatted = user_code::contained("a `Display` implementation", || write!(Bytes(raw), "{display}"));
                if !matches!(formatted, Some(Ok(()))) {
                    raw.truncate(start);
                    raw.extend_from_slice(PANICKED.as_bytes());
                }
                raw.push(END);
            }
            TagValue::I64(v) => {
                push_head(raw, self.metric, I64, key);
                raw.extend_from_slice(&v.to_le_bytes());
            }
            TagValue::U64(v) => {
                push_head(raw, self.metric, U64, key);
                raw.extend_from_slice(&v.to_le_bytes());
            }
            TagValue::F64(v) => {
                push_head(raw, self.metric, F64, key);
                raw.extend_from_slice(&v.to_bits().to_le_bytes());
            }
            TagValue::Bool(v) => {
                push_head(raw, self.metric, BOOL, key);
                raw.push(u8::from(v));
            }
        }
    }
}

/// `metric`, `kind` and the key, ended by [`END`].
#[inline]
fn push_head(raw: &mut Vec<u8>, metric: u8, kind: u8, key: &str) {
    raw.push(metric);
    raw.push(kind);
    raw.extend_from_slice(key.as_bytes());
    raw.push(END);
}

/// Writes formatted text into a byte buffer.
struct Bytes<'a>(&'a mut Vec<u8>);

impl fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Appends the recorded tags to the timer's and the SLO's `k:v,k:v` lists, each redacted and
/// normalized as [`push_tag`] does (a tag with no valid key is left out).
fn normalize(mut raw: &[u8], timer: &mut String, slo: &mut String) {
    while let Some((metric, key, value, rest)) = next(raw) {
        raw = rest;
        let out = if metric == TIMER { &mut *timer } else { &mut *slo };
        let separator = !out.is_empty();
        if separator {
            out.push(',');
        }
        let mark = out.len();
        if !push_tag(out, key, value) && separator {
            out.truncate(mark - 1);
        }
    }
}

/// The first recorded tag of `raw` (metric, key, value) and the rest; `None` at the end.
fn next(raw: &[u8]) -> Option<(u8, &str, TagValue<'_>, &[u8])> {
    let (&metric, raw) = raw.split_first()?;
    let (&kind, raw) = raw.split_first()?;
    let (key, raw) = text(raw)?;
    let (value, rest) = match kind {
        TEXT => {
            let (value, rest) = text(raw)?;
            (TagValue::Str(value), rest)
        }
        BOOL => {
            let (&value, rest) = raw.split_first()?;
            (TagValue::Bool(value != 0), rest)
        }
        _ => {
            let (bytes, rest) = raw.split_first_chunk::<8>()?;
            let value = match kind {
                I64 => TagValue::I64(i64::from_le_bytes(*bytes)),
                U64 => TagValue::U64(u64::from_le_bytes(*bytes)),
                _ => TagValue::F64(f64::from_bits(u64::from_le_bytes(*bytes))),
            };
            (value, rest)
        }
    };
    Some((metric, key, value, rest))
}

/// A text ended by [`END`], and the rest after it.
fn text(raw: &[u8]) -> Option<(&str, &[u8])> {
    let end = raw.iter().position(|&byte| byte == END)?;
    // Written from `&str`s whole: always UTF-8.
    Some((std::str::from_utf8(&raw[..end]).ok()?, &raw[end + 1..]))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::per_call::site::TimerMeta;
    use crate::slo::Slo;

    static SLO: Slo = Slo::__new("run-tags", 99.0, None, "run_tags.op", "run_tags::op", &[]);
    static SITE: CallSite = CallSite::new("run_tags.op", Some(TimerMeta::new("run_tags.op.duration", &[])), Some(&SLO));
    static OTHER: CallSite =
        CallSite::new("run_tags.other", Some(TimerMeta::new("run_tags.other.duration", &[])), None);

    /// Counts how often it is formatted.
    struct Counted<'a>(&'a str, &'a Cell<usize>);

    impl Display for Counted<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.1.set(self.1.get() + 1);
            f.write_str(self.0)
        }
    }

    fn region(site: &'static CallSite, value: &str) -> Contexts {
        contexts(site, |tags| {
            tags.timer("region", value, TagValue::Str(value));
            tags.slo("region", value, TagValue::Str(value));
        })
    }

    fn tags_of<C>(dynamic: &crate::per_call::site::Dynamic<C>, cells: &'static C) -> Vec<String> {
        let mut found = Vec::new();
        dynamic.for_each(|tags, each| {
            if std::ptr::eq(each, cells) {
                found.push(tags.to_owned());
            }
        });
        found
    }

    #[test]
    fn a_tag_set_gets_one_context_per_metric_cached_or_not() {
        let eu = region(&SITE, "EU West");
        let us = region(&SITE, "us");
        let (timer, slo) = (eu.timer.unwrap(), eu.slo.unwrap());
        assert_eq!(tags_of(&SITE.timer_dynamic, timer), ["region:eu_west"]);
        assert_eq!(tags_of(&SITE.slo_dynamic, slo), ["region:eu_west"]);
        assert!(!std::ptr::eq(timer, us.timer.unwrap()));
        for _ in 0..3 {
            let again = region(&SITE, "EU West");
            assert!(std::ptr::eq(again.timer.unwrap(), timer) && std::ptr::eq(again.slo.unwrap(), slo));
        }
        // The same values for another site: that site's contexts, not the cached ones.
        let other = region(&OTHER, "EU West");
        assert!(other.slo.is_none());
        assert_eq!(tags_of(&OTHER.timer_dynamic, other.timer.unwrap()), ["region:eu_west"]);
        // Without the thread's buffers (as in a nested call): the same contexts.
        let (t, s) = normalized(|tags| {
            tags.timer("region", "EU West", TagValue::Str("EU West"));
            tags.slo("region", "EU West", TagValue::Str("EU West"));
        });
        let found = find(&SITE, &t, &s);
        assert!(std::ptr::eq(found.timer.unwrap(), timer) && std::ptr::eq(found.slo.unwrap(), slo));
    }

    #[test]
    fn many_tag_sets_through_a_small_cache_stay_exact() {
        // More tag sets than the cache holds, in a loop: each always finds its own context.
        let values: Vec<String> = (0..3 * SETS * WAYS).map(|i| format!("v{i}")).collect();
        let first: Vec<Contexts> = values.iter().map(|v| region(&OTHER, v)).collect();
        for _ in 0..2 {
            for (value, expected) in values.iter().zip(&first) {
                assert!(std::ptr::eq(region(&OTHER, value).timer.unwrap(), expected.timer.unwrap()), "{value}");
            }
        }
        assert_eq!(tags_of(&OTHER.timer_dynamic, first[7].timer.unwrap()), ["region:v7"]);
    }

    #[test]
    fn long_tag_sets_are_not_cached_and_their_buffers_not_kept() {
        let long = "x".repeat(10_000);
        let first = region(&OTHER, &long);
        let again = region(&OTHER, &long);
        assert!(std::ptr::eq(first.timer.unwrap(), again.timer.unwrap()));
        // Recorded twice (timer and SLO), within the cap.
        let kept = "y".repeat(CACHED_MAX / 4);
        region(&OTHER, &kept);
        SCRATCH.with(|scratch| {
            let scratch = scratch.borrow();
            assert!(scratch.raw.capacity() <= KEPT_CAPACITY, "{}", scratch.raw.capacity());
            assert!(scratch.timer.capacity() <= KEPT_CAPACITY && scratch.slo.capacity() <= KEPT_CAPACITY);
            assert!(scratch.cache.iter().all(|entry| entry.raw.len() <= CACHED_MAX));
            assert!(scratch.cache.iter().any(|entry| entry.raw.windows(kept.len()).any(|w| w == kept.as_bytes())));
        });
        assert_eq!(tags_of(&OTHER.timer_dynamic, first.timer.unwrap()).len(), 1);
    }

    #[test]
    fn a_string_is_copied_as_it_is_never_formatted() {
        let calls = Cell::new(0);
        let value = Counted("not this", &calls);
        // The probe saw a string: its bytes are the tag's value; `value` is not formatted.
        let (timer, slo) = normalized(|tags| {
            tags.timer("region", &value, TagValue::Str("EU West"));
            tags.slo("region", &value, TagValue::Str("EU West"));
        });
        assert_eq!((timer.as_str(), slo.as_str(), calls.get()), ("region:eu_west", "region:eu_west", 0));
        // Numbers are formatted, as `Display` writes them.
        let (timer, _) = normalized(|tags| tags.timer("n", &1.5_f64, TagValue::F64(1.5)));
        assert_eq!(timer, "n:1.5");
    }

    #[test]
    fn a_value_both_metrics_carry_is_formatted_once() {
        let calls = Cell::new(0);
        let value = Counted("eu", &calls);
        let (timer, slo) = normalized(|tags| {
            tags.timer("region", &value, TagValue::Display(&value));
            tags.slo("region", &value, TagValue::Display(&value));
        });
        assert_eq!((timer.as_str(), slo.as_str(), calls.get()), ("region:eu", "region:eu", 1));
        // Under another key, or another value, it is formatted again.
        calls.set(0);
        let (timer, slo) = normalized(|tags| {
            tags.timer("region", &value, TagValue::Display(&value));
            tags.slo("zone", &value, TagValue::Display(&value));
            let b = Counted("b", &calls);
            tags.slo("zone", &b, TagValue::Display(&b));
        });
        assert_eq!((timer.as_str(), slo.as_str(), calls.get()), ("region:eu", "zone:eu,zone:b", 3));
    }

    #[test]
    fn values_are_redacted_and_normalized_as_push_tag_does() {
        struct Spread;
        impl DdTags for Spread {
            fn visit_tags(&self, visitor: &mut dyn TagVisitor) {
                visitor.visit_tag("card", TagValue::U64(4_111_111_111_111_111));
                visitor.visit_tag("n", TagValue::I64(-3));
                visitor.visit_tag("ratio", TagValue::F64(0.5));
                visitor.visit_tag("ok", TagValue::Bool(true));
                visitor.visit_tag("Bad Key!", TagValue::Str("X"));
                visitor.visit_tag("", TagValue::Str("no key"));
                visitor.visit_tag("shown", TagValue::Display(&1.5_f32));
            }
        }
        let (timer, slo) = normalized(|tags| {
            tags.timer("email", "alice@example.com", TagValue::Str("alice@example.com"));
            tags.timer_all(&Spread);
            tags.slo_all(&Spread);
        });
        let mut expected = String::new();
        for (key, value) in [
            ("email", TagValue::Str("alice@example.com")),
            ("card", TagValue::U64(4_111_111_111_111_111)),
            ("n", TagValue::I64(-3)),
            ("ratio", TagValue::F64(0.5)),
            ("ok", TagValue::Bool(true)),
            ("Bad Key!", TagValue::Str("X")),
            ("", TagValue::Str("no key")),
            ("shown", TagValue::Display(&1.5_f32)),
        ] {
            let mut one = String::new();
            if push_tag(&mut one, key, value) {
                if !expected.is_empty() {
                    expected.push(',');
                }
                expected.push_str(&one);
            }
        }
        assert!(!expected.contains("alice") && !expected.contains("4111"), "{expected}");
        assert_eq!(timer, expected);
        // The SLO has the spread alone.
        assert_eq!(Some(slo.as_str()), expected.split_once(',').map(|(_, rest)| rest));
    }

    #[test]
    fn a_panicking_display_gives_the_placeholder() {
        struct Panics;
        impl Display for Panics {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("partial")?;
                panic!("a tag value's Display")
            }
        }
        let (timer, _) = normalized(|tags| tags.timer("region", &Panics, TagValue::Display(&Panics)));
        let mut expected = String::new();
        assert!(push_tag(&mut expected, "region", TagValue::Str(PANICKED)));
        assert_eq!(timer, expected);
    }

    #[test]
    fn a_display_that_makes_a_tagged_call_gets_its_own_buffers() {
        struct Nested;
        impl Display for Nested {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let inner = region(&OTHER, "inner");
                assert_eq!(tags_of(&OTHER.timer_dynamic, inner.timer.unwrap()), ["region:inner"]);
                f.write_str("outer")
            }
        }
        let outer = contexts(&SITE, |tags| tags.timer("region", &Nested, TagValue::Display(&Nested)));
        assert_eq!(tags_of(&SITE.timer_dynamic, outer.timer.unwrap()), ["region:outer"]);
        // No SLO tags: the site's own cells.
        assert!(std::ptr::eq(outer.slo.unwrap(), &raw const SITE.slo_cells));
    }
}
