//! Phase 4: code generation. The function keeps its signature; its body becomes, in order:
//!
//! 1. [`statics`]: constants and statics computed at compile time (names, the SLO, the call site);
//! 2. [`call`]: per call, the values of `resource` and `tags` (each evaluated once), the span
//!    with its fields, and the started `Call`;
//! 3. [`body`]: the original body, run through the call.
//!
//! Code generation sees only the validated configs (in a [`Plan`]) and the function's
//! [`Shape`].

mod body;
mod call;
mod db;
mod statics;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::ext::IdentExt as _;
use syn::{AttrStyle, Attribute, ItemFn, LitStr, Path};

use super::shape::Shape;
use super::stack::Stack;
use crate::attr::slo::SloConfig;
use crate::attr::span::SpanConfig;
use crate::attr::timed::TimedConfig;
use crate::grammar::tags::Tag;
use crate::tokens;

/// Everything code generation needs.
pub(crate) struct Plan {
    span: Option<SpanConfig>,
    timed: Option<TimedConfig>,
    slo: Option<SloConfig>,
    /// `use ::dd_instrument::__private as __dd_private;`, or under the `crate = ..` path, with
    /// `DdTags as __DdTags` when the function spreads tags.
    ///
    /// The path is written once: an unresolved `crate = ..` path is one error, not one per use.
    import: TokenStream,
    /// `__dd_private`.
    private: TokenStream,
    /// `__DdTags`, when imported.
    dd_tags: Option<TokenStream>,
    /// The runtime as messages show it: `dd_instrument`, or the `crate = ..` path.
    runtime_name: String,
}

impl Plan {
    /// The plan for the validated attributes of one function, and the runtime under `krate`.
    pub(crate) fn new(stack: Stack, krate: Option<&Path>) -> Self {
        let runtime = tokens::runtime_path(krate);
        let private = syn::Ident::new("__dd_private", Span::call_site());
        let tags = [
            stack.span.as_ref().map(|config| &config.tags),
            stack.timed.as_ref().map(|config| &config.tags),
            stack.slo.as_ref().map(|config| &config.tags),
        ];
        let spreads = tags.into_iter().flatten().flatten().any(|tag| matches!(tag, Tag::Spread(_)));
        let (import, dd_tags) = if spreads {
            let dd_tags = syn::Ident::new("__DdTags", Span::call_site());
            (quote!(use #runtime::{DdTags as #dd_tags, __private as #private};), Some(dd_tags.into_token_stream()))
        } else {
            (quote!(use #runtime::__private as #private;), None)
        };
        Self {
            span: stack.span,
            timed: stack.timed,
            slo: stack.slo,
            import,
            private: private.into_token_stream(),
            dd_tags,
            runtime_name: tokens::runtime_name(krate),
        }
    }

    /// Whether the function has a call site: metrics to count.
    fn has_site(&self) -> bool {
        self.timed.is_some() || self.slo.is_some()
    }
}

/// The function with its body wrapped: statics, then the call start, then the body run through
/// the call.
pub(crate) fn generate(plan: &Plan, func: &ItemFn, shape: &Shape<'_>, is_method: bool) -> TokenStream {
    let ItemFn { attrs, vis, sig, block } = func;
    let (outer_attrs, inner_attrs): (Vec<&Attribute>, Vec<&Attribute>) =
        attrs.iter().partition(|attr| matches!(attr.style, AttrStyle::Outer));
    // `r#type` -> `type`.
    let fn_name = LitStr::new(&sig.ident.unraw().to_string(), sig.ident.span());
    let mut items = statics::items(plan, &fn_name, is_method);
    let call = call::start(plan, &fn_name, is_method, &mut items);
    let run = body::run(plan, shape, block, &call);
    let import = &plan.import;
    let mut wrapped = proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        quote! {
            #(#inner_attrs)*
            #import
            #items
            #run
        },
    );
    // Located at the user's braces: rustc points at the body of an `async fn` for the value it
    // returns.
    wrapped.set_span(body::user_braces(block));
    quote! {
        #(#outer_attrs)*
        #vis #sig #wrapped
    }
}

/// `::core::option::Option::Some(value)` or `::core::option::Option::None`.
fn option(value: Option<TokenStream>) -> TokenStream {
    value.map_or_else(|| quote!(::core::option::Option::None), |value| quote!(::core::option::Option::Some(#value)))
}
