//! `crate = path`: the runtime named once, in the `use` of `__private`, whichever stacked
//! attribute gives it; the string form; the derives' container options.
#[dd_span(__dd_stacked)]
fn stacked() {
    use obs::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", "stacked");
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "stacked")
    );
    static __DD_SLO: __dd_private::Slo = __dd_private::Slo::__new(
            "a",
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
        ::core::option::Option::None,
        ::core::option::Option::Some(&__DD_SLO),
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::SpanDef::__new(
                ::core::option::Option::Some("stacked"),
                "internal",
                ::core::option::Option::None,
                ::core::option::Option::None,
                false,
                &[],
            ),
        ),
        ::core::option::Option::None,
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
                    __DD_OPERATION, "operation.name" = __DD_OPERATION, "resource.name" =
                    "stacked", "code.function.name" = __DD_FUNCTION, "error.type" =
                    __dd_private::tracing::field::Empty, "error.message" =
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
#[dd_timed(__dd_stacked)]
fn string_form() {
    use crate::obs::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(
        ::core::module_path!(), "::", "string_form"
    );
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "string_form")
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
        ::core::option::Option::Some(
            __dd_private::SpanDef::__new(
                ::core::option::Option::Some("string_form"),
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
        ::core::option::Option::None,
    );
    __dd_private::inventory::submit! {
        __dd_private::FunctionEntry(& __DD_DEFINITION)
    }
    let __dd_call = if __dd_private::active(true, true) {
        ::core::option::Option::Some({
            let __dd_span = __dd_private::new_span(|| {
                __dd_private::tracing::span!(
                    target : ::core::module_path!(), __dd_private::tracing::Level::INFO,
                    __DD_OPERATION, "operation.name" = __DD_OPERATION, "resource.name" =
                    "string_form", "code.function.name" = __DD_FUNCTION, "error.type" =
                    __dd_private::tracing::field::Empty, "error.message" =
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
#[derive(Debug, Clone)]
#[dd_tags(crate = ::obs)]
struct Tags {
    region: String,
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
        fn __dd_check(&self) -> ::obs::__private::tags::Checked<'_, Self>;
    }
    #[diagnostic::do_not_recommend]
    impl<T: ?Sized + ::core::fmt::Display> TagValueIsDisplay for T {
        fn __dd_check(&self) -> ::obs::__private::tags::Checked<'_, Self> {
            ::obs::__private::CheckTag::__dd_checked_tag(self)
        }
    }
    #[automatically_derived]
    impl ::obs::DdTags for Tags {
        fn visit_tags(&self, __dd_visitor: &mut dyn ::obs::TagVisitor) {
            {
                let __dd_value = &self.region;
                let __dd_value = TagValueIsDisplay::__dd_check(
                    (*__dd_value).__dd_peel(),
                );
                __dd_visitor
                    .visit_tag("region", ::obs::__private::tag_value!(& __dd_value));
            }
        }
    }
};
#[derive(Debug)]
#[dd_error(crate = obs)]
enum Error {
    Declined,
}
const _: () = {
    #[diagnostic::on_unimplemented(
        message = "`Error` derives `DdError` but does not implement `std::error::Error`",
        label = "`DdError` names errors: this type must implement `std::error::Error`",
        note = "a span records an `Err` through its `std::error::Error` impl (`Display` for `error.message`, `source()` for `error.stack`), and only then takes `error.type` from `DdError`: on any other type, `DdError` would be ignored",
        note = "implement `Display` and `Error`, with `#[derive(Debug)]` on the type:\nimpl std::fmt::Display for Error {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.write_str(\"..\")\n    }}\n}}\nimpl std::error::Error for Error {{}}\nor derive `Display` and `Error` with `thiserror::Error`"
    )]
    trait DdErrorIsError {
        fn __dd_check() {}
    }
    #[diagnostic::do_not_recommend]
    impl<T: ?Sized + ::std::error::Error> DdErrorIsError for T {}
    const _: fn() = <Error as DdErrorIsError>::__dd_check;
    #[automatically_derived]
    impl obs::DdError for Error {
        fn error_type(&self) -> &str {
            match self {
                Self::Declined { .. } => {
                    ::core::concat!(::core::module_path!(), "::Error::Declined")
                }
            }
        }
    }
};
