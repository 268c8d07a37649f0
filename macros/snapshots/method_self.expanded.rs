//! Methods: `&self`, `&mut self`, `self`, and associated functions that mention `Self` get
//! `Type::method` as their default resource (a `ResourceCache` static); a nested item's `Self`
//! does not count.
impl Cart {
    fn total(&self) -> u64 {
        use ::dd_instrument::__private as __dd_private;
        const __DD_FUNCTION: &str = ::core::concat!(
            ::core::module_path!(), "::", "total"
        );
        const __DD_OPERATION: &str = __dd_private::operation_name!(
            ::core::concat!(::core::module_path!(), "::", "total")
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
        static __DD_RESOURCE: __dd_private::ResourceCache = __dd_private::ResourceCache::new();
        let __dd_call = if __dd_private::active(false, true) {
            ::core::option::Option::Some({
                let __dd_span = __dd_private::new_span(|| {
                    __dd_private::tracing::span!(
                        target : ::core::module_path!(),
                        __dd_private::tracing::Level::INFO, __DD_OPERATION,
                        "operation.name" = __DD_OPERATION, "resource.name" =
                        __dd_private::method_resource:: < Self > (& __DD_RESOURCE,
                        "total"), "code.function.name" = __DD_FUNCTION, "error.type" =
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
                    let __dd_fake: u64 = loop {};
                    return __dd_fake;
                }
                { self.items.iter().sum() }
            },
            {
                #[allow(
                    clippy::ref_option_ref,
                    clippy::borrowed_box,
                    clippy::ref_option,
                    clippy::rc_buffer
                )]
                let __dd_classify = |__dd_value: &u64| {
                    __dd_private::outcome_of!(__dd_value)
                };
                __dd_classify
            },
        )
    }
    async fn add(&mut self, item: u64) {
        use ::dd_instrument::__private as __dd_private;
        const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", "add");
        const __DD_OPERATION: &str = __dd_private::operation_name!(
            ::core::concat!(::core::module_path!(), "::", "add")
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
        static __DD_RESOURCE: __dd_private::ResourceCache = __dd_private::ResourceCache::new();
        let __dd_call = if __dd_private::active(false, true) {
            ::core::option::Option::Some({
                let __dd_span = __dd_private::new_span(|| {
                    __dd_private::tracing::span!(
                        target : ::core::module_path!(),
                        __dd_private::tracing::Level::INFO, __DD_OPERATION,
                        "operation.name" = __DD_OPERATION, "resource.name" =
                        __dd_private::method_resource:: < Self > (& __DD_RESOURCE,
                        "add"), "code.function.name" = __DD_FUNCTION, "error.type" =
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
                    {
                        self.items.push(item);
                    }
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
    fn into_items(self) -> Vec<u64> {
        use ::dd_instrument::__private as __dd_private;
        const __DD_FUNCTION: &str = ::core::concat!(
            ::core::module_path!(), "::", "into_items"
        );
        const __DD_OPERATION: &str = __dd_private::operation_name!(
            ::core::concat!(::core::module_path!(), "::", "into_items")
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
        static __DD_RESOURCE: __dd_private::ResourceCache = __dd_private::ResourceCache::new();
        let __dd_call = if __dd_private::active(false, true) {
            ::core::option::Option::Some({
                let __dd_span = __dd_private::new_span(|| {
                    __dd_private::tracing::span!(
                        target : ::core::module_path!(),
                        __dd_private::tracing::Level::INFO, __DD_OPERATION,
                        "operation.name" = __DD_OPERATION, "resource.name" =
                        __dd_private::method_resource:: < Self > (& __DD_RESOURCE,
                        "into_items"), "code.function.name" = __DD_FUNCTION, "error.type"
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
                    let __dd_fake: Vec<u64> = loop {};
                    return __dd_fake;
                }
                { self.items }
            },
            {
                #[allow(
                    clippy::ref_option_ref,
                    clippy::borrowed_box,
                    clippy::ref_option,
                    clippy::rc_buffer
                )]
                let __dd_classify = |__dd_value: &Vec<u64>| {
                    __dd_private::outcome_of!(__dd_value)
                };
                __dd_classify
            },
        )
    }
    fn new() -> Self {
        use ::dd_instrument::__private as __dd_private;
        const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", "new");
        const __DD_OPERATION: &str = __dd_private::operation_name!(
            ::core::concat!(::core::module_path!(), "::", "new")
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
        static __DD_RESOURCE: __dd_private::ResourceCache = __dd_private::ResourceCache::new();
        let __dd_call = if __dd_private::active(false, true) {
            ::core::option::Option::Some({
                let __dd_span = __dd_private::new_span(|| {
                    __dd_private::tracing::span!(
                        target : ::core::module_path!(),
                        __dd_private::tracing::Level::INFO, __DD_OPERATION,
                        "operation.name" = __DD_OPERATION, "resource.name" =
                        __dd_private::method_resource:: < Self > (& __DD_RESOURCE,
                        "new"), "code.function.name" = __DD_FUNCTION, "error.type" =
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
                    let __dd_fake: Self = loop {};
                    return __dd_fake;
                }
                { Self { items: Vec::new() } }
            },
            {
                #[allow(
                    clippy::ref_option_ref,
                    clippy::borrowed_box,
                    clippy::ref_option,
                    clippy::rc_buffer
                )]
                let __dd_classify = |__dd_value: &Self| {
                    __dd_private::outcome_of!(__dd_value)
                };
                __dd_classify
            },
        )
    }
    fn made_by_macro() -> Cart {
        use ::dd_instrument::__private as __dd_private;
        const __DD_FUNCTION: &str = ::core::concat!(
            ::core::module_path!(), "::", "made_by_macro"
        );
        const __DD_OPERATION: &str = __dd_private::operation_name!(
            ::core::concat!(::core::module_path!(), "::", "made_by_macro")
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
        static __DD_RESOURCE: __dd_private::ResourceCache = __dd_private::ResourceCache::new();
        let __dd_call = if __dd_private::active(false, true) {
            ::core::option::Option::Some({
                let __dd_span = __dd_private::new_span(|| {
                    __dd_private::tracing::span!(
                        target : ::core::module_path!(),
                        __dd_private::tracing::Level::INFO, __DD_OPERATION,
                        "operation.name" = __DD_OPERATION, "resource.name" =
                        __dd_private::method_resource:: < Self > (& __DD_RESOURCE,
                        "made_by_macro"), "code.function.name" = __DD_FUNCTION,
                        "error.type" = __dd_private::tracing::field::Empty,
                        "error.message" = __dd_private::tracing::field::Empty,
                        "error.stack" = __dd_private::tracing::field::Empty,
                        "otel.status_description" = __dd_private::tracing::field::Empty
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
                    let __dd_fake: Cart = loop {};
                    return __dd_fake;
                }
                { make!(Self) }
            },
            {
                #[allow(
                    clippy::ref_option_ref,
                    clippy::borrowed_box,
                    clippy::ref_option,
                    clippy::rc_buffer
                )]
                let __dd_classify = |__dd_value: &Cart| {
                    __dd_private::outcome_of!(__dd_value)
                };
                __dd_classify
            },
        )
    }
    fn nested_self_is_not_a_method() -> u32 {
        use ::dd_instrument::__private as __dd_private;
        const __DD_FUNCTION: &str = ::core::concat!(
            ::core::module_path!(), "::", "nested_self_is_not_a_method"
        );
        const __DD_OPERATION: &str = __dd_private::operation_name!(
            ::core::concat!(::core::module_path!(), "::", "nested_self_is_not_a_method")
        );
        static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
            __DD_FUNCTION,
            __DD_OPERATION,
            ::core::option::Option::Some(
                __dd_private::SpanDef::__new(
                    ::core::option::Option::Some("nested_self_is_not_a_method"),
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
                        target : ::core::module_path!(),
                        __dd_private::tracing::Level::INFO, __DD_OPERATION,
                        "operation.name" = __DD_OPERATION, "resource.name" =
                        "nested_self_is_not_a_method", "code.function.name" =
                        __DD_FUNCTION, "error.type" =
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
                    let __dd_fake: u32 = loop {};
                    return __dd_fake;
                }
                {
                    struct Inner;
                    impl Inner {
                        fn get(&self) -> u32 {
                            Self::VALUE
                        }
                    }
                    1
                }
            },
            {
                #[allow(
                    clippy::ref_option_ref,
                    clippy::borrowed_box,
                    clippy::ref_option,
                    clippy::rc_buffer
                )]
                let __dd_classify = |__dd_value: &u32| {
                    __dd_private::outcome_of!(__dd_value)
                };
                __dd_classify
            },
        )
    }
}
