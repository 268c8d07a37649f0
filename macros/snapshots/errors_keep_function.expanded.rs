//! On error, the function stays as written (stacked attributes as markers) and every error is
//! a `compile_error!`, in source order; non-functions keep their item too.
#[dd_timed(__dd_stacked)]
#[dd_slo(__dd_stacked)]
fn charge() -> u32 {
    1
}
::core::compile_error! {
    "unknown span kind `clinet`: expected `server`, `client`, `producer`, `consumer` or `internal`; did you mean `client`?"
}
::core::compile_error! {
    "unknown argument `nmae` of `#[dd_span]`: expected `name`, `resource`, `kind`, `peer`, `span_type`, `measured`, `tags`, `db` or `crate`; did you mean `name`?"
}
::core::compile_error! {
    "`#[dd_slo]` needs `name = \"..\"`: the SLO's name, the value of its `slo:<name>` tag, like `#[dd_slo(name = \"checkout\", target = 99.9)]`"
}
::core::compile_error! {
    "`target = 100` is out of range: the objective is a percentage, at least 1 and below 100, like `target = 99.9`"
}
const fn constant() {}
::core::compile_error! {
    "`#[dd_timed]` cannot instrument a `const fn`: spans and metrics exist only at run time; remove `const`"
}
struct NotAFunction;
::core::compile_error! {
    "`#[dd_span]` goes on a function, not on a struct"
}
#[dd_span(__dd_stacked)]
fn twice() {}
::core::compile_error! {
    "duplicate `#[dd_span]`: a function takes each `dd_*` attribute at most once"
}
