//! `#[derive(DdError)]`: `error.type` from the type and variant names, for a type that
//! implements `std::error::Error`.
//!
//! Spans record an `Err` through its `Error` impl (the message, the `source()` chain), and only
//! then ask `DdError` for `error.type`: on a type that is not an `Error`, `DdError` would be
//! silently ignored. The derive checks it instead ([`checks::error`]): a type without type
//! parameters must implement `Error`, and is reported at its name otherwise; a generic type gets
//! `DdError` where it implements `Error` (`impl<E> DdError for Wrapped<E> where Wrapped<E>:
//! Error`), since which of its instances do cannot be known here.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt as _;
use syn::{Data, DeriveInput, LitStr};

use crate::checks;
use crate::grammar::Errors;
use crate::tokens;

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut errors = Errors::default();
    let krate = super::crate_path(&input.attrs, &super::DD_ERROR, None, &mut errors);
    let runtime = tokens::runtime_path(krate.as_ref());
    let ident = &input.ident;
    let type_name = ident.unraw().to_string();
    let body = match &input.data {
        Data::Enum(data) if data.variants.is_empty() => quote!(match *self {}),
        Data::Enum(data) => {
            let arms = data.variants.iter().map(|variant| {
                let name = &variant.ident;
                let path = LitStr::new(&format!("::{type_name}::{}", name.unraw()), name.span());
                quote!(Self::#name { .. } => ::core::concat!(::core::module_path!(), #path),)
            });
            quote!(match self { #(#arms)* })
        }
        Data::Struct(_) => {
            let path = LitStr::new(&format!("::{type_name}"), ident.span());
            quote!(::core::concat!(::core::module_path!(), #path))
        }
        Data::Union(data) => {
            errors.error(
                data.union_token.span,
                "`#[derive(DdError)]` supports enums and structs, not unions; implement `DdError` by hand",
            );
            quote!("")
        }
    };
    let mut generics = input.generics.clone();
    let is_union = matches!(input.data, Data::Union(_));
    let generic = generics.type_params().next().is_some() || generics.const_params().next().is_some();
    let check = if is_union {
        // Already an error: one is enough.
        TokenStream::new()
    } else if generic {
        let (_, ty_generics, _) = input.generics.split_for_impl();
        generics.make_where_clause().predicates.push(syn::parse_quote!(#ident #ty_generics: ::std::error::Error));
        TokenStream::new()
    } else {
        checks::error(ident, &input.generics)
    };
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let errors = errors.to_compile_errors();
    quote! {
        #errors
        const _: () = {
            #check
            #[automatically_derived]
            impl #impl_generics #runtime::DdError for #ident #ty_generics #where_clause {
                fn error_type(&self) -> &str {
                    #body
                }
            }
        };
    }
}
