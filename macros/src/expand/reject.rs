//! Phase 1: what cannot take the attributes. The item must be a function with a body; a
//! `const fn` cannot be instrumented either. The error says what the item is and where the
//! attribute goes instead.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Block, Expr, Item, ItemFn, Signature, Stmt, Token, Visibility};

use crate::attr::Macro;
use crate::grammar::Errors;

/// Parses the annotated item as a function with a body. Otherwise returns the output: the tokens
/// as written and an error that says what they are.
pub(crate) fn function(first: Macro, item: TokenStream) -> Result<ItemFn, TokenStream> {
    let error = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(func)) => return Ok(func),
        Ok(other) => item_error(first, other),
        // Not an item: an expression or a statement, which rustc accepts only with unstable
        // features, but still expands.
        Err(error) => match syn::parse2::<Expr>(item.clone()) {
            Ok(expr) => {
                // Where an expression is expected, tokens after it would be a syntax error that
                // hides this one: the error goes first, in a block that keeps the expression.
                let error = expression_error(first, &expr).to_compile_error();
                return Err(quote!({ #error #expr }));
            }
            Err(_) => statement_error(first, &item).unwrap_or(error),
        },
    };
    let mut item = item;
    item.extend(error.to_compile_error());
    Err(item)
}

/// Why an item that is not a function cannot take the attribute.
fn item_error(first: Macro, item: Item) -> syn::Error {
    let attribute = first.name();
    match item {
        Item::Verbatim(tokens) => match syn::parse2::<BodylessFn>(tokens.clone()) {
            Ok(BodylessFn(sig)) => {
                let (fn_token, ident) = (&sig.fn_token, &sig.ident);
                syn::Error::new_spanned(
                    quote!(#fn_token #ident),
                    format_args!(
                        "`#[{attribute}]` needs a function body: put it on the method in each `impl`, \
                         not on a declaration without a body"
                    ),
                )
            }
            Err(_) => syn::Error::new_spanned(tokens, format_args!("`#[{attribute}]` goes on a function")),
        },
        other => {
            let (what, at, hint) = describe_item(&other);
            syn::Error::new_spanned(at, format_args!("`#[{attribute}]` goes on a function, not on {what}{hint}"))
        }
    }
}

/// Why an expression cannot take the attribute, at its head.
fn expression_error(first: Macro, expr: &Expr) -> syn::Error {
    let (what, head) = match expr {
        Expr::Closure(closure) => {
            let syn::ExprClosure { asyncness, capture, or1_token, or2_token, .. } = closure;
            ("a closure", quote!(#asyncness #capture #or1_token #or2_token))
        }
        Expr::Async(syn::ExprAsync { async_token, capture, .. }) => ("an `async` block", quote!(#async_token #capture)),
        other => ("an expression", other.to_token_stream()),
    };
    not_on(first, what, head)
}

/// Why a `let` statement cannot take the attribute; `None` for other tokens.
fn statement_error(first: Macro, item: &TokenStream) -> Option<syn::Error> {
    match syn::parse::Parser::parse2(Block::parse_within, item.clone()).as_deref() {
        Ok([Stmt::Local(local)]) => Some(not_on(first, "a `let` statement", local.let_token.to_token_stream())),
        _ => None,
    }
}

/// "goes on a function, not on `what`", at `head`.
fn not_on(first: Macro, what: &str, head: TokenStream) -> syn::Error {
    let attribute = first.name();
    syn::Error::new_spanned(
        head,
        format_args!(
            "`#[{attribute}]` goes on a function, not on {what}: move the code into a function and put \
             `#[{attribute}]` on it"
        ),
    )
}

/// A function declaration without a body: `fn f(&self) -> u32;`.
struct BodylessFn(Signature);

impl Parse for BodylessFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Attribute::parse_outer(input)?;
        input.parse::<Visibility>()?;
        let sig = input.parse()?;
        input.parse::<Token![;]>()?;
        Ok(Self(sig))
    }
}

/// What an item is, the tokens to point at (its keyword and name), and a hint.
fn describe_item(item: &Item) -> (&'static str, TokenStream, &'static str) {
    const ON_METHODS: &str = "; put it on the methods to instrument";
    fn named(keyword: &dyn ToTokens, ident: &syn::Ident) -> TokenStream {
        quote!(#keyword #ident)
    }
    match item {
        Item::Struct(item) => ("a struct", named(&item.struct_token, &item.ident), ""),
        Item::Enum(item) => ("an enum", named(&item.enum_token, &item.ident), ""),
        Item::Union(item) => ("a union", named(&item.union_token, &item.ident), ""),
        Item::Trait(item) => ("a trait", named(&item.trait_token, &item.ident), ON_METHODS),
        Item::Impl(item) => ("an `impl` block", item.impl_token.to_token_stream(), ON_METHODS),
        Item::Mod(item) => ("a module", named(&item.mod_token, &item.ident), ""),
        Item::Const(item) => ("a constant", named(&item.const_token, &item.ident), ""),
        Item::Static(item) => ("a static", named(&item.static_token, &item.ident), ""),
        Item::Type(item) => ("a type alias", named(&item.type_token, &item.ident), ""),
        Item::Use(item) => ("a `use` declaration", item.use_token.to_token_stream(), ""),
        Item::ForeignMod(item) => ("an `extern` block", item.abi.to_token_stream(), ""),
        Item::Macro(item) => ("a macro invocation", item.mac.path.to_token_stream(), ""),
        other => ("this item", other.to_token_stream(), ""),
    }
}

/// A `const fn` runs at compile time, where there is nothing to record.
pub(crate) fn const_fn(first: Macro, sig: &Signature, errors: &mut Errors) {
    if let Some(constness) = &sig.constness {
        errors.error(
            constness.span,
            format_args!(
                "`#[{}]` cannot instrument a `const fn`: spans and metrics exist only at run time; remove `const`",
                first.name()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    /// The output for `item`, which is not a function with a body.
    fn rejected(first: Macro, item: TokenStream) -> String {
        function(first, item).expect_err("not a function with a body").to_string()
    }

    #[test]
    fn items_keep_their_tokens_and_get_an_error() {
        assert_eq!(
            rejected(Macro::Span, quote! { struct S; }),
            quote! { struct S; ::core::compile_error! { "`#[dd_span]` goes on a function, not on a struct" } }
                .to_string()
        );
        let out = rejected(Macro::Slo, quote! { fn f(&self) -> u32; });
        assert!(out.contains("`#[dd_slo]` needs a function body: put it on the method in each `impl`"), "{out}");
        let out = rejected(Macro::Span, quote! { impl Cart {} });
        assert!(out.contains("not on an `impl` block; put it on the methods to instrument"), "{out}");
    }

    #[test]
    fn expressions_stay_expressions() {
        // The error first, in a block that keeps the value: tokens after an expression would be
        // a syntax error that hides this one.
        assert_eq!(
            rejected(Macro::Span, quote!(move |x: u32| x)),
            quote!({
                ::core::compile_error! {
                    "`#[dd_span]` goes on a function, not on a closure: move the code into a function and put `#[dd_span]` on it"
                }
                move |x: u32| x
            })
            .to_string()
        );
        let out = rejected(Macro::Slo, quote!(async { 1 }));
        assert!(out.contains("`#[dd_slo]` goes on a function, not on an `async` block"), "{out}");
    }

    #[test]
    fn statements_keep_their_tokens() {
        assert_eq!(
            rejected(Macro::Timed, quote! { let f = || 1; }),
            quote! {
                let f = || 1;
                ::core::compile_error! {
                    "`#[dd_timed]` goes on a function, not on a `let` statement: move the code into a function and put `#[dd_timed]` on it"
                }
            }
            .to_string()
        );
    }

    #[test]
    fn const_fns_cannot_be_instrumented() {
        let func: ItemFn = syn::parse_quote!(
            const fn f() {}
        );
        let mut errors = Errors::default();
        const_fn(Macro::Timed, &func.sig, &mut errors);
        assert_eq!(
            crate::grammar::tests::messages(errors.finish()),
            ["`#[dd_timed]` cannot instrument a `const fn`: spans and metrics exist only at run time; remove `const`"]
        );
    }
}
