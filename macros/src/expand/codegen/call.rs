//! The start of each call: the values of `resource` and `tags` (each evaluated once, then
//! checked), the span with Datadog's fields, and the started `Call` with its run-time metric tags.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{Expr, LitStr};

use super::{Plan, option};
use crate::attr::span::{Resource, SpanConfig};
use crate::checks::{self, Checks};
use crate::grammar::tags::Tag;
use crate::tokens::respan;

/// `let __dd_call = if active { Some({ .. }) } else { None };`: the span, then the started call,
/// when anything records the call.
///
/// Values computed per call are bound once each, inside the block, so their borrows of the
/// arguments end before the body takes them. Their types are then checked ([`checks`]) in an
/// inner block, where the checks' traits are out of the user expressions' scope.
pub(super) fn start(plan: &Plan, fn_name: &LitStr, is_method: bool, items: &mut TokenStream) -> TokenStream {
    let p = &plan.private;
    let mut bindings = Bindings::new(plan.dd_tags.as_ref());
    let span = if let Some(config) = &plan.span {
        let (fields, spreads, resource_static) = span_fields(config, p, fn_name, is_method, &mut bindings);
        items.extend(resource_static);
        let statement = config.db.as_ref().map(|db| {
            items.extend(super::db::site(db, p));
            super::db::statement(db, p, &mut bindings)
        });
        quote! {
            #statement
            // Through the runtime: no span while the thread's locals are being destroyed.
            let __dd_span = #p::new_span(|| #p::tracing::span!(
                target: ::core::module_path!(),
                #p::tracing::Level::INFO,
                __DD_OPERATION,
                #(#fields),*
            ));
            #(#spreads)*
        }
    } else {
        quote!(let __dd_span = #p::tracing::Span::none();)
    };
    let mut metric_tags = TokenStream::new();
    if let Some(timed) = &plan.timed {
        metric_tags.extend(runtime_metric_tags(&timed.tags, "timer", p, &mut bindings));
    }
    if let Some(slo) = &plan.slo {
        metric_tags.extend(runtime_metric_tags(&slo.tags, "slo", p, &mut bindings));
    }
    let start = if metric_tags.is_empty() {
        let site = option(plan.has_site().then(|| quote!(&__DD_SITE)));
        quote!(#p::Call::start(#site, __dd_span))
    } else {
        quote!(#p::Call::start_tagged(&__DD_SITE, __dd_span, |__dd_tags| { #metric_tags }))
    };
    let Bindings { evals, checks, used, .. } = bindings;
    // Nothing records the call (no exporter, no capture, no subscriber that wants the span): the
    // body runs plainly, and the values of `resource` and `tags` are not computed.
    let (metrics, spans) = (plan.has_site(), plan.span.is_some());
    let active = quote!(#p::active(#metrics, #spans));
    if used.is_empty() && evals.is_empty() {
        return quote! {
            let __dd_call = if #active {
                ::core::option::Option::Some({
                    #span
                    #start
                })
            } else {
                ::core::option::Option::None
            };
        };
    }
    let check_items = used.items(p, &plan.runtime_name);
    quote! {
        let __dd_call = if #active {
            ::core::option::Option::Some({
                #evals
                {
                    #check_items
                    #checks
                    #span
                    #start
                }
            })
        } else {
            ::core::option::Option::None
        };
    }
}

/// The span's fields, the `span_tags` calls for spread tags, and the resource cache static.
fn span_fields(
    config: &SpanConfig,
    p: &TokenStream,
    fn_name: &LitStr,
    is_method: bool,
    bindings: &mut Bindings<'_>,
) -> (Vec<TokenStream>, Vec<TokenStream>, TokenStream) {
    let mut fields = Vec::new();
    let mut resource_static = TokenStream::new();
    if let Some(kind) = config.kind {
        fields.push(quote!("otel.kind" = #kind));
    }
    fields.push(quote!("operation.name" = __DD_OPERATION));
    // A database call's resource is its obfuscated statement, when it has one.
    let db_resource = config.db.as_ref().is_some_and(|db| db.statement.is_some());
    match &config.resource {
        Resource::Lit(lit) => fields.push(quote!("resource.name" = #lit)),
        Resource::Expr(expr) => {
            let local = bindings.bind_resource(expr);
            let value = respan(quote!(#p::field!("resource.name", #local).value()), expr.span());
            fields.push(quote!("resource.name" = #value));
        }
        Resource::Default if is_method => {
            resource_static = quote!(static __DD_RESOURCE: #p::ResourceCache = #p::ResourceCache::new(););
            let default = quote!(#p::method_resource::<Self>(&__DD_RESOURCE, #fn_name));
            fields.push(if db_resource {
                quote!("resource.name" = __dd_db.resource().unwrap_or_else(|| #default))
            } else {
                quote!("resource.name" = #default)
            });
        }
        Resource::Default if db_resource => {
            fields.push(quote!("resource.name" = __dd_db.resource().unwrap_or(#fn_name)));
        }
        Resource::Default => fields.push(quote!("resource.name" = #fn_name)),
    }
    if let Some(span_type) = &config.span_type {
        fields.push(quote!("span.type" = #span_type));
    }
    if let Some(db) = &config.db {
        fields.extend(super::db::fields(db, p, bindings));
    }
    if let Some(peer) = &config.peer {
        fields.push(quote!("peer.service" = #peer));
    }
    if config.measured {
        fields.push(quote!("_dd.measured" = 1i64));
    }
    // `code.file.path`, `code.line.number` and `code.module.name` come from the span's static
    // metadata (the layer reads them without allocating); only the function needs a field.
    fields.push(quote!("code.function.name" = __DD_FUNCTION));
    for recorded in ["error.type", "error.message", "error.stack", "otel.status_description"] {
        fields.push(quote!(#recorded = #p::tracing::field::Empty));
    }
    let mut spreads = Vec::new();
    for tag in &config.tags {
        match tag {
            Tag::Lit { key, value } => {
                let field = &value.field;
                fields.push(quote!(#key = #field));
            }
            Tag::Expr { key, expr } => {
                let local = bindings.bind(key, expr);
                let value = respan(quote!(#p::field!(#key, #local.get()).value()), expr.span());
                fields.push(quote!(#key = #value));
            }
            Tag::Redacted { key, expr, value } => {
                bindings.evaluate(expr);
                let field = &value.field;
                fields.push(quote!(#key = #field));
            }
            Tag::Hashed { key, expr } => {
                // Hashed inside `span!`: only when the span is enabled. The hash is sent as it
                // is: hex digits that the detectors must not mistake for a card number.
                let local = bindings.bind(key, expr);
                let value = respan(quote!(#p::hashed_tag(&#local).as_str()), expr.span());
                fields.push(quote!(#key = #value));
            }
            Tag::Spread(expr) => {
                let local = bindings.bind_spread(expr);
                spreads.push(respan(quote!(#p::span_tags(&__dd_span, #local);), expr.span()));
            }
        }
    }
    (fields, spreads, resource_static)
}

/// Calls that add a metric's run-time tags (`CallTags::timer`, `timer_all`, `slo`, `slo_all`).
fn runtime_metric_tags(tags: &[Tag], metric: &str, p: &TokenStream, bindings: &mut Bindings<'_>) -> TokenStream {
    let mut calls = TokenStream::new();
    for tag in tags {
        // Method names spanned at the expression: rustc reports unmet bounds of a method call there.
        match tag {
            // `build` takes no `hash(..)` in the tags of a metric.
            Tag::Lit { .. } | Tag::Hashed { .. } => {}
            Tag::Redacted { expr, .. } => bindings.evaluate(expr),
            Tag::Expr { key, expr } => {
                let local = bindings.bind(key, expr);
                let one = format_ident!("{metric}", span = expr.span());
                // The typed value too: a string is copied as it is, without `core::fmt`.
                calls.extend(quote_spanned!(expr.span()=> __dd_tags.#one(#key, &#local, #p::tag_value!(&#local));));
            }
            Tag::Spread(expr) => {
                let local = bindings.bind_spread(expr);
                let all = format_ident!("{metric}_all", span = expr.span());
                calls.extend(quote_spanned!(expr.span()=> __dd_tags.#all(#local);));
            }
        }
    }
    calls
}

/// Expressions evaluated once per call, each bound to a `__dd_` local, and their checks.
#[derive(Default)]
pub(super) struct Bindings<'a> {
    /// The `DdTags` trait, when the function spreads tags (`__DdTags`).
    dd_tags: Option<&'a TokenStream>,
    /// (key or `..`, expression as text) -> local, in evaluation order.
    seen: Vec<(String, String, syn::Ident)>,
    /// `redact(expr)` expressions already evaluated, as text.
    evaluated: Vec<String>,
    /// `let __dd_tag_0 = &(expr);`: the user's expressions.
    evals: TokenStream,
    /// `let __dd_tag_0 = TagValueIsDisplay::__dd_check(..);`: their checks.
    checks: TokenStream,
    /// The checks used.
    used: Checks,
}

impl<'a> Bindings<'a> {
    fn new(dd_tags: Option<&'a TokenStream>) -> Self {
        Self { dd_tags, ..Self::default() }
    }

    /// The local holding the checked value of `key = expr` (`Checked`: `.get()` is `&(expr)`,
    /// and it is `Display`); the same `key = expr` in several attributes shares one.
    ///
    /// The value is checked once here, so a type that is not `Display` gets one error, at the
    /// expression, however many attributes use it.
    pub(super) fn bind(&mut self, key: &str, expr: &Expr) -> syn::Ident {
        self.used.tag_value = true;
        self.bind_with(key, expr, |local| {
            let checked = checks::tag_value(&local.to_token_stream(), expr.span());
            quote!(let #local = #checked;)
        })
    }

    /// Evaluates `expr` once per call without reading it: the value of `redact(expr)`. `let _`
    /// binds nothing (a `__dd_` local would trip `clippy::no_effect_underscore_binding` in the
    /// user's crate) and still counts as a use of the variables it names.
    fn evaluate(&mut self, expr: &Expr) {
        let text = expr.to_token_stream().to_string();
        if !self.evaluated.contains(&text) {
            self.evals.extend(quote_spanned!(expr.span()=> let _ = &(#expr);));
            self.evaluated.push(text);
        }
    }

    /// The local holding `&(expr)` of `..expr` as a `&dyn DdTags`, checked to be `DdTags`.
    fn bind_spread(&mut self, expr: &Expr) -> syn::Ident {
        self.used.spread = self.dd_tags.cloned();
        self.bind_with("..", expr, |local| checks::spread(local, expr.span()))
    }

    /// Binds `&(expr)` to a new local, and adds the statements `check` makes of it.
    fn bind_with(&mut self, key: &str, expr: &Expr, check: impl FnOnce(&syn::Ident) -> TokenStream) -> syn::Ident {
        let text = expr.to_token_stream().to_string();
        if let Some((_, _, local)) = self.seen.iter().find(|(k, t, _)| k == key && *t == text) {
            return syn::Ident::new(&local.to_string(), expr.span());
        }
        // Spanned at the expression, so type errors about the value point at it.
        let local = format_ident!("__dd_tag_{}", self.seen.len(), span = expr.span());
        self.evals.extend(quote!(let #local = &(#expr);));
        self.checks.extend(check(&local));
        self.seen.push((key.to_owned(), text, local.clone()));
        local
    }

    /// The local holding the statement of `db(statement = expr)`, as a `&str`: a type error
    /// points at the expression.
    pub(super) fn bind_statement(&mut self, expr: &Expr) -> syn::Ident {
        let local = format_ident!("__dd_db_statement", span = expr.span());
        self.evals.extend(quote_spanned!(expr.span()=> let #local: &::core::primitive::str = &(#expr);));
        local
    }

    /// The local holding `&(resource)`, checked to be `Display`.
    fn bind_resource(&mut self, expr: &Expr) -> syn::Ident {
        self.used.resource = true;
        let local = format_ident!("__dd_resource", span = expr.span());
        let checked = checks::resource(&local.to_token_stream(), expr.span());
        self.evals.extend(quote!(let #local = &(#expr);));
        self.checks.extend(quote!(let #local = #checked;));
        local
    }
}
