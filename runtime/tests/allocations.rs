//! Allocation counts: the common cases of the per-call path allocate nothing.
//!
//! A binary of its own, because counting needs a global allocator (and `unsafe`, which the
//! library forbids).

use std::borrow::Cow;

use dd_instrument::{Detector, Redaction};

/// Counts the allocations of the current thread, to show that the common case allocates nothing.
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    }

    struct Counting;

    // SAFETY: every call is forwarded to `System` unchanged; counting touches a `Cell` of the
    // calling thread, which never allocates.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
            // SAFETY: the caller's contract is `System`'s.
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
            // SAFETY: as above.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    /// How many allocations `f` made on this thread.
    pub(crate) fn allocations(f: impl FnOnce()) -> usize {
        let before = ALLOCATIONS.with(Cell::get);
        f();
        ALLOCATIONS.with(Cell::get) - before
    }
}

fn all() -> Redaction {
    Redaction::none().apply_switch("all").unwrap()
}

#[test]
fn nothing_to_find_borrows_and_allocates_nothing() {
    let r = all();
    let long = "the quick brown fox jumps over the lazy dog, bearer of news; ".repeat(170);
    for text in ["", "eu-west-1", "ord_8f3k2", "connection refused (os error 111)", "Grüße, 世界", "a=b c: d", &long]
    {
        let mut borrowed = false;
        let allocations = counting::allocations(|| borrowed = matches!(r.redact(text), Cow::Borrowed(_)));
        assert!(borrowed, "{text}");
        assert_eq!(allocations, 0, "{text}");
    }
    let kv = Redaction::default().enable(Detector::KvSecrets);
    assert_eq!(counting::allocations(|| drop(kv.redact_tag("region", "eu-west-1"))), 0);
    // The counter counts.
    assert_eq!(counting::allocations(|| drop(r.redact("alice@example.com"))), 1);
}
