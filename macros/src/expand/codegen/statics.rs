//! Constants and statics of the function, computed at compile time: one set per function.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::LitStr;

use super::{Plan, option};
use crate::attr::slo::SloConfig;
use crate::grammar::tags::Tag;

/// Constants and statics, computed at compile time: one set per function.
pub(super) fn items(plan: &Plan, fn_name: &LitStr) -> TokenStream {
    let p = &plan.private;
    let mut items = TokenStream::new();
    if plan.span.is_some() || plan.slo.is_some() {
        items.extend(quote!(
            const __DD_FUNCTION: &str = ::core::concat!(::core::module_path!(), "::", #fn_name);
        ));
    }
    let operation = plan.span.as_ref().and_then(|span| span.name.as_ref()).map_or_else(
        || quote!(#p::operation_name!(::core::concat!(::core::module_path!(), "::", #fn_name))),
        ToTokens::to_token_stream,
    );
    items.extend(quote!(const __DD_OPERATION: &str = #operation;));
    if let Some(SloConfig { name, target, latency_ms, tags, .. }) = &plan.slo {
        let target = proc_macro2::Literal::f64_suffixed(*target);
        let latency = option(latency_ms.map(|ms| proc_macro2::Literal::u64_suffixed(ms).into_token_stream()));
        let static_tags = static_tags(tags);
        items.extend(quote! {
            static __DD_SLO: #p::Slo =
                #p::Slo::__new(#name, #target, #latency, __DD_OPERATION, __DD_FUNCTION, &[#(#static_tags),*]);
            #p::inventory::submit! { #p::SloEntry(&__DD_SLO) }
        });
    }
    if plan.has_site() {
        let timer = option(plan.timed.as_ref().map(|timed| {
            let name = timed
                .name
                .as_ref()
                .map_or_else(|| quote!(#p::concat!(__DD_OPERATION, ".duration")), ToTokens::to_token_stream);
            let static_tags = static_tags(&timed.tags);
            quote!(#p::TimerMeta::new(#name, &[#(#static_tags),*]))
        }));
        let slo = option(plan.slo.as_ref().map(|_| quote!(&__DD_SLO)));
        items.extend(quote! {
            static __DD_SITE: #p::CallSite = #p::CallSite::new(__DD_OPERATION, #timer, #slo);
        });
    }
    items
}

/// The static `key:value` tags of a metric: its literal tags.
fn static_tags(tags: &[Tag]) -> Vec<&str> {
    tags.iter()
        .filter_map(|tag| match tag {
            Tag::Lit { value, .. } => Some(value.metric.as_str()),
            Tag::Expr { .. } | Tag::Spread(_) => None,
        })
        .collect()
}
