//! Tags evaluated at each call: expressions bound once each before the span (checked
//! `Display`), spreads of `DdTags` values on the span (`span_tags`) and on metrics
//! (`timer_all`, `slo_all`), and `Call::start_tagged` for run-time metric tags.
#[dd_timed(__dd_stacked)]
#[dd_slo(__dd_stacked)]
fn load_cart(shard: u32, user: &User, cart_tags: &CartTags) -> u32 {
    use ::dd_instrument::{DdTags as __DdTags, __private as __dd_private};
    const __DD_FUNCTION: &str = ::core::concat!(
        ::core::module_path!(), "::", "load_cart"
    );
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "load_cart")
    );
    static __DD_SLO: __dd_private::Slo = __dd_private::Slo::__new(
            "cart",
            99f64,
            ::core::option::Option::None,
            __DD_OPERATION,
            __DD_FUNCTION,
            &[],
        )
        .__objective(
            __dd_private::Timeframe::Days30,
            ::core::option::Option::None,
            ::core::option::Option::None,
        );
    __dd_private::inventory::submit! {
        __dd_private::SloEntry(& __DD_SLO)
    }
    static __DD_SITE: __dd_private::CallSite = __dd_private::CallSite::new(
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::TimerMeta::new(
                __dd_private::concat!(__DD_OPERATION, ".duration"),
                &[],
            ),
        ),
        ::core::option::Option::Some(&__DD_SLO),
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::SpanDef::__new(
                ::core::option::Option::Some("load_cart"),
                "internal",
                ::core::option::Option::None,
                ::core::option::Option::None,
                false,
                &["team:carts"],
            ),
        ),
        ::core::option::Option::Some(
            __dd_private::TimerDef::__new(
                __dd_private::concat!(__DD_OPERATION, ".duration"),
                &[],
            ),
        ),
        ::core::option::Option::Some(&__DD_SLO),
    );
    __dd_private::inventory::submit! {
        __dd_private::FunctionEntry(& __DD_DEFINITION)
    }
    let __dd_call = if __dd_private::active(true, true) {
        ::core::option::Option::Some({
            let __dd_tag_0 = &(shard);
            let __dd_tag_1 = &(user.id());
            let __dd_tag_2 = &(cart_tags);
            let __dd_tag_3 = &(user.region());
            {
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
                    fn __dd_check(&self) -> __dd_private::tags::Checked<'_, Self>;
                }
                #[diagnostic::do_not_recommend]
                impl<T: ?Sized + ::core::fmt::Display> TagValueIsDisplay for T {
                    fn __dd_check(&self) -> __dd_private::tags::Checked<'_, Self> {
                        __dd_private::CheckTag::__dd_checked_tag(self)
                    }
                }
                #[diagnostic::on_unimplemented(
                    message = "`{Self}` does not implement `DdTags`, so `..` cannot add its tags",
                    label = "`..` adds the tags of a value whose type implements `DdTags`",
                    note = "derive it on the struct, `#[derive(dd_instrument::DdTags)]`, for one tag per field; or implement `DdTags` by hand",
                    note = "a generic struct that derives `DdTags` implements it when the types of its generic fields implement `Display`"
                )]
                trait SpreadIsDdTags {
                    fn __dd_tags<'a>(this: &'a &Self) -> &'a dyn __DdTags;
                }
                #[diagnostic::do_not_recommend]
                impl<T: ?Sized + __DdTags> SpreadIsDdTags for T {
                    fn __dd_tags<'a>(this: &'a &Self) -> &'a dyn __DdTags {
                        this
                    }
                }
                let __dd_tag_0 = TagValueIsDisplay::__dd_check(
                    (*__dd_tag_0).__dd_peel(),
                );
                let __dd_tag_1 = TagValueIsDisplay::__dd_check(
                    (*__dd_tag_1).__dd_peel(),
                );
                let __dd_tag_2_peeled = (*__dd_tag_2).__dd_peel();
                let __dd_tag_2 = SpreadIsDdTags::__dd_tags(&__dd_tag_2_peeled);
                let __dd_tag_3 = TagValueIsDisplay::__dd_check(
                    (*__dd_tag_3).__dd_peel(),
                );
                let __dd_span = __dd_private::new_span(|| {
                    __dd_private::tracing::span!(
                        target : ::core::module_path!(),
                        __dd_private::tracing::Level::INFO, __DD_OPERATION,
                        "operation.name" = __DD_OPERATION, "resource.name" = "load_cart",
                        "code.function.name" = __DD_FUNCTION, "error.type" =
                        __dd_private::tracing::field::Empty, "error.message" =
                        __dd_private::tracing::field::Empty, "error.stack" =
                        __dd_private::tracing::field::Empty, "otel.status_description" =
                        __dd_private::tracing::field::Empty, "team" = "carts", "shard" =
                        __dd_private::field!("shard", __dd_tag_0.get()) .value(),
                        "user.id" = __dd_private::field!("user.id", __dd_tag_1.get())
                        .value()
                    )
                });
                __dd_private::span_tags(&__dd_span, __dd_tag_2);
                __dd_private::Call::start_tagged(
                    &__DD_SITE,
                    __dd_span,
                    |__dd_tags| {
                        __dd_tags
                            .timer(
                                "shard",
                                &__dd_tag_0,
                                __dd_private::tag_value!(& __dd_tag_0),
                            );
                        __dd_tags.timer_all(__dd_tag_2);
                        __dd_tags
                            .slo(
                                "region",
                                &__dd_tag_3,
                                __dd_private::tag_value!(& __dd_tag_3),
                            );
                        __dd_tags.slo_all(__dd_tag_2);
                    },
                )
            }
        })
    } else {
        ::core::option::Option::None
    };
    __dd_private::run_sync(
        __dd_call,
        move || {
            #[allow(
                unknown_lints,
                unreachable_code,
                clippy::diverging_sub_expression,
                clippy::empty_loop,
                clippy::let_unit_value,
                clippy::let_with_type_underscore,
                clippy::needless_return,
                clippy::unreachable
            )]
            if false {
                let __dd_fake: u32 = loop {};
                return __dd_fake;
            }
            { shard }
        },
        {
            #[allow(
                clippy::ref_option_ref,
                clippy::borrowed_box,
                clippy::ref_option,
                clippy::rc_buffer
            )]
            let __dd_classify = |__dd_value: &u32| __dd_private::outcome_of!(__dd_value);
            __dd_classify
        },
    )
}
async fn span_only(shard: u32) {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(
        ::core::module_path!(), "::", "span_only"
    );
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "span_only")
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::SpanDef::__new(
                ::core::option::Option::Some("span_only"),
                "internal",
                ::core::option::Option::None,
                ::core::option::Option::None,
                false,
                &[],
            ),
        ),
        ::core::option::Option::None,
        ::core::option::Option::None,
    );
    __dd_private::inventory::submit! {
        __dd_private::FunctionEntry(& __DD_DEFINITION)
    }
    let __dd_call = if __dd_private::active(false, true) {
        ::core::option::Option::Some({
            let __dd_tag_0 = &(shard);
            {
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
                    fn __dd_check(&self) -> __dd_private::tags::Checked<'_, Self>;
                }
                #[diagnostic::do_not_recommend]
                impl<T: ?Sized + ::core::fmt::Display> TagValueIsDisplay for T {
                    fn __dd_check(&self) -> __dd_private::tags::Checked<'_, Self> {
                        __dd_private::CheckTag::__dd_checked_tag(self)
                    }
                }
                let __dd_tag_0 = TagValueIsDisplay::__dd_check(
                    (*__dd_tag_0).__dd_peel(),
                );
                let __dd_span = __dd_private::new_span(|| {
                    __dd_private::tracing::span!(
                        target : ::core::module_path!(),
                        __dd_private::tracing::Level::INFO, __DD_OPERATION,
                        "operation.name" = __DD_OPERATION, "resource.name" = "span_only",
                        "code.function.name" = __DD_FUNCTION, "error.type" =
                        __dd_private::tracing::field::Empty, "error.message" =
                        __dd_private::tracing::field::Empty, "error.stack" =
                        __dd_private::tracing::field::Empty, "otel.status_description" =
                        __dd_private::tracing::field::Empty, "shard" =
                        __dd_private::field!("shard", __dd_tag_0.get()) .value()
                    )
                });
                __dd_private::Call::start(::core::option::Option::None, __dd_span)
            }
        })
    } else {
        ::core::option::Option::None
    };
    __dd_private::Instrumented::new(
            __dd_call,
            async move {
                #[allow(
                    unknown_lints,
                    unreachable_code,
                    clippy::diverging_sub_expression,
                    clippy::empty_loop,
                    clippy::let_unit_value,
                    clippy::let_with_type_underscore,
                    clippy::needless_return,
                    clippy::unreachable
                )]
                if false {
                    let __dd_fake: () = loop {};
                    return __dd_fake;
                }
                {}
            },
            {
                #[allow(
                    clippy::ref_option_ref,
                    clippy::borrowed_box,
                    clippy::ref_option,
                    clippy::rc_buffer
                )]
                let __dd_classify = |__dd_value: &()| {
                    __dd_private::outcome_of!(__dd_value)
                };
                __dd_classify
            },
        )
        .await
}
async fn timed_only(region: &str) {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(
        ::core::module_path!(), "::", "timed_only"
    );
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "timed_only")
    );
    static __DD_SITE: __dd_private::CallSite = __dd_private::CallSite::new(
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::TimerMeta::new(
                __dd_private::concat!(__DD_OPERATION, ".duration"),
                &[],
            ),
        ),
        ::core::option::Option::None,
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::None,
        ::core::option::Option::Some(
            __dd_private::TimerDef::__new(
                __dd_private::concat!(__DD_OPERATION, ".duration"),
                &[],
            ),
        ),
        ::core::option::Option::None,
    );
    __dd_private::inventory::submit! {
        __dd_private::FunctionEntry(& __DD_DEFINITION)
    }
    let __dd_call = if __dd_private::active(true, false) {
        ::core::option::Option::Some({
            let __dd_tag_0 = &(region);
            {
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
                    fn __dd_check(&self) -> __dd_private::tags::Checked<'_, Self>;
                }
                #[diagnostic::do_not_recommend]
                impl<T: ?Sized + ::core::fmt::Display> TagValueIsDisplay for T {
                    fn __dd_check(&self) -> __dd_private::tags::Checked<'_, Self> {
                        __dd_private::CheckTag::__dd_checked_tag(self)
                    }
                }
                let __dd_tag_0 = TagValueIsDisplay::__dd_check(
                    (*__dd_tag_0).__dd_peel(),
                );
                let __dd_span = __dd_private::tracing::Span::none();
                __dd_private::Call::start_tagged(
                    &__DD_SITE,
                    __dd_span,
                    |__dd_tags| {
                        __dd_tags
                            .timer(
                                "region",
                                &__dd_tag_0,
                                __dd_private::tag_value!(& __dd_tag_0),
                            );
                    },
                )
            }
        })
    } else {
        ::core::option::Option::None
    };
    __dd_private::Instrumented::new(
            __dd_call,
            async move {
                #[allow(
                    unknown_lints,
                    unreachable_code,
                    clippy::diverging_sub_expression,
                    clippy::empty_loop,
                    clippy::let_unit_value,
                    clippy::let_with_type_underscore,
                    clippy::needless_return,
                    clippy::unreachable
                )]
                if false {
                    let __dd_fake: () = loop {};
                    return __dd_fake;
                }
                {}
            },
            {
                #[allow(
                    clippy::ref_option_ref,
                    clippy::borrowed_box,
                    clippy::ref_option,
                    clippy::rc_buffer
                )]
                let __dd_classify = |__dd_value: &()| {
                    __dd_private::outcome_of!(__dd_value)
                };
                __dd_classify
            },
        )
        .await
}
