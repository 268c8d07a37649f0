//! `crate = path` (or `crate = "path"`) when dd-instrument is used under another name.
#![deny(warnings)]

use dd_instrument as other;

use std::fmt;

#[derive(other::DdTags)]
#[dd_tags(crate = other)]
struct OrderTags<'a> {
    region: &'a str,
    #[dd_tag(rename = "order.tier")]
    tier: u8,
}

#[derive(Debug, other::DdError)]
#[dd_error(crate = "other")]
enum PayError {
    Declined,
}

impl fmt::Display for PayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("declined")
    }
}

impl std::error::Error for PayError {}

#[other::dd_span(crate = other, kind = "client", peer = "payments", tags(cents = cents, ..tags))]
fn charge(cents: u32, tags: &OrderTags<'_>) -> Result<u32, PayError> {
    if cents == 0 { Err(PayError::Declined) } else { Ok(cents + u32::from(tags.tier)) }
}

#[other::dd_timed(crate = "other")]
fn quoted() {}

/// `crate = ..` on one stacked attribute is enough; giving the same path twice is fine.
#[other::dd_span]
#[other::dd_timed(crate = other, tags(region = "eu"))]
#[other::dd_slo(name = "renamed", target = 99.9, latency_ms = 200, crate = other)]
fn stacked(n: u32) -> u32 {
    n
}

struct Repo;

impl Repo {
    #[other::dd_span(crate = other)]
    async fn load(&self) -> u32 {
        1
    }
}

mod nested {
    /// From a nested module, the path is written as it resolves there.
    #[super::other::dd_span(crate = crate::other)]
    pub(crate) fn inner() -> u32 {
        2
    }

    #[derive(crate::other::DdTags)]
    #[dd_tags(crate = super::other)]
    pub(crate) struct Tags {
        pub(crate) zone: u8,
    }
}

fn main() {
    let tags = OrderTags { region: "eu", tier: 1 };
    assert_eq!(tags.region, "eu");
    assert_eq!(charge(1, &tags).ok(), Some(2));
    assert!(charge(0, &tags).is_err());
    quoted();
    assert_eq!(stacked(3), 3);
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    assert_eq!(runtime.block_on(Repo.load()), 1);
    assert_eq!(nested::inner(), 2);
    assert_eq!(nested::Tags { zone: 1 }.zone, 1);
    assert_eq!(other::slo::find("renamed").map(other::slo::Slo::name), Some("renamed"));
}
