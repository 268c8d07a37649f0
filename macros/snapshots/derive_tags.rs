//! `#[derive(DdTags)]`: one `visit_tag` per field, checked `Display` at the field's type;
//! `Option` fields only when `Some`; `Display` bounds for fields naming type parameters;
//! `rename` and `skip`; no fields, no tags.

#[derive(Debug, DdTags)]
struct OrderTags<'a, T> {
    region: &'a str,
    #[dd_tag(rename = "order.priority")]
    priority: u8,
    #[dd_tag(skip)]
    customer_email: &'a str,
    coupon: Option<&'a str>,
    label: T,
    r#type: Option<T>,
}

#[derive(DdTags)]
struct NoTags;

#[derive(DdTags)]
struct Tuple(u32);
