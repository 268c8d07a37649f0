//! On error, the function stays as written (stacked attributes as markers) and every error is
//! a `compile_error!`, in source order; non-functions keep their item too.

#[dd_span(kind = "clinet", nmae = "x")]
#[dd_timed]
#[dd_slo(target = 100)]
fn charge() -> u32 {
    1
}

#[dd_timed]
const fn constant() {}

#[dd_span]
struct NotAFunction;

#[dd_span]
#[dd_span]
fn twice() {}
