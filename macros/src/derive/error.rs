//! `#[derive(DdError)]`: `error.type` from the type and variant names.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt as _;
use syn::{Data, DeriveInput, LitStr};

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
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let errors = errors.to_compile_errors();
    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #runtime::DdError for #ident #ty_generics #where_clause {
                fn error_type(&self) -> &str {
                    #body
                }
            }
        };
    }
}
