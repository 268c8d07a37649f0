//! Constants and statics of the function, computed at compile time: one set per function.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::LitStr;

use super::{Plan, option};
use crate::attr::slo::SloConfig;
use crate::attr::span::Resource;
use crate::attr::timed::TimedConfig;
use crate::grammar::tags::Tag;

/// Constants and statics, computed at compile time: one set per function.
pub(super) fn items(plan: &Plan, fn_name: &LitStr, is_method: bool) -> TokenStream {
    let p = &plan.private;
    let mut items = TokenStream::new();
    // Every annotated function has a path: spans and SLOs name it, the definitions registry too.
    items.extend(quote!(
        const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", #fn_name);
    ));
    let operation = plan.span.as_ref().and_then(|span| span.name.as_ref()).map_or_else(
        || quote!(#p::operation_name!(::core::concat!(::core::module_path!(), "::", #fn_name))),
        ToTokens::to_token_stream,
    );
    items.extend(quote!(const __DD_OPERATION: &str = #operation;));
    if let Some(SloConfig { name, target, latency_ms, timeframe, warning, description, tags, .. }) = &plan.slo {
        let target = proc_macro2::Literal::f64_suffixed(*target);
        let latency = option(latency_ms.map(|ms| proc_macro2::Literal::u64_suffixed(ms).into_token_stream()));
        let static_tags = static_tags(tags);
        let timeframe = syn::Ident::new(timeframe.unwrap_or("Days30"), proc_macro2::Span::call_site());
        let warning = option(warning.map(|w| proc_macro2::Literal::f64_suffixed(w).into_token_stream()));
        let description = option(description.as_ref().map(ToTokens::to_token_stream));
        items.extend(quote! {
            static __DD_SLO: #p::Slo =
                #p::Slo::__new(#name, #target, #latency, __DD_OPERATION, __DD_FUNCTION, &[#(#static_tags),*])
                    .__objective(#p::Timeframe::#timeframe, #warning, #description);
            #p::inventory::submit! { #p::SloEntry(&__DD_SLO) }
        });
    }
    if plan.has_site() {
        let timer = option(plan.timed.as_ref().map(|timed| {
            let name = timer_name(timed, p);
            let static_tags = static_tags(&timed.tags);
            quote!(#p::TimerMeta::new(#name, &[#(#static_tags),*]))
        }));
        let slo = option(plan.slo.as_ref().map(|_| quote!(&__DD_SLO)));
        items.extend(quote! {
            static __DD_SITE: #p::CallSite = #p::CallSite::new(__DD_OPERATION, #timer, #slo);
        });
    }
    items.extend(definition(plan, fn_name, is_method));
    items
}

/// The latency metric's name: given, or `<operation>.duration`.
fn timer_name(timed: &TimedConfig, p: &TokenStream) -> TokenStream {
    timed.name.as_ref().map_or_else(|| quote!(#p::concat!(__DD_OPERATION, ".duration")), ToTokens::to_token_stream)
}

/// The function's entry in the definitions registry: what it records, as far as it is known at
/// compile time (`dd_instrument::definitions` generates Datadog objects from it).
fn definition(plan: &Plan, fn_name: &LitStr, is_method: bool) -> TokenStream {
    let p = &plan.private;
    let span = option(plan.span.as_ref().map(|span| {
        // A resource computed at run time (an expression, or `Type::method`) is not known here.
        let statement = span.db.as_ref().is_some_and(|db| db.statement.is_some());
        let resource = option(match &span.resource {
            Resource::Lit(lit) => Some(lit.to_token_stream()),
            Resource::Default if !is_method && !statement => Some(fn_name.to_token_stream()),
            Resource::Default | Resource::Expr(_) => None,
        });
        let kind = span.kind.unwrap_or("internal");
        let peer = option(span.peer.as_ref().map(ToTokens::to_token_stream));
        let span_type = option(
            span.span_type
                .as_ref()
                .map(ToTokens::to_token_stream)
                .or_else(|| span.db.as_ref().map(|db| db.span_type.to_token_stream())),
        );
        let measured = span.measured;
        let static_tags = static_tags(&span.tags);
        quote!(#p::SpanDef::__new(#resource, #kind, #peer, #span_type, #measured, &[#(#static_tags),*]))
    }));
    let timer = option(plan.timed.as_ref().map(|timed| {
        let name = timer_name(timed, p);
        let static_tags = static_tags(&timed.tags);
        quote!(#p::TimerDef::__new(#name, &[#(#static_tags),*]))
    }));
    let slo = option(plan.slo.as_ref().map(|_| quote!(&__DD_SLO)));
    quote! {
        static __DD_DEFINITION: #p::FunctionDef =
            #p::FunctionDef::__new(__DD_FUNCTION, __DD_OPERATION, #span, #timer, #slo);
        #p::inventory::submit! { #p::FunctionEntry(&__DD_DEFINITION) }
    }
}

/// The static `key:value` tags of a metric: its literal tags.
fn static_tags(tags: &[Tag]) -> Vec<&str> {
    tags.iter()
        .filter_map(|tag| match tag {
            Tag::Lit { value, .. } | Tag::Redacted { value, .. } => Some(value.metric.as_str()),
            Tag::Expr { .. } | Tag::Hashed { .. } | Tag::Spread(_) => None,
        })
        .collect()
}
