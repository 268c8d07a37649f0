//! The original body, run through the call: in a closure (sync), an instrumented `async move`
//! block (`async fn`), or the returned `async` block instrumented (`#[async_trait]`).

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::{Block, ExprCall, Stmt, Type};

use super::Plan;
use crate::expand::shape::{Output, Shape};
use crate::tokens::respan;

/// The body, run through the call: a closure for a sync function, an instrumented `async move`
/// block for an `async fn`, the returned `async` block for `#[async_trait]` methods.
pub(super) fn run(plan: &Plan, shape: &Shape<'_>, block: &Block, call: &TokenStream) -> TokenStream {
    let p = &plan.private;
    let user_block = user_block(block);
    // The closure's or async block's header, located at the body's opening brace: rustc reports
    // a captured variable moved before the call ("value used here after move") at the header,
    // and the use in the body as "use occurs due to use in closure"; at the call site, the
    // header would underline the whole attribute.
    let at_body = Span::call_site().located_at(block.brace_token.span.open());
    match shape {
        Shape::Diverging => {
            let header = quote_spanned!(at_body=> move || -> ());
            quote! {
                #call
                #p::run_sync(__dd_call, #header #user_block, |_: &()| #p::Outcome::Ok);
                ::core::unreachable!("a function returning `!` returned")
            }
        }
        Shape::Sync(output) => {
            let (fake_return, classify) = (fake_return(output), classify(output.named.as_ref(), p));
            let header = quote_spanned!(at_body=> move ||);
            let (start, end) = tail_span(block);
            let mut arguments = proc_macro2::Group::new(
                proc_macro2::Delimiter::Parenthesis,
                quote!(__dd_call, #header { #fake_return #user_block }, #classify),
            );
            arguments.set_span(end);
            let run = respan(quote!(#p::run_sync), start);
            quote! {
                #call
                #run #arguments
            }
        }
        Shape::Async(output) => {
            let (fake_return, classify) = (fake_return(output), classify(output.named.as_ref(), p));
            let header = quote_spanned!(at_body=> async move);
            let (start, end) = tail_span(block);
            let instrumented = respan(quote!(#p::Instrumented::new), start);
            let awaited = quote_spanned!(end=> .await);
            quote! {
                #call
                #instrumented(__dd_call, #header { #fake_return #user_block }, #classify) #awaited
            }
        }
        Shape::ReturnsAsync { async_expr, boxed, output } => {
            // The `Call` starts when the function is called, the future measures until it completes.
            let classify = classify(output.as_ref(), p);
            let instrumented = quote!(#p::Instrumented::new(__dd_call, #async_expr, #classify));
            let last = match boxed {
                Some(ExprCall { attrs, func, .. }) => quote!(#(#attrs)* #func(#instrumented)),
                None => instrumented,
            };
            let before = &block.stmts[..block.stmts.len() - 1];
            quote! {
                #(#before)*
                #call
                #last
            }
        }
    }
}

/// The fake return statement for a body whose declared return is `output`.
///
/// The fake return (tracing-attributes' trick) makes the closure or async block return exactly
/// the declared type, so `?` and `return` infer as in the original function, and type errors
/// point at the user's return type.
fn fake_return(output: &Output) -> TokenStream {
    let Output { span, annotation, .. } = output;
    quote_spanned! {*span=>
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
            let __dd_fake: #annotation = loop {};
            return __dd_fake;
        }
    }
}

/// The outcome closure: typed by `named` when the return type can be named, else inferred.
fn classify(named: Option<&Type>, p: &TokenStream) -> TokenStream {
    named.map_or_else(|| quote!(|__dd_value| #p::outcome_of!(__dd_value)), |ty| classify_typed(&quote!(#ty), p))
}

/// The outcome closure for a return type `ty` that can be written: its parameter is `&ty`, which
/// lints about references to some types (`&Option<&T>`, `&Box<T>`) would flag in user code.
fn classify_typed(ty: &TokenStream, p: &TokenStream) -> TokenStream {
    quote! {{
        #[allow(clippy::ref_option_ref, clippy::borrowed_box, clippy::ref_option, clippy::rc_buffer)]
        let __dd_classify = |__dd_value: &#ty| #p::outcome_of!(__dd_value);
        __dd_classify
    }}
}

/// Where the body's tail expression starts and ends, with the call site's hygiene; the call site
/// when the body has no tail expression.
///
/// The expression that runs the body is given these spans, so that it covers the tail
/// expression: rustc points there when it reports the value the function returns ("return type
/// was inferred to be `Cart` here"), as it does without the attribute.
fn tail_span(block: &Block) -> (Span, Span) {
    let Some(Stmt::Expr(tail, None)) = block.stmts.last() else {
        return (Span::call_site(), Span::call_site());
    };
    let tokens = tail.to_token_stream();
    let start = tokens.clone().into_iter().next().map(|first| first.span());
    let end = tokens.into_iter().last().map(|last| last.span());
    let at = |span: Option<Span>| span.map_or_else(Span::call_site, |span| Span::call_site().located_at(span));
    (at(start), at(end))
}

/// The function's block as the tail of the wrapper's closure or `async` block.
///
/// The braces keep their location (errors about the block point at it) but take the call
/// site's hygiene: as the tail of another block, user-spanned braces around a single expression
/// would trip `unused_braces`.
fn user_block(block: &Block) -> TokenStream {
    let stmts = &block.stmts;
    let span = user_braces(block);
    let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, quote!(#(#stmts)*));
    group.set_span(span);
    group.into_token_stream()
}

/// The location of the function's braces, with the call site's hygiene.
pub(super) fn user_braces(block: &Block) -> Span {
    block.brace_token.span.join().resolved_at(Span::call_site())
}
