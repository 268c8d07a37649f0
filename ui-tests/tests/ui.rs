//! Compile tests of the macros: every `pass/` case compiles, every `fail/` case fails with the
//! reviewed message in its `.stderr` file. Regenerate with `TRYBUILD=overwrite`, then read each
//! `.stderr` as a user would.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*/*.rs");
}
