//! `#[derive(DdError)]`: `error.type` is the module path and the type (and variant) name.
#[derive(Debug)]
enum PayError<E> {
    Declined,
    Gateway { status: u16 },
    Io(E),
}
const _: () = {
    #[automatically_derived]
    impl<E> ::dd_instrument::DdError for PayError<E> {
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
    #[automatically_derived]
    impl ::dd_instrument::DdError for Timeout {
        fn error_type(&self) -> &str {
            ::core::concat!(::core::module_path!(), "::Timeout")
        }
    }
};
enum Never {}
const _: () = {
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
