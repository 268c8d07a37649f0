//! Token helpers shared by the attribute macros' and the derives' code generation.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::Path;

/// The path generated code names the runtime by: `::dd_instrument` unless `crate = ..` says.
pub(crate) fn runtime_path(krate: Option<&Path>) -> TokenStream {
    krate.map_or_else(|| quote!(::dd_instrument), ToTokens::to_token_stream)
}

/// The runtime as messages show it: `dd_instrument`, or the `crate = ..` path (`observability`).
pub(crate) fn runtime_name(krate: Option<&Path>) -> String {
    krate.map_or_else(
        || "dd_instrument".to_owned(),
        |path| path.to_token_stream().to_string().replace(' ', "").trim_start_matches("::").to_owned(),
    )
}

/// `tokens` with every span set to `span`, so errors inside them point at the user's code.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut respanned = proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                tree = respanned.into();
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}
