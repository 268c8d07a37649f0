//! Functions whose last expression is an `async` block, as `#[async_trait]` generates them: the
//! call starts when the function is called and the returned future is instrumented.
impl Store for Db {
    fn load<'life0, 'async_trait>(
        &'life0 self,
        id: u32,
    ) -> ::core::pin::Pin<
        Box<
            dyn ::core::future::Future<
                Output = Result<u32, StoreError>,
            > + ::core::marker::Send + 'async_trait,
        >,
    >
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        use ::dd_instrument::__private as __dd_private;
        const __DD_FUNCTION: &str = ::core::concat!(
            ::core::module_path!(), "::", "load"
        );
        const __DD_OPERATION: &str = __dd_private::operation_name!(
            ::core::concat!(::core::module_path!(), "::", "load")
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
                        "load"), "code.function.name" = __DD_FUNCTION, "error.type" =
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
        Box::pin(
            __dd_private::Instrumented::new(
                __dd_call,
                async move {
                    let __self = self;
                    let id = id;
                    let __ret: Result<u32, StoreError> = { __self.get(id).await };
                    #[allow(unreachable_code)] __ret
                },
                {
                    #[allow(
                        clippy::ref_option_ref,
                        clippy::borrowed_box,
                        clippy::ref_option,
                        clippy::rc_buffer
                    )]
                    let __dd_classify = |__dd_value: &Result<u32, StoreError>| {
                        __dd_private::outcome_of!(__dd_value)
                    };
                    __dd_classify
                },
            ),
        )
    }
    fn opaque<'life0, 'async_trait>(
        &'life0 self,
    ) -> ::core::pin::Pin<
        Box<
            dyn ::core::future::Future<
                Output = impl Display,
            > + ::core::marker::Send + 'async_trait,
        >,
    >
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        use ::dd_instrument::__private as __dd_private;
        const __DD_FUNCTION: &str = ::core::concat!(
            ::core::module_path!(), "::", "opaque"
        );
        const __DD_OPERATION: &str = __dd_private::operation_name!(
            ::core::concat!(::core::module_path!(), "::", "opaque")
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
                        "opaque"), "code.function.name" = __DD_FUNCTION, "error.type" =
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
        Box::pin(
            __dd_private::Instrumented::new(
                __dd_call,
                async move { 1 },
                |__dd_value| __dd_private::outcome_of!(__dd_value),
            ),
        )
    }
}
fn later(id: u64) -> impl Future<Output = u64> {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", "later");
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "later")
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
    let doubled = id * 2;
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
        async move { doubled + 1 },
        |__dd_value| __dd_private::outcome_of!(__dd_value),
    )
}
