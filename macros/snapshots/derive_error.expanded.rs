//! `#[derive(DdError)]`: `error.type` is the module path and the type (and variant) name.
#[derive(Debug)]
enum PayError<E> {
    Declined,
    Gateway { status: u16 },
    Io(E),
}
const _: () = {
    #[automatically_derived]
    impl<E> ::dd_instrument::DdError for PayError<E>
    where
        PayError<E>: ::std::error::Error,
    {
        fn error_type(&self) -> &str {
            match self {
                Self::Declined { .. } => {
                    ::core::concat!(::core::module_path!(), "::PayError::Declined")
                }
                Self::Gateway { .. } => {
                    ::core::concat!(::core::module_path!(), "::PayError::Gateway")
                }
                Self::Io { .. } => {
                    ::core::concat!(::core::module_path!(), "::PayError::Io")
                }
            }
        }
    }
};
struct Timeout;
const _: () = {
    #[diagnostic::on_unimplemented(
        message = "`Timeout` derives `DdError` but does not implement `std::error::Error`",
        label = "`DdError` names errors: this type must implement `std::error::Error`",
        note = "a span records an `Err` through its `std::error::Error` impl (`Display` for `error.message`, `source()` for `error.stack`), and only then takes `error.type` from `DdError`: on any other type, `DdError` would be ignored",
        note = "implement `Display` and `Error`, with `#[derive(Debug)]` on the type:\nimpl std::fmt::Display for Timeout {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.write_str(\"..\")\n    }}\n}}\nimpl std::error::Error for Timeout {{}}\nor derive `Display` and `Error` with `thiserror::Error`"
    )]
    trait DdErrorIsError {
        fn __dd_check() {}
    }
    #[diagnostic::do_not_recommend]
    impl<T: ?Sized + ::std::error::Error> DdErrorIsError for T {}
    const _: fn() = <Timeout as DdErrorIsError>::__dd_check;
    #[automatically_derived]
    impl ::dd_instrument::DdError for Timeout {
        fn error_type(&self) -> &str {
            ::core::concat!(::core::module_path!(), "::Timeout")
        }
    }
};
enum Never {}
const _: () = {
    #[diagnostic::on_unimplemented(
        message = "`Never` derives `DdError` but does not implement `std::error::Error`",
        label = "`DdError` names errors: this type must implement `std::error::Error`",
        note = "a span records an `Err` through its `std::error::Error` impl (`Display` for `error.message`, `source()` for `error.stack`), and only then takes `error.type` from `DdError`: on any other type, `DdError` would be ignored",
        note = "implement `Display` and `Error`, with `#[derive(Debug)]` on the type:\nimpl std::fmt::Display for Never {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.write_str(\"..\")\n    }}\n}}\nimpl std::error::Error for Never {{}}\nor derive `Display` and `Error` with `thiserror::Error`"
    )]
    trait DdErrorIsError {
        fn __dd_check() {}
    }
    #[diagnostic::do_not_recommend]
    impl<T: ?Sized + ::std::error::Error> DdErrorIsError for T {}
    const _: fn() = <Never as DdErrorIsError>::__dd_check;
    #[automatically_derived]
    impl ::dd_instrument::DdError for Never {
        fn error_type(&self) -> &str {
            match *self {}
        }
    }
};
union Bits {
    value: u32,
}
::core::compile_error! {
    "`#[derive(DdError)]` supports enums and structs, not unions; implement `DdError` by hand"
}
const _: () = {
    #[automatically_derived]
    impl ::dd_instrument::DdError for Bits {
        fn error_type(&self) -> &str {
            ""
        }
    }
};
