//! `db(..)`: a statement bound once as `&str`, its shape kept in a site static; the database
//! fields declared once each, the resource the obfuscated statement or the function name.
const FIND: &str = "SELECT * FROM orders WHERE id = $1";
fn find_order(tenant: &str) -> u32 {
    use ::dd_instrument::__private as __dd_private;
    const __DD_FUNCTION: &str = ::core::concat!(
        ::core::module_path!(), "::", "find_order"
    );
    const __DD_OPERATION: &str = __dd_private::operation_name!(
        ::core::concat!(::core::module_path!(), "::", "find_order")
    );
    static __DD_DEFINITION: __dd_private::FunctionDef = __dd_private::FunctionDef::__new(
        __DD_FUNCTION,
        __DD_OPERATION,
        ::core::option::Option::Some(
            __dd_private::SpanDef::__new(
                ::core::option::Option::None,
                "client",
                ::core::option::Option::None,
                ::core::option::Option::Some("sql"),
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
    static __DD_DB: __dd_private::DbSite = __dd_private::DbSite::new("postgresql");
    let __dd_call = if __dd_private::active(false, true) {
        ::core::option::Option::Some({
            let __dd_tag_0 = &(tenant);
            let __dd_db_statement: &::core::primitive::str = &(FIND);
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
                let __dd_db = __DD_DB
                    .statement(::core::option::Option::Some(__dd_db_statement));
                let __dd_span = __dd_private::new_span(|| {
                    __dd_private::tracing::span!(
                        target : ::core::module_path!(),
                        __dd_private::tracing::Level::INFO, __DD_OPERATION, "otel.kind" =
                        "client", "operation.name" = __DD_OPERATION, "resource.name" =
                        __dd_db.resource().unwrap_or("find_order"), "span.type" = "sql",
                        "db.system" = "postgresql", "db.name" =
                        __dd_private::field!("db.name", __dd_tag_0.get()) .value(),
                        "db.operation" = __dd_db.operation(), "db.statement" = __dd_db
                        .recorded(), "server.address" = "db.internal", "out.host" =
                        "db.internal", "server.port" = 5432i64, "out.port" = 5432i64,
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
