//! Checks of the user's types that expansions need, with messages that say what to do.
//!
//! Each check is a trait declared in the expansion, implemented for every type that passes
//! (`impl<T: Display> TagValueIsDisplay for T`). Its `#[diagnostic::on_unimplemented]` gives the
//! message, and `#[diagnostic::do_not_recommend]` on the impl makes rustc report the check
//! itself, not the bound behind it. The expansion calls the check's function by its path, with
//! the user's value, spanned at the user's code: the error then points there, with no "required
//! by a bound in" note showing the runtime's internals, as a bound on a runtime function would.
//! The function returns the same type whether the check passes or not, so the code after it
//! raises no second error about the same value.
//!
//! The traits are declared where no user expression is in scope (a block of their own, or the
//! derive's `const _`), so their names cannot shadow the user's. rustc names them in one line of
//! the error ("the trait `charge::TagValueIsDisplay` is not implemented for `Region`"), which is
//! why they are named for what they check.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt as _;

use crate::tokens::respan;

/// The checks one expansion uses.
#[derive(Default)]
pub(crate) struct Checks {
    /// Tag values computed at run time: `Display`.
    pub(crate) tag_value: bool,
    /// `resource = <expression>`: `Display`.
    pub(crate) resource: bool,
    /// `..spread` tags: `DdTags`, named by the path `dd_tags`.
    pub(crate) spread: Option<TokenStream>,
}

/// What rustc says of a tag value whose type is not `Display`.
const TAG_VALUE: [&str; 3] = [
    "`{Self}` cannot be a tag value: it does not implement `Display`",
    "a tag value must implement `Display`",
    "a tag value is a string, an integer, a float, a boolean, or a value of any type that implements \
     `std::fmt::Display`; for its `Debug` form, write `format!(\"{{value:?}}\")`",
];

/// What rustc says of a resource whose type is not `Display`.
const RESOURCE: [&str; 3] = [
    "`{Self}` cannot be a span resource: it does not implement `Display`",
    "a resource must implement `Display`",
    "a resource is a string, or a value of any type that implements `std::fmt::Display`; for its `Debug` \
     form, write `format!(\"{{value:?}}\")`",
];

impl Checks {
    pub(crate) fn is_empty(&self) -> bool {
        !self.tag_value && !self.resource && self.spread.is_none()
    }

    /// The traits of the checks used; `p` is the path of the runtime's `__private`, `runtime`
    /// the runtime as users write it in messages (`dd_instrument`).
    pub(crate) fn items(&self, p: &TokenStream, runtime: &str) -> TokenStream {
        if self.is_empty() {
            return TokenStream::new();
        }
        // Method-call autoderef takes one reference off the value's type, as it would off a
        // receiver: a `region: &Region` that is not `Display` is reported as `Region`.
        let mut items = quote! {
            trait __DdPeel {
                fn __dd_peel(&self) -> &Self {
                    self
                }
            }
            impl<T: ?Sized> __DdPeel for T {}
        };
        if self.tag_value {
            let [message, label, note] = TAG_VALUE;
            items.extend(quote! {
                #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
                trait TagValueIsDisplay {
                    fn __dd_check(&self) -> #p::tags::Checked<'_, Self>;
                }
                #[diagnostic::do_not_recommend]
                impl<T: ?Sized + ::core::fmt::Display> TagValueIsDisplay for T {
                    fn __dd_check(&self) -> #p::tags::Checked<'_, Self> {
                        #p::CheckTag::__dd_checked_tag(self)
                    }
                }
            });
        }
        if self.resource {
            let [message, label, note] = RESOURCE;
            items.extend(quote! {
                #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
                trait ResourceIsDisplay {
                    fn __dd_check(&self) -> &Self {
                        self
                    }
                }
                #[diagnostic::do_not_recommend]
                impl<T: ?Sized + ::core::fmt::Display> ResourceIsDisplay for T {}
            });
        }
        if let Some(dd_tags) = &self.spread {
            let message = "`{Self}` does not implement `DdTags`, so `..` cannot add its tags";
            let label = "`..` adds the tags of a value whose type implements `DdTags`";
            let derive = format!(
                "derive it on the struct, `#[derive({runtime}::DdTags)]`, for one tag per field; or implement \
                 `DdTags` by hand"
            );
            // A derive on a generic struct has bounds (`T: Display` for a field `label: T`), which
            // this message cannot name: it says where to look.
            let generic = "a generic struct that derives `DdTags` implements it when the types of its generic fields \
                           implement `Display`";
            items.extend(quote! {
                #[diagnostic::on_unimplemented(message = #message, label = #label, note = #derive, note = #generic)]
                trait SpreadIsDdTags {
                    fn __dd_tags<'a>(this: &'a &Self) -> &'a dyn #dd_tags;
                }
                #[diagnostic::do_not_recommend]
                impl<T: ?Sized + #dd_tags> SpreadIsDdTags for T {
                    fn __dd_tags<'a>(this: &'a &Self) -> &'a dyn #dd_tags {
                        this
                    }
                }
            });
        }
        items
    }
}

/// `local`, a `&(expr)` of a tag value, checked: a `Checked` that is `Display` whatever it holds.
pub(crate) fn tag_value(local: &TokenStream, span: Span) -> TokenStream {
    respan(quote!(TagValueIsDisplay::__dd_check((*#local).__dd_peel())), span)
}

/// `local`, a `&(expr)` of a resource, checked: a reference to the value.
pub(crate) fn resource(local: &TokenStream, span: Span) -> TokenStream {
    respan(quote!(ResourceIsDisplay::__dd_check((*#local).__dd_peel())), span)
}

/// The statements that turn `local`, a `&(expr)` of a spread, into a `&dyn DdTags`.
pub(crate) fn spread(local: &syn::Ident, span: Span) -> TokenStream {
    let peeled = format_ident!("{local}_peeled", span = local.span());
    let peel = respan(quote!((*#local).__dd_peel()), span);
    let check = respan(quote!(SpreadIsDdTags::__dd_tags(&#peeled)), span);
    quote! {
        let #peeled = #peel;
        let #local = #check;
    }
}

/// The check that `ident`, a `#[derive(DdError)]` type without type or const parameters,
/// implements `std::error::Error`, reported at its name: `const _: fn() = <Type as
/// DdErrorIsError>::__dd_check;` (a `const`, so that nothing is left unused), with `'static`
/// for each lifetime parameter.
pub(crate) fn error(ident: &syn::Ident, generics: &syn::Generics) -> TokenStream {
    let lifetimes: Vec<String> = generics.lifetimes().map(|param| param.lifetime.to_string()).collect();
    let name = ident.unraw().to_string();
    let (shown, impl_generics) = if lifetimes.is_empty() {
        (name.clone(), String::new())
    } else {
        let lifetimes = lifetimes.join(", ");
        (format!("{name}<{lifetimes}>"), format!("<{lifetimes}>"))
    };
    let message = format!("`{shown}` derives `DdError` but does not implement `std::error::Error`");
    let label = "`DdError` names errors: this type must implement `std::error::Error`";
    let why = "a span records an `Err` through its `std::error::Error` impl (`Display` for `error.message`, \
               `source()` for `error.stack`), and only then takes `error.type` from `DdError`: on any other type, \
               `DdError` would be ignored";
    let how = format!(
        "implement `Display` and `Error`, with `#[derive(Debug)]` on the type:\n\
         impl{impl_generics} std::fmt::Display for {shown} {{{{\n\
         \x20   fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{{{\n\
         \x20       f.write_str(\"..\")\n\
         \x20   }}}}\n\
         }}}}\n\
         impl{impl_generics} std::error::Error for {shown} {{{{}}}}\n\
         or derive `Display` and `Error` with `thiserror::Error`"
    );
    let statics = generics.lifetimes().map(|_| quote!('static));
    let ty = if generics.lifetimes().next().is_some() { quote!(#ident<#(#statics),*>) } else { quote!(#ident) };
    let check = respan(quote!(<#ty as DdErrorIsError>::__dd_check), ident.span());
    quote! {
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #why, note = #how)]
        trait DdErrorIsError {
            fn __dd_check() {}
        }
        #[diagnostic::do_not_recommend]
        impl<T: ?Sized + ::std::error::Error> DdErrorIsError for T {}
        const _: fn() = #check;
    }
}
