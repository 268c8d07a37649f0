//! Generics, lifetimes, `where` clauses and `impl Trait`: an `impl Trait` in the return type
//! is erased to `_` in the fake return and the outcome closure leaves the type to inference.
fn longest<'a, T: AsRef<str> + ?Sized>(first: &'a T, second: &'a T) -> &'a str
where
    T: Sync,
{
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", "longest");
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "longest")
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::SpanDef::__new(
                ::core::option::Option::Some("longest"),
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
                    "longest", "code.function.name" = __DD_FUNCTION, "error.type" =
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
                let __dd_fake: &'a str = loop {};
                return __dd_fake;
            }
            {
                if first.as_ref().len() >= second.as_ref().len() {
                    first.as_ref()
                } else {
                    second.as_ref()
                }
            }
        },
        {
            #[allow(
                clippy::ref_option_ref,
                clippy::borrowed_box,
                clippy::ref_option,
                clippy::rc_buffer
            )]
            let __dd_classify = |__dd_value: &&'a str| {
                __dd_private::outcome_of!(__dd_value)
            };
            __dd_classify
        },
    )
}
fn display(value: impl Display) -> Result<impl Display, Error> {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", "display");
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "display")
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::SpanDef::__new(
                ::core::option::Option::Some("display"),
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
                    "display", "code.function.name" = __DD_FUNCTION, "error.type" =
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
                let __dd_fake: Result<_, Error> = loop {};
                return __dd_fake;
            }
            { Ok(value) }
        },
        |__dd_value| __dd_private::outcome_of!(__dd_value),
    )
}
async fn load<T, F>(make: F) -> T
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", "load");
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "load")
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
                    let __dd_fake: T = loop {};
                    return __dd_fake;
                }
                { make() }
            },
            {
                #[allow(
                    clippy::ref_option_ref,
                    clippy::borrowed_box,
                    clippy::ref_option,
                    clippy::rc_buffer
                )]
                let __dd_classify = |__dd_value: &T| {
                    __dd_private::outcome_of!(__dd_value)
                };
                __dd_classify
            },
        )
        .await
}
