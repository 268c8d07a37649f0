//! A synchronous free function: the body runs in a closure through `Call::run_sync`, and the
//! outcome closure names the declared return type.
fn load_cart(user: u64) -> Result<u32, CartError> {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(
        ::core::module_path!(), "::", "load_cart"
    );
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "load_cart")
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
            let __dd_span = __dd_private::new_span(|| {
                __dd_private::tracing::span!(
                    target : ::core::module_path!(), __dd_private::tracing::Level::INFO,
                    __DD_OPERATION, "operation.name" = __DD_OPERATION, "resource.name" =
                    "load_cart", "code.function.name" = __DD_FUNCTION, "error.type" =
                    __dd_private::tracing::field::Empty, "error.message" =
                    __dd_private::tracing::field::Empty, "error.stack" =
                    __dd_private::tracing::field::Empty, "otel.status_description" =
                    __dd_private::tracing::field::Empty
                )
            });
            __dd_private::Call::start(::core::option::Option::None, __dd_span)
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
                let __dd_fake: Result<u32, CartError> = loop {};
                return __dd_fake;
            }
            {
                if user == 0 {
                    return Err(CartError::NoUser);
                }
                let count = lookup(user)?;
                Ok(count)
            }
        },
        {
            #[allow(
                clippy::ref_option_ref,
                clippy::borrowed_box,
                clippy::ref_option,
                clippy::rc_buffer
            )]
            let __dd_classify = |__dd_value: &Result<u32, CartError>| {
                __dd_private::outcome_of!(__dd_value)
            };
            __dd_classify
        },
    )
}
fn no_return_type(user: u64) {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(
        ::core::module_path!(), "::", "no_return_type"
    );
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "no_return_type")
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::SpanDef::__new(
                ::core::option::Option::Some("no_return_type"),
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
            let __dd_span = __dd_private::new_span(|| {
                __dd_private::tracing::span!(
                    target : ::core::module_path!(), __dd_private::tracing::Level::INFO,
                    __DD_OPERATION, "operation.name" = __DD_OPERATION, "resource.name" =
                    "no_return_type", "code.function.name" = __DD_FUNCTION, "error.type"
                    = __dd_private::tracing::field::Empty, "error.message" =
                    __dd_private::tracing::field::Empty, "error.stack" =
                    __dd_private::tracing::field::Empty, "otel.status_description" =
                    __dd_private::tracing::field::Empty
                )
            });
            __dd_private::Call::start(::core::option::Option::None, __dd_span)
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
            {
                println!("{user}");
            }
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
