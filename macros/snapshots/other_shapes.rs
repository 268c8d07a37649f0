//! The never type (the body runs as a `()` closure), `unsafe fn`, a raw identifier as the
//! function name (its name without `r#`), inner attributes (kept first in the body), and
//! `return` in an `async fn`.

#[dd_span]
fn forever() -> ! {
    loop {}
}

#[dd_timed]
unsafe fn read(pointer: *const u8) -> u8 {
    unsafe { *pointer }
}

#[dd_span]
fn r#type() {}

#[dd_span]
fn with_inner_attribute() -> u32 {
    #![allow(clippy::needless_return)]
    return 1;
}

#[dd_span]
async fn early(flag: bool) -> Option<u32> {
    if flag {
        return None;
    }
    Some(1)
}
