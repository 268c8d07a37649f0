//! `#[derive(DdTags)]`: one `visit_tag` per field, checked `Display` at the field's type;
//! `Option` fields only when `Some`; `Display` bounds for fields naming type parameters;
//! `rename` and `skip`; no fields, no tags.
#[derive(Debug)]
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
const _: () = {
    trait __DdPeel {
        fn __dd_peel(&self) -> &Self {
            self
        }
    }
    impl<T: ?Sized> __DdPeel for T {}
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a tag value: it does not implement `Display`",
        label = "a tag value must implement `Display`",
        note = "a tag value is a string, an integer, a float, a boolean, or a value of any type that implements `std::fmt::Display`; for its `Debug` form, write `format!(\"{{value:?}}\")`"
    )]
    trait TagValueIsDisplay {
        fn __dd_check(&self) -> ::dd_instrument::__private::tags::Checked<'_, Self>;
    }
    #[diagnostic::do_not_recommend]
    impl<T: ?Sized + ::core::fmt::Display> TagValueIsDisplay for T {
        fn __dd_check(&self) -> ::dd_instrument::__private::tags::Checked<'_, Self> {
            ::dd_instrument::__private::CheckTag::__dd_checked_tag(self)
        }
    }
    #[automatically_derived]
    impl<'a, T> ::dd_instrument::DdTags for OrderTags<'a, T>
    where
        T: ::core::fmt::Display,
        T: ::core::fmt::Display,
    {
        fn visit_tags(&self, __dd_visitor: &mut dyn ::dd_instrument::TagVisitor) {
            {
                let __dd_value = &self.region;
                let __dd_value = TagValueIsDisplay::__dd_check(
                    (*__dd_value).__dd_peel(),
                );
                __dd_visitor
                    .visit_tag(
                        "region",
                        ::dd_instrument::__private::tag_value!(& __dd_value),
                    );
            }
            {
                let __dd_value = &self.priority;
                let __dd_value = TagValueIsDisplay::__dd_check(
                    (*__dd_value).__dd_peel(),
                );
                __dd_visitor
                    .visit_tag(
                        "order.priority",
                        ::dd_instrument::__private::tag_value!(& __dd_value),
                    );
            }
            if let ::core::option::Option::Some(__dd_value) = &self.coupon {
                let __dd_value = TagValueIsDisplay::__dd_check(
                    (*__dd_value).__dd_peel(),
                );
                __dd_visitor
                    .visit_tag(
                        "coupon",
                        ::dd_instrument::__private::tag_value!(& __dd_value),
                    );
            }
            {
                let __dd_value = &self.label;
                let __dd_value = TagValueIsDisplay::__dd_check(
                    (*__dd_value).__dd_peel(),
                );
                __dd_visitor
                    .visit_tag(
                        "label",
                        ::dd_instrument::__private::tag_value!(& __dd_value),
                    );
            }
            if let ::core::option::Option::Some(__dd_value) = &self.r#type {
                let __dd_value = TagValueIsDisplay::__dd_check(
                    (*__dd_value).__dd_peel(),
                );
                __dd_visitor
                    .visit_tag(
                        "type",
                        ::dd_instrument::__private::tag_value!(& __dd_value),
                    );
            }
        }
    }
};
struct NoTags;
const _: () = {
    #[automatically_derived]
    impl ::dd_instrument::DdTags for NoTags {
        fn visit_tags(&self, _: &mut dyn ::dd_instrument::TagVisitor) {}
    }
};
struct Tuple(u32);
::core::compile_error! {
    "`#[derive(DdTags)]` needs named fields: each field's name is its tag key; implement `DdTags` by hand for other types"
}
const _: () = {
    #[automatically_derived]
    impl ::dd_instrument::DdTags for Tuple {
        fn visit_tags(&self, _: &mut dyn ::dd_instrument::TagVisitor) {}
    }
};
