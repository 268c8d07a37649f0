//! `#[dd_slo]` alone: an `Slo` static registered with `inventory`, and the `CallSite` counting
//! it.
async fn charge() -> Result<(), PayError> {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", "charge");
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "charge")
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
        ::core::option::Option::None,
        ::core::option::Option::Some(&__DD_SLO),
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::None,
        ::core::option::Option::None,
        ::core::option::Option::Some(&__DD_SLO),
    );
    __dd_private::inventory::submit! {
        __dd_private::FunctionEntry(& __DD_DEFINITION)
    }
    let __dd_call = if __dd_private::active(true, false) {
        ::core::option::Option::Some({
            let __dd_span = __dd_private::tracing::Span::none();
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
                    let __dd_fake: Result<(), PayError> = loop {};
                    return __dd_fake;
                }
                { Ok(()) }
            },
            {
                #[allow(
                    clippy::ref_option_ref,
                    clippy::borrowed_box,
                    clippy::ref_option,
                    clippy::rc_buffer
                )]
                let __dd_classify = |__dd_value: &Result<(), PayError>| {
                    __dd_private::outcome_of!(__dd_value)
                };
                __dd_classify
            },
        )
        .await
}
fn integer_target() {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(
        ::core::module_path!(), "::", "integer_target"
    );
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "integer_target")
    );
    static __DD_SLO: __dd_private::Slo = __dd_private::Slo::__new(
            "v2.checkout/eu:west",
            99f64,
            ::core::option::Option::Some(500u64),
            __DD_OPERATION,
            __DD_FUNCTION,
            &["tier:gold"],
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
        ::core::option::Option::None,
        ::core::option::Option::Some(&__DD_SLO),
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::None,
        ::core::option::Option::None,
        ::core::option::Option::Some(&__DD_SLO),
    );
    __dd_private::inventory::submit! {
        __dd_private::FunctionEntry(& __DD_DEFINITION)
    }
    let __dd_call = if __dd_private::active(true, false) {
        ::core::option::Option::Some({
            let __dd_span = __dd_private::tracing::Span::none();
            __dd_private::Call::start(
                ::core::option::Option::Some(&__DD_SITE),
                __dd_span,
            )
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
            let __dd_classify = |__dd_value: &()| __dd_private::outcome_of!(__dd_value);
            __dd_classify
        },
    )
}
fn without_latency() {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(
        ::core::module_path!(), "::", "without_latency"
    );
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "without_latency")
    );
    static __DD_SLO: __dd_private::Slo = __dd_private::Slo::__new(
            "99th",
            99.95f64,
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
        ::core::option::Option::None,
        ::core::option::Option::Some(&__DD_SLO),
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::None,
        ::core::option::Option::None,
        ::core::option::Option::Some(&__DD_SLO),
    );
    __dd_private::inventory::submit! {
        __dd_private::FunctionEntry(& __DD_DEFINITION)
    }
    let __dd_call = if __dd_private::active(true, false) {
        ::core::option::Option::Some({
            let __dd_span = __dd_private::tracing::Span::none();
            __dd_private::Call::start(
                ::core::option::Option::Some(&__DD_SITE),
                __dd_span,
            )
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
            let __dd_classify = |__dd_value: &()| __dd_private::outcome_of!(__dd_value);
            __dd_classify
        },
    )
}
