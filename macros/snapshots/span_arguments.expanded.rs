//! `#[dd_span]` alone, with every literal argument: the fields of the span, in order, and the
//! literal tags kept typed (strings, integers, floats, booleans, integers beyond `i64` as text).
fn load_cart() {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(
        ::core::module_path!(), "::", "load_cart"
    );
    const __DD_OPERATION: &str = "cart.load";
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::SpanDef::__new(
                ::core::option::Option::Some("GET /carts"),
                "client",
                ::core::option::Option::Some("cart-db"),
                ::core::option::Option::Some("sql"),
                true,
                &[
                    "team:carts",
                    "order.priority:2",
                    "http.route:/carts",
                    "ratio:-0.5",
                    "cached:true",
                    "big:18446744073709551615",
                ],
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
                    __DD_OPERATION, "otel.kind" = "client", "operation.name" =
                    __DD_OPERATION, "resource.name" = "GET /carts", "span.type" = "sql",
                    "peer.service" = "cart-db", "_dd.measured" = 1i64,
                    "code.function.name" = __DD_FUNCTION, "error.type" =
                    __dd_private::tracing::field::Empty, "error.message" =
                    __dd_private::tracing::field::Empty, "error.stack" =
                    __dd_private::tracing::field::Empty, "otel.status_description" =
                    __dd_private::tracing::field::Empty, "team" = "carts",
                    "order.priority" = 2i64, "http.route" = "/carts", "ratio" = - 0.5f64,
                    "cached" = true, "big" = "18446744073709551615"
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
fn internal() {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(
        ::core::module_path!(), "::", "internal"
    );
    const __DD_OPERATION: &str = "work.step_2";
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::SpanDef::__new(
                ::core::option::Option::Some("internal"),
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
                    "internal", "code.function.name" = __DD_FUNCTION, "error.type" =
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
fn server() {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", "server");
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "server")
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::SpanDef::__new(
                ::core::option::Option::Some("POST /charge"),
                "server",
                ::core::option::Option::None,
                ::core::option::Option::Some("web"),
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
                    __DD_OPERATION, "otel.kind" = "server", "operation.name" =
                    __DD_OPERATION, "resource.name" = "POST /charge", "span.type" =
                    "web", "code.function.name" = __DD_FUNCTION, "error.type" =
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
