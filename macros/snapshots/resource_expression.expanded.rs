//! `resource = <expression>`: evaluated once per call before the span, checked `Display`,
//! recorded through `field!`.
fn load_cart(shard: u32) {
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
                ::core::option::Option::None,
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
            let __dd_resource = &(format!("GET /carts/{}", shard));
            {
                trait __DdPeel {
                    fn __dd_peel(&self) -> &Self {
                        self
                    }
                }
                impl<T: ?Sized> __DdPeel for T {}
                #[diagnostic::on_unimplemented(
                    message = "`{Self}` cannot be a span resource: it does not implement `Display`",
                    label = "a resource must implement `Display`",
                    note = "a resource is a string, or a value of any type that implements `std::fmt::Display`; for its `Debug` form, write `format!(\"{{value:?}}\")`"
                )]
                trait ResourceIsDisplay {
                    fn __dd_check(&self) -> &Self {
                        self
                    }
                }
                #[diagnostic::do_not_recommend]
                impl<T: ?Sized + ::core::fmt::Display> ResourceIsDisplay for T {}
                let __dd_resource = ResourceIsDisplay::__dd_check(
                    (*__dd_resource).__dd_peel(),
                );
                let __dd_span = __dd_private::new_span(|| {
                    __dd_private::tracing::span!(
                        target : ::core::module_path!(),
                        __dd_private::tracing::Level::INFO, __DD_OPERATION,
                        "operation.name" = __DD_OPERATION, "resource.name" =
                        __dd_private::field!("resource.name", __dd_resource) .value(),
                        "code.function.name" = __DD_FUNCTION, "error.type" =
                        __dd_private::tracing::field::Empty, "error.message" =
                        __dd_private::tracing::field::Empty, "error.stack" =
                        __dd_private::tracing::field::Empty, "otel.status_description" =
                        __dd_private::tracing::field::Empty
                    )
                });
                __dd_private::Call::start(::core::option::Option::None, __dd_span)
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
async fn handle(request: &Request) -> Response {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", "handle");
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "handle")
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::SpanDef::__new(
                ::core::option::Option::None,
                "server",
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
            let __dd_resource = &(request.route());
            {
                trait __DdPeel {
                    fn __dd_peel(&self) -> &Self {
                        self
                    }
                }
                impl<T: ?Sized> __DdPeel for T {}
                #[diagnostic::on_unimplemented(
                    message = "`{Self}` cannot be a span resource: it does not implement `Display`",
                    label = "a resource must implement `Display`",
                    note = "a resource is a string, or a value of any type that implements `std::fmt::Display`; for its `Debug` form, write `format!(\"{{value:?}}\")`"
                )]
                trait ResourceIsDisplay {
                    fn __dd_check(&self) -> &Self {
                        self
                    }
                }
                #[diagnostic::do_not_recommend]
                impl<T: ?Sized + ::core::fmt::Display> ResourceIsDisplay for T {}
                let __dd_resource = ResourceIsDisplay::__dd_check(
                    (*__dd_resource).__dd_peel(),
                );
                let __dd_span = __dd_private::new_span(|| {
                    __dd_private::tracing::span!(
                        target : ::core::module_path!(),
                        __dd_private::tracing::Level::INFO, __DD_OPERATION, "otel.kind" =
                        "server", "operation.name" = __DD_OPERATION, "resource.name" =
                        __dd_private::field!("resource.name", __dd_resource) .value(),
                        "code.function.name" = __DD_FUNCTION, "error.type" =
                        __dd_private::tracing::field::Empty, "error.message" =
                        __dd_private::tracing::field::Empty, "error.stack" =
                        __dd_private::tracing::field::Empty, "otel.status_description" =
                        __dd_private::tracing::field::Empty
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
                    let __dd_fake: Response = loop {};
                    return __dd_fake;
                }
                { respond(request).await }
            },
            {
                #[allow(
                    clippy::ref_option_ref,
                    clippy::borrowed_box,
                    clippy::ref_option,
                    clippy::rc_buffer
                )]
                let __dd_classify = |__dd_value: &Response| {
                    __dd_private::outcome_of!(__dd_value)
                };
                __dd_classify
            },
        )
        .await
}
