//! `crate = path`: the runtime named once, in the `use` of `__private`, whichever stacked
//! attribute gives it; the string form; the derives' container options.

#[dd_slo(name = "a", target = 99, crate = obs)]
#[dd_span]
fn stacked() {}

#[dd_span]
#[dd_timed(crate = "crate::obs")]
fn string_form() {}

#[derive(Debug, obs::DdTags, Clone)]
#[dd_tags(crate = ::obs)]
struct Tags {
    region: String,
}

#[derive(Debug, DdError)]
#[dd_error(crate = obs)]
enum Error {
    Declined,
}
