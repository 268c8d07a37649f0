//! The three attributes stacked, in two orders: the outermost expands all three into one
//! wrapper (one span, one `Call`, one site); the others stay as `__dd_stacked` markers, in place.
//! The same `tenant = tenant` on the span and the SLO is evaluated once.
#[dd_instrument::dd_slo(__dd_stacked)]
///kept
#[dd_span(__dd_stacked)]
fn charge(tenant: &str) -> u32 {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", "charge");
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "charge")
    );
    static __DD_SLO: __dd_private::Slo = __dd_private::Slo::__new(
            "checkout",
            99.9f64,
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
                ::core::option::Option::Some("charge"),
                "internal",
                ::core::option::Option::None,
                ::core::option::Option::None,
                false,
                &[],
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
            let __dd_tag_0 = &(tenant);
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
                        "operation.name" = __DD_OPERATION, "resource.name" = "charge",
                        "code.function.name" = __DD_FUNCTION, "error.type" =
                        __dd_private::tracing::field::Empty, "error.message" =
                        __dd_private::tracing::field::Empty, "error.stack" =
                        __dd_private::tracing::field::Empty, "otel.status_description" =
                        __dd_private::tracing::field::Empty, "tenant" =
                        __dd_private::field!("tenant", __dd_tag_0.get()) .value()
                    )
                });
                __dd_private::Call::start_tagged(
                    &__DD_SITE,
                    __dd_span,
                    |__dd_tags| {
                        __dd_tags
                            .slo(
                                "tenant",
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
            { 1 }
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
#[dd_timed(__dd_stacked)]
#[dd_slo(__dd_stacked)]
async fn authorize(order_id: u64, cents: u32) -> Result<Receipt, PayError> {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(
        ::core::module_path!(), "::", "authorize"
    );
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "authorize")
    );
    static __DD_SLO: __dd_private::Slo = __dd_private::Slo::__new(
            "checkout-payment",
            99.9f64,
            ::core::option::Option::Some(500u64),
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
                ::core::option::Option::Some("POST /charge"),
                "client",
                ::core::option::Option::Some("payments-gateway"),
                ::core::option::Option::None,
                false,
                &[],
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
            let __dd_span = __dd_private::new_span(|| {
                __dd_private::tracing::span!(
                    target : ::core::module_path!(), __dd_private::tracing::Level::INFO,
                    __DD_OPERATION, "otel.kind" = "client", "operation.name" =
                    __DD_OPERATION, "resource.name" = "POST /charge", "peer.service" =
                    "payments-gateway", "code.function.name" = __DD_FUNCTION,
                    "error.type" = __dd_private::tracing::field::Empty, "error.message" =
                    __dd_private::tracing::field::Empty, "error.stack" =
                    __dd_private::tracing::field::Empty, "otel.status_description" =
                    __dd_private::tracing::field::Empty
                )
            });
            __dd_private::Call::start(
                ::core::option::Option::Some(&__DD_SITE),
                __dd_span,
            )
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
                    let __dd_fake: Result<Receipt, PayError> = loop {};
                    return __dd_fake;
                }
                { gateway(order_id, cents).await }
            },
            {
                #[allow(
                    clippy::ref_option_ref,
                    clippy::borrowed_box,
                    clippy::ref_option,
                    clippy::rc_buffer
                )]
                let __dd_classify = |__dd_value: &Result<Receipt, PayError>| {
                    __dd_private::outcome_of!(__dd_value)
                };
                __dd_classify
            },
        )
        .await
}
