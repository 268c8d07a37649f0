//! `#[derive(DdTags)]`: field names as keys, `rename`, `skip`, `Option`, lifetimes, generics
//! (with bounds written or inferred), raw identifiers, `Display` types, structs without fields;
//! used as spreads on the three attributes.
#![deny(warnings)]

use std::fmt::{self, Display};

use dd_instrument::{DdTags, TagValue, TagVisitor, dd_slo, dd_span, dd_timed};

struct Tier(u8);

impl Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tier-{}", self.0)
    }
}

#[derive(DdTags)]
struct OrderTags<'a> {
    region: &'a str,
    #[dd_tag(rename = "order.tier")]
    tier: Tier,
    #[dd_tag(skip)]
    email: &'a str,
    coupon: Option<&'a str>,
    count: Option<u32>,
    owned: String,
    r#type: bool,
    #[dd_tag(rename = "weight-kg")]
    weight: f64,
    delta: i64,
}

#[derive(DdTags)]
struct Generic<T: Display, U>
where
    U: Display,
{
    first: T,
    second: U,
}

#[derive(DdTags)]
#[allow(dead_code)]
struct AllSkipped {
    #[dd_tag(skip)]
    secret: u32,
}

/// No bound written: the derive adds `T: Display`, `Option<U>` adds `U: Display`, `&'a V` adds
/// `V: Display`; the skipped field adds none.
#[derive(DdTags)]
struct Labelled<'a, T, U, V: ?Sized, W> {
    label: T,
    maybe: Option<U>,
    borrowed: &'a V,
    #[dd_tag(skip)]
    #[allow(dead_code)]
    skipped: W,
}

#[derive(DdTags)]
struct Empty {}

#[derive(DdTags)]
struct NoTags;

#[derive(DdTags)]
struct NoTagsEither();

#[dd_span(tags(..tags))]
#[dd_timed(tags(..tags))]
#[dd_slo(name = "derived", target = 99.9, tags(..tags))]
fn charge(tags: &OrderTags<'_>) -> usize {
    tags.region.len()
}

#[dd_span(tags(..generic, ..&Empty {}))]
fn generic(generic: Generic<u8, &str>) -> u8 {
    generic.first
}

/// Collects `key:value` pairs.
struct Collect(Vec<String>);

impl TagVisitor for Collect {
    fn visit_tag(&mut self, key: &str, value: TagValue<'_>) {
        self.0.push(format!("{key}:{value}"));
    }
}

fn tags_of(value: &dyn DdTags) -> Vec<String> {
    let mut collect = Collect(Vec::new());
    value.visit_tags(&mut collect);
    collect.0
}

fn main() {
    let tags = OrderTags {
        region: "eu",
        tier: Tier(2),
        email: "a@b.c",
        coupon: None,
        count: Some(3),
        owned: "x".to_owned(),
        r#type: true,
        weight: 1.5,
        delta: -2,
    };
    assert_eq!(charge(&tags), 2);
    assert_eq!(tags.email.len(), 5);
    assert_eq!(
        tags_of(&tags),
        ["region:eu", "order.tier:tier-2", "count:3", "owned:x", "type:true", "weight-kg:1.5", "delta:-2"]
    );
    assert_eq!(tags_of(&Generic { first: 1u8, second: "two" }), ["first:1", "second:two"]);
    assert!(tags_of(&AllSkipped { secret: 1 }).is_empty());
    assert!(tags_of(&Empty {}).is_empty());
    assert!(tags_of(&NoTags).is_empty());
    assert!(tags_of(&NoTagsEither()).is_empty());
    let labelled = Labelled { label: Tier(1), maybe: Some(2u8), borrowed: "eu", skipped: vec![()] };
    assert_eq!(tags_of(&labelled), ["label:tier-1", "maybe:2", "borrowed:eu"]);
    assert_eq!(generic(Generic { first: 1, second: "s" }), 1);
}
