//! What the three attribute macros share: finding the function, collecting the stacked
//! attributes, and generating the one wrapper they all expand to.
//!
//! Whichever of `#[dd_span]`, `#[dd_timed]` and `#[dd_slo]` expands first (the outermost) parses
//! the others too and generates for all of them, so a function with several gets one span, one
//! `Call`, one clock reading and one wrapping of its body. The others stay on the function as
//! `#[dd_timed(__dd_stacked)]` markers that expand to nothing (see [`stacked_marker`]).

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned as _;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{
    AttrStyle, Attribute, Block, Expr, ExprAsync, ExprCall, GenericArgument, Item, ItemFn, LitStr, Meta, Path,
    PathArguments, ReturnType, Signature, Stmt, Token, Type, TypeParamBound, Visibility,
};

use crate::args::{self, Errors, Macro, Tag};
use crate::slo::{self, SloConfig};
use crate::span::{self, Resource, SpanConfig};
use crate::timed::{self, TimedConfig};

/// Expands the attribute `first` with arguments `args` on `item`, together with the other
/// `dd_*` attributes found on `item`.
pub(crate) fn expand(first: Macro, args: TokenStream, item: TokenStream) -> TokenStream {
    if is_stacked_marker(&args) {
        // Already expanded by the outermost `dd_*` attribute of this function.
        return item;
    }
    let mut func = match parse_function(first, item) {
        Ok(func) => func,
        Err(output) => return output,
    };
    let mut errors = Errors::default();
    let mut stack = Stack::default();
    stack.add(first, None, args, &mut errors);
    let mut kept = Vec::with_capacity(func.attrs.len());
    for attr in std::mem::take(&mut func.attrs) {
        match stacked_macro(&attr) {
            Some(kind) => {
                let args = match &attr.meta {
                    Meta::Path(_) => TokenStream::new(),
                    Meta::List(list) => list.tokens.clone(),
                    Meta::NameValue(_) => {
                        errors.push(syn::Error::new_spanned(
                            &attr,
                            format_args!("expected `#[{0}]` or `#[{0}(..)]`", kind.name()),
                        ));
                        kept.push(stacked_marker(attr));
                        continue;
                    }
                };
                stack.add(kind, Some(&attr), args, &mut errors);
                kept.push(stacked_marker(attr));
            }
            None => kept.push(attr),
        }
    }
    func.attrs = kept;
    if let Some(constness) = &func.sig.constness {
        errors.error(
            constness.span,
            format_args!(
                "`#[{}]` cannot instrument a `const fn`: spans and metrics exist only at run time; remove `const`",
                first.name()
            ),
        );
    }
    let krate = stack.crate_path(&mut errors);
    if !errors.is_empty() {
        // The function as written, so the rest of the crate still type-checks.
        let errors = errors.to_compile_errors();
        return quote!(#func #errors);
    }
    let runtime = args::runtime_path(krate.as_ref());
    let private = syn::Ident::new("__dd_private", Span::call_site());
    let plan = Plan {
        span: stack.span,
        timed: stack.timed,
        slo: stack.slo,
        import: quote!(use #runtime::__private as #private;),
        private: private.into_token_stream(),
    };
    generate(&plan, &func)
}

/// Parses the annotated item as a function with a body. Otherwise returns the output: the tokens
/// as written and an error that says what they are.
fn parse_function(first: Macro, item: TokenStream) -> Result<ItemFn, TokenStream> {
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

/// The argument that marks a `dd_*` attribute as already expanded by another on the same function.
const STACKED: &str = "__dd_stacked";

/// `#[path(__dd_stacked)]` in place of a stacked attribute the outermost one has expanded.
///
/// Removing the attribute would leave its path unresolved, and a `use` that only it needs would
/// warn as unused; the marker keeps the path and expands to the function unchanged.
fn stacked_marker(mut attr: Attribute) -> Attribute {
    let path = attr.path().clone();
    let marker = syn::Ident::new(STACKED, Span::call_site());
    attr.meta = Meta::List(syn::MetaList {
        path,
        delimiter: syn::MacroDelimiter::Paren(syn::token::Paren::default()),
        tokens: quote!(#marker),
    });
    attr
}

fn is_stacked_marker(args: &TokenStream) -> bool {
    let mut trees = args.clone().into_iter();
    matches!((trees.next(), trees.next()), (Some(proc_macro2::TokenTree::Ident(ident)), None) if ident == STACKED)
}

/// Which `dd_*` attribute `attr` is, whatever path it is written with.
fn stacked_macro(attr: &Attribute) -> Option<Macro> {
    if attr.style != AttrStyle::Outer {
        return None;
    }
    let last = attr.path().segments.last()?;
    Macro::from_name(&last.ident.to_string())
}

/// The attributes found on one function, validated.
#[derive(Default)]
struct Stack {
    seen: Vec<Macro>,
    span: Option<SpanConfig>,
    timed: Option<TimedConfig>,
    slo: Option<SloConfig>,
}

impl Stack {
    /// Adds one attribute: `attr` is `None` for the one being expanded (reported at the call site).
    fn add(&mut self, kind: Macro, attr: Option<&Attribute>, args: TokenStream, errors: &mut Errors) {
        if self.seen.contains(&kind) {
            // The one being expanded comes first, so a duplicate is always a stacked attribute.
            errors.push(syn::Error::new_spanned(
                attr,
                format_args!("duplicate `#[{}]`: a function takes each `dd_*` attribute at most once", kind.name()),
            ));
            return;
        }
        self.seen.push(kind);
        let attr_span = attr.map_or_else(Span::call_site, |attr| attr.path().span());
        match kind {
            Macro::Span => self.span = errors.take(span::config(args)),
            Macro::Timed => self.timed = errors.take(timed::config(args)),
            Macro::Slo => self.slo = errors.take(slo::config(args, attr_span)),
        }
    }

    /// The `crate = ..` path: any of the attributes may give it, and those that do must agree.
    fn crate_path(&self, errors: &mut Errors) -> Option<Path> {
        let given = [
            self.span.as_ref().and_then(|config| config.krate.as_ref()),
            self.timed.as_ref().and_then(|config| config.krate.as_ref()),
            self.slo.as_ref().and_then(|config| config.krate.as_ref()),
        ];
        let mut chosen: Option<&Path> = None;
        for (span, path) in given.into_iter().flatten() {
            match chosen {
                None => chosen = Some(path),
                Some(first) if first.to_token_stream().to_string() != path.to_token_stream().to_string() => {
                    errors.error(
                        *span,
                        format_args!(
                            "conflicting `crate` paths `{}` and `{}`: give `crate = ..` once, on any of the attributes",
                            first.to_token_stream(),
                            path.to_token_stream()
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        chosen.cloned()
    }
}

/// Everything code generation needs.
struct Plan {
    span: Option<SpanConfig>,
    timed: Option<TimedConfig>,
    slo: Option<SloConfig>,
    /// `use ::dd_instrument::__private as __dd_private;`, or under the `crate = ..` path.
    ///
    /// The path is written once: an unresolved `crate = ..` path is one error, not one per use.
    import: TokenStream,
    /// `__dd_private`.
    private: TokenStream,
}

impl Plan {
    /// Whether the function has a call site: metrics to count.
    fn has_site(&self) -> bool {
        self.timed.is_some() || self.slo.is_some()
    }
}

/// The shape of the function body that gets instrumented.
enum Shape<'a> {
    /// A synchronous body: runs in a closure.
    Sync,
    /// An `async fn`: its body becomes an instrumented `async move` block.
    Async,
    /// A function whose last expression is an `async` block, possibly in `Box::pin(..)`, as
    /// `#[async_trait]` generates: the block is instrumented, the `Call` starts outside it.
    ReturnsAsync { async_expr: &'a ExprAsync, boxed: Option<&'a ExprCall> },
}

fn generate(plan: &Plan, func: &ItemFn) -> TokenStream {
    let ItemFn { attrs, vis, sig, block } = func;
    let (outer_attrs, inner_attrs): (Vec<&Attribute>, Vec<&Attribute>) =
        attrs.iter().partition(|attr| matches!(attr.style, AttrStyle::Outer));
    let fn_name = LitStr::new(&sig.ident.unraw_string(), sig.ident.span());
    let method = is_method(sig, block);
    let mut items = statics(plan, &fn_name);
    items.extend(definition(plan, &fn_name, method));
    let call = start_call(plan, &fn_name, method, &mut items);
    let body = run_body(plan, sig, block, &call);
    let import = &plan.import;
    let mut body = proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        quote! {
            #(#inner_attrs)*
            #import
            #items
            #body
        },
    );
    // Located at the user's braces: rustc points at the body of an `async fn` for the value it
    // returns.
    body.set_span(user_braces(block));
    quote! {
        #(#outer_attrs)*
        #vis #sig #body
    }
}

/// Constants and statics, computed at compile time: one set per function.
fn statics(plan: &Plan, fn_name: &LitStr) -> TokenStream {
    let p = &plan.private;
    let mut items = TokenStream::new();
    // Every annotated function has a path: the definitions registry names it.
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
        let timeframe = syn::Ident::new(timeframe.unwrap_or("Days30"), Span::call_site());
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
        let resource = option(match &span.resource {
            Resource::Lit(lit) => Some(lit.to_token_stream()),
            Resource::Default if !is_method => Some(fn_name.to_token_stream()),
            Resource::Default | Resource::Expr(_) => None,
        });
        let kind = span.kind.unwrap_or("internal");
        let peer = option(span.peer.as_ref().map(ToTokens::to_token_stream));
        let span_type = option(span.span_type.as_ref().map(ToTokens::to_token_stream));
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

/// `let __dd_call = { .. };`: the span, then the started call.
///
/// Values computed per call are bound once each, inside the block, so their borrows of the
/// arguments end before the body takes them.
fn start_call(plan: &Plan, fn_name: &LitStr, is_method: bool, items: &mut TokenStream) -> TokenStream {
    let p = &plan.private;
    let mut bindings = Bindings::new(p);
    let span = if let Some(config) = &plan.span {
        let (fields, spreads, resource_static) = span_fields(config, p, fn_name, is_method, &mut bindings);
        items.extend(resource_static);
        quote! {
            let __dd_span = #p::tracing::span!(
                target: ::core::module_path!(),
                #p::tracing::Level::INFO,
                __DD_OPERATION,
                #(#fields),*
            );
            #(#spreads)*
        }
    } else {
        quote!(let __dd_span = #p::tracing::Span::none();)
    };
    let mut metric_tags = TokenStream::new();
    if let Some(timed) = &plan.timed {
        metric_tags.extend(runtime_metric_tags(&timed.tags, "timer", &mut bindings));
    }
    if let Some(slo) = &plan.slo {
        metric_tags.extend(runtime_metric_tags(&slo.tags, "slo", &mut bindings));
    }
    let start = if metric_tags.is_empty() {
        let site = option(plan.has_site().then(|| quote!(&__DD_SITE)));
        quote!(#p::Call::start(#site, __dd_span))
    } else {
        quote!(#p::Call::start_tagged(&__DD_SITE, __dd_span, |__dd_tags| { #metric_tags }))
    };
    let lets = bindings.lets();
    quote! {
        let __dd_call = {
            #lets
            #span
            #start
        };
    }
}

/// The body, run through the call: a closure for a sync function, an instrumented `async move`
/// block for an `async fn`, the returned `async` block for `#[async_trait]` methods.
fn run_body(plan: &Plan, sig: &Signature, block: &Block, call: &TokenStream) -> TokenStream {
    let p = &plan.private;
    let user_block = user_block(block);
    // The closure's or async block's header, located at the body's opening brace: rustc reports
    // a captured variable moved before the call ("value used here after move") at the header,
    // and the use in the body as "use occurs due to use in closure"; at the call site, the
    // header would underline the whole attribute.
    let at_body = Span::call_site().located_at(block.brace_token.span.open());
    match shape(sig, block) {
        Shape::Sync if returns_never(&sig.output) => {
            // `!` cannot be named as a closure's return type on stable: the body runs as a
            // `()` closure (a diverging body coerces), and can only end by panicking.
            let header = quote_spanned!(at_body=> move || -> ());
            quote! {
                #call
                __dd_call.run_sync(#header #user_block, |_: &()| #p::Outcome::Ok);
                ::core::unreachable!("a function returning `!` returned")
            }
        }
        Shape::Sync => {
            let (fake_return, classify) = return_handling(&sig.output, sig.ident.span(), p);
            let header = quote_spanned!(at_body=> move ||);
            let (start, end) = tail_span(block);
            let mut arguments = proc_macro2::Group::new(
                proc_macro2::Delimiter::Parenthesis,
                quote!(#header { #fake_return #user_block }, #classify),
            );
            arguments.set_span(end);
            let run = quote_spanned!(start=> __dd_call.run_sync);
            quote! {
                #call
                #run #arguments
            }
        }
        Shape::Async => {
            let (fake_return, classify) = return_handling(&sig.output, sig.ident.span(), p);
            let header = quote_spanned!(at_body=> async move);
            let (start, end) = tail_span(block);
            let instrumented = respan(quote!(#p::Instrumented::new), start);
            let awaited = quote_spanned!(end=> .await);
            quote! {
                #call
                #instrumented(__dd_call, #header { #fake_return #user_block }, #classify) #awaited
            }
        }
        Shape::ReturnsAsync { async_expr, boxed } => {
            // The `Call` starts when the function is called, the future measures until it completes.
            let output = boxed.and(boxed_future_output(&sig.output)).filter(|output| !contains_impl_trait(output));
            let classify = output.map_or_else(
                || quote!(|__dd_value| #p::outcome_of!(__dd_value)),
                |output| classify_typed(&quote!(#output), p),
            );
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

/// `::core::option::Option::Some(value)` or `::core::option::Option::None`.
fn option(value: Option<TokenStream>) -> TokenStream {
    value.map_or_else(|| quote!(::core::option::Option::None), |value| quote!(::core::option::Option::Some(#value)))
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
fn user_braces(block: &Block) -> Span {
    block.brace_token.span.join().resolved_at(Span::call_site())
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
    match &config.resource {
        Resource::Lit(lit) => fields.push(quote!("resource.name" = #lit)),
        Resource::Expr(expr) => {
            let local = bindings.bind_resource(expr);
            let value = respan(quote!(#p::field!(#local)), expr.span());
            fields.push(quote!("resource.name" = #value));
        }
        Resource::Default if is_method => {
            resource_static = quote!(static __DD_RESOURCE: #p::ResourceCache = #p::ResourceCache::new(););
            fields.push(quote!("resource.name" = #p::method_resource::<Self>(&__DD_RESOURCE, #fn_name)));
        }
        Resource::Default => fields.push(quote!("resource.name" = #fn_name)),
    }
    if let Some(span_type) = &config.span_type {
        fields.push(quote!("span.type" = #span_type));
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
                let value = respan(quote!(#p::field!(#local.get())), expr.span());
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

/// The static `key:value` tags of a metric: its literal tags.
fn static_tags(tags: &[Tag]) -> Vec<&str> {
    tags.iter()
        .filter_map(|tag| match tag {
            Tag::Lit { value, .. } => Some(value.metric.as_str()),
            Tag::Expr { .. } | Tag::Spread(_) => None,
        })
        .collect()
}

/// Calls that add a metric's run-time tags (`CallTags::timer`, `timer_all`, `slo`, `slo_all`).
fn runtime_metric_tags(tags: &[Tag], metric: &str, bindings: &mut Bindings<'_>) -> TokenStream {
    let mut calls = TokenStream::new();
    for tag in tags {
        // Method names spanned at the expression: rustc reports unmet bounds of a method call there.
        match tag {
            Tag::Lit { .. } => {}
            Tag::Expr { key, expr } => {
                let local = bindings.bind(key, expr);
                let one = format_ident!("{metric}", span = expr.span());
                calls.extend(quote_spanned!(expr.span()=> __dd_tags.#one(#key, &#local);));
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

/// Expressions evaluated once per call, each bound to a `__dd_` local.
struct Bindings<'a> {
    /// `__dd_private`.
    p: &'a TokenStream,
    /// (key or `..`, expression as text) -> local, in evaluation order.
    seen: Vec<(String, String, syn::Ident)>,
    lets: TokenStream,
}

impl<'a> Bindings<'a> {
    fn new(p: &'a TokenStream) -> Self {
        Self { p, seen: Vec::new(), lets: TokenStream::new() }
    }

    /// The local holding the checked value of `key = expr` (`Checked`: `.get()` is `&(expr)`,
    /// and it is `Display`); the same `key = expr` in several attributes shares one.
    ///
    /// The value is checked once here, so a type that is not `Display` gets one error, in the
    /// runtime's words, at the expression, however many attributes use it.
    fn bind(&mut self, key: &str, expr: &Expr) -> syn::Ident {
        let p = self.p;
        self.bind_with(key, expr, |local| {
            respan(quote!({ use #p::CheckTag as _; (*#local).__dd_checked_tag() }), expr.span())
        })
    }

    /// The local holding `&(expr)` of `..expr`.
    fn bind_spread(&mut self, expr: &Expr) -> syn::Ident {
        self.bind_with("..", expr, ToTokens::to_token_stream)
    }

    fn bind_with(&mut self, key: &str, expr: &Expr, value: impl FnOnce(&syn::Ident) -> TokenStream) -> syn::Ident {
        let text = expr.to_token_stream().to_string();
        if let Some((_, _, local)) = self.seen.iter().find(|(k, t, _)| k == key && *t == text) {
            return syn::Ident::new(&local.to_string(), expr.span());
        }
        // Spanned at the expression, so type errors about the value point at it.
        let local = format_ident!("__dd_tag_{}", self.seen.len(), span = expr.span());
        let value = value(&local);
        self.lets.extend(quote!(let #local = &(#expr); let #local = #value;));
        self.seen.push((key.to_owned(), text, local.clone()));
        local
    }

    /// The local holding `&(resource)`, checked to be `Display`.
    fn bind_resource(&mut self, expr: &Expr) -> syn::Ident {
        let p = self.p;
        let local = format_ident!("__dd_resource", span = expr.span());
        let checked = respan(quote!({ use #p::CheckResource as _; (*#local).__dd_checked_resource() }), expr.span());
        self.lets.extend(quote!(let #local = &(#expr); let #local = #checked;));
        local
    }

    fn lets(&self) -> &TokenStream {
        &self.lets
    }
}

/// The fake return statement and the outcome closure for a body whose declared return is `output`.
///
/// The fake return (tracing-attributes' trick) makes the closure or async block return exactly
/// the declared type, so `?` and `return` infer as in the original function, and type errors
/// point at the user's return type.
fn return_handling(output: &ReturnType, fallback: Span, p: &TokenStream) -> (TokenStream, TokenStream) {
    let (ty, span) = match output {
        ReturnType::Type(_, ty) => ((**ty).clone(), ty.span()),
        ReturnType::Default => (syn::parse_quote!(()), fallback),
    };
    let has_impl = contains_impl_trait(&ty);
    let never = matches!(ty, Type::Never(_));
    let fake_ty: Type = if never { syn::parse_quote!(_) } else { erase_impl_trait(ty.clone()) };
    let fake_return = quote_spanned! {span=>
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
            let __dd_fake: #fake_ty = loop {};
            return __dd_fake;
        }
    };
    let classify = if has_impl || never {
        quote!(|__dd_value| #p::outcome_of!(__dd_value))
    } else {
        classify_typed(&quote!(#ty), p)
    };
    (fake_return, classify)
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

fn returns_never(output: &ReturnType) -> bool {
    matches!(output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)))
}

/// How the body is instrumented.
fn shape<'a>(sig: &Signature, block: &'a Block) -> Shape<'a> {
    if sig.asyncness.is_some() {
        return Shape::Async;
    }
    let Some(Stmt::Expr(last, None)) = block.stmts.last() else {
        return Shape::Sync;
    };
    match last {
        Expr::Async(async_expr) => Shape::ReturnsAsync { async_expr, boxed: None },
        Expr::Call(call @ ExprCall { func, args, .. }) if args.len() == 1 => {
            let (Expr::Path(path), Some(Expr::Async(async_expr))) = (&**func, args.first()) else {
                return Shape::Sync;
            };
            let segments: Vec<String> = path.path.segments.iter().map(|segment| segment.ident.to_string()).collect();
            if !segments.ends_with(&["Box".to_owned(), "pin".to_owned()]) {
                return Shape::Sync;
            }
            Shape::ReturnsAsync { async_expr, boxed: Some(call) }
        }
        _ => Shape::Sync,
    }
}

/// `T` of a `Pin<Box<dyn Future<Output = T> + ..>>` return type.
fn boxed_future_output(output: &ReturnType) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let pin = last_segment_argument(ty, "Pin")?;
    let boxed = last_segment_argument(pin, "Box")?;
    let Type::TraitObject(object) = boxed else {
        return None;
    };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let segment = bound.path.segments.last().filter(|segment| segment.ident == "Future")?;
        let PathArguments::AngleBracketed(arguments) = &segment.arguments else {
            return None;
        };
        arguments.args.iter().find_map(|argument| match argument {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
            _ => None,
        })
    })
}

/// The single type argument of `ty` when its last path segment is `name`: `Pin<T>` -> `T`.
fn last_segment_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last().filter(|segment| segment.ident == name)?;
    let PathArguments::AngleBracketed(arguments) = &segment.arguments else {
        return None;
    };
    match arguments.args.first()? {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    }
}

/// Whether the function is a method: a `self` receiver, or `Self` in its signature or body
/// (outside nested items). Methods get `Type::method` as their default resource.
fn is_method(sig: &Signature, block: &Block) -> bool {
    struct FindSelf(bool);
    impl Visit<'_> for FindSelf {
        fn visit_ident(&mut self, ident: &syn::Ident) {
            self.0 |= ident == "Self";
        }
        fn visit_item(&mut self, _: &Item) {}
        fn visit_macro(&mut self, mac: &syn::Macro) {
            self.visit_path(&mac.path);
            self.0 |= tokens_mention_self(mac.tokens.clone());
        }
    }
    if sig.receiver().is_some() {
        return true;
    }
    let mut find = FindSelf(false);
    find.visit_signature(sig);
    find.visit_block(block);
    find.0
}

fn tokens_mention_self(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Ident(ident) => ident == "Self",
        proc_macro2::TokenTree::Group(group) => tokens_mention_self(group.stream()),
        _ => false,
    })
}

fn contains_impl_trait(ty: &Type) -> bool {
    struct FindImpl(bool);
    impl Visit<'_> for FindImpl {
        fn visit_type_impl_trait(&mut self, _: &syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut find = FindImpl(false);
    find.visit_type(ty);
    find.0
}

/// `ty` with every `impl Trait` replaced by `_`, for a `let` annotation.
fn erase_impl_trait(mut ty: Type) -> Type {
    struct Erase;
    impl VisitMut for Erase {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(found) = ty {
                *ty = Type::Infer(syn::TypeInfer { underscore_token: Token![_](found.impl_token.span) });
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    Erase.visit_type_mut(&mut ty);
    ty
}

/// `r#type` -> `type`.
trait UnrawString {
    fn unraw_string(&self) -> String;
}

impl UnrawString for syn::Ident {
    fn unraw_string(&self) -> String {
        use syn::ext::IdentExt as _;
        self.unraw().to_string()
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn expand_fn(first: Macro, args: TokenStream, item: TokenStream) -> String {
        expand(first, args, item).to_string()
    }

    fn count(haystack: &str, needle: &str) -> usize {
        haystack.matches(needle).count()
    }

    #[test]
    fn stacked_attributes_share_one_wrapper() {
        let out = expand_fn(
            Macro::Timed,
            TokenStream::new(),
            quote! {
                #[dd_instrument::dd_slo(name = "checkout", target = 99.9, tags(tenant = tenant))]
                #[doc = "kept"]
                #[dd_span(tags(tenant = tenant))]
                fn charge(tenant: &str) -> u32 { 1 }
            },
        );
        assert_eq!(count(&out, "Call :: start"), 1, "{out}");
        assert_eq!(count(&out, "run_sync"), 1, "{out}");
        assert_eq!(count(&out, "tracing :: span !"), 1, "{out}");
        assert_eq!(count(&out, "static __DD_SITE"), 1, "{out}");
        assert_eq!(count(&out, "static __DD_SLO"), 1, "{out}");
        // The same `tenant = tenant` is evaluated once for the span and the SLO.
        assert_eq!(count(&out, "__dd_checked_tag"), 1, "{out}");
        assert!(out.contains("__dd_tags . slo (\"tenant\" , & __dd_tag_0)"), "{out}");
        // Stacked attributes stay as markers (their paths stay used), in place.
        assert!(out.starts_with(
            "# [dd_instrument :: dd_slo (__dd_stacked)] # [doc = \"kept\"] # [dd_span (__dd_stacked)] fn charge"
        ));
    }

    #[test]
    fn markers_expand_to_the_item_unchanged() {
        let item = quote!(
            fn f() {}
        );
        assert_eq!(expand(Macro::Span, quote!(__dd_stacked), item.clone()).to_string(), item.to_string());
    }

    #[test]
    fn errors_keep_the_function_as_written() {
        let out = expand_fn(
            Macro::Span,
            quote!(kind = "clinet"),
            quote!(
                #[dd_timed]
                fn f() -> u32 {
                    1
                }
            ),
        );
        assert!(out.starts_with("# [dd_timed (__dd_stacked)] fn f () -> u32 { 1 }"), "{out}");
        assert_eq!(count(&out, "compile_error !"), 1, "{out}");
        let out = expand_fn(
            Macro::Span,
            TokenStream::new(),
            quote!(
                #[dd_timed]
                #[dd_span]
                fn f() {}
            ),
        );
        assert!(out.contains("duplicate `#[dd_span]`"), "{out}");
    }

    #[test]
    fn only_functions_with_bodies() {
        let out = expand_fn(
            Macro::Span,
            TokenStream::new(),
            quote!(
                struct S;
            ),
        );
        assert!(out.contains("`#[dd_span]` goes on a function, not on a struct"), "{out}");
        let out = expand_fn(
            Macro::Slo,
            TokenStream::new(),
            quote!(
                fn f(&self) -> u32;
            ),
        );
        assert!(out.contains("needs a function body"), "{out}");
        let out = expand_fn(
            Macro::Timed,
            TokenStream::new(),
            quote!(
                const fn f() {}
            ),
        );
        assert!(out.contains("cannot instrument a `const fn`"), "{out}");
    }

    #[test]
    fn closures_and_statements_are_not_functions() {
        // An expression stays an expression: the error first, in a block that keeps the value.
        let out = expand_fn(Macro::Span, TokenStream::new(), quote!(move |x: u32| x));
        assert!(out.starts_with("{ :: core :: compile_error !"), "{out}");
        assert!(out.ends_with("move | x : u32 | x }"), "{out}");
        assert!(out.contains("`#[dd_span]` goes on a function, not on a closure"), "{out}");
        let out = expand_fn(Macro::Slo, TokenStream::new(), quote!(async { 1 }));
        assert!(out.contains("`#[dd_slo]` goes on a function, not on an `async` block"), "{out}");
        let out = expand_fn(Macro::Timed, TokenStream::new(), quote!(let f = || 1;));
        assert!(out.starts_with("let f = || 1 ;"), "{out}");
        assert!(out.contains("`#[dd_timed]` goes on a function, not on a `let` statement"), "{out}");
    }

    #[test]
    fn methods_get_a_type_qualified_resource() {
        let method = expand_fn(
            Macro::Span,
            TokenStream::new(),
            quote!(
                fn name(&self) -> &str {
                    &self.name
                }
            ),
        );
        assert!(method.contains("method_resource :: < Self > (& __DD_RESOURCE , \"name\")"), "{method}");
        let constructor = expand_fn(
            Macro::Span,
            TokenStream::new(),
            quote!(
                fn new() -> Self {
                    Self
                }
            ),
        );
        assert!(constructor.contains("method_resource"), "{constructor}");
        let free = expand_fn(
            Macro::Span,
            TokenStream::new(),
            quote!(
                fn r#type() {}
            ),
        );
        assert!(free.contains("\"resource.name\" = \"type\""), "{free}");
        assert!(!free.contains("method_resource"), "{free}");
    }

    #[test]
    fn async_trait_methods_instrument_the_boxed_future() {
        let out = expand_fn(
            Macro::Span,
            TokenStream::new(),
            quote! {
                fn load<'life0, 'async_trait>(&'life0 self, id: u32)
                    -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = Result<u32, E>> + ::core::marker::Send + 'async_trait>>
                where 'life0: 'async_trait, Self: 'async_trait
                {
                    Box::pin(async move { let __self = self; Ok(id) })
                }
            },
        );
        assert!(out.contains("Box :: pin (__dd_private :: Instrumented :: new (__dd_call , async move"), "{out}");
        assert!(out.contains("| __dd_value : & Result < u32 , E > |"), "{out}");
        assert_eq!(count(&out, "run_sync"), 0, "{out}");
    }

    #[test]
    fn impl_trait_returns_are_not_named() {
        let out = expand_fn(
            Macro::Span,
            TokenStream::new(),
            quote!(
                fn f() -> Result<impl Display, E> {
                    Ok(1)
                }
            ),
        );
        assert!(out.contains("let __dd_fake : Result < _ , E >"), "{out}");
        assert!(out.contains("| __dd_value | __dd_private :: outcome_of !"), "{out}");
    }

    #[test]
    fn the_crate_path_is_used_everywhere() {
        let out = expand_fn(
            Macro::Slo,
            quote!(name = "a", target = 99, crate = obs),
            quote!(
                #[dd_span]
                fn f() {}
            ),
        );
        assert!(!out.contains("dd_instrument"), "{out}");
        // Written once, so that an unresolved path is one error.
        assert_eq!(count(&out, "obs"), 1, "{out}");
        assert!(out.contains("{ use obs :: __private as __dd_private ;"), "{out}");
        assert!(out.contains("__dd_private :: inventory :: submit !"), "{out}");
    }

    #[test]
    fn every_function_is_registered_with_what_is_known_at_compile_time() {
        let out = expand_fn(
            Macro::Span,
            quote!(kind = "client", peer = "payments", span_type = "http", tags(team = "pay", id = id)),
            quote!(
                #[dd_timed(name = "pay.latency", tags(method = "card"))]
                #[dd_slo(name = "pay", target = 99.9, timeframe = "7d")]
                fn charge(id: u64) {}
            ),
        );
        let none = ":: core :: option :: Option :: None";
        let some = |inner: &str| format!(":: core :: option :: Option :: Some ({inner})");
        let span = some(&format!(
            "__dd_private :: SpanDef :: __new ({} , \"client\" , {} , {} , false , & [\"team:pay\"])",
            some("\"charge\""),
            some("\"payments\""),
            some("\"http\"")
        ));
        let timer = some("__dd_private :: TimerDef :: __new (\"pay.latency\" , & [\"method:card\"])");
        let expected = format!(
            "static __DD_DEFINITION : __dd_private :: FunctionDef = __dd_private :: FunctionDef :: __new (__DD_FUNCTION , \
             __DD_OPERATION , {span} , {timer} , {}) ;",
            some("& __DD_SLO")
        );
        assert!(out.contains(&expected), "{expected}\n{out}");
        let objective = format!(". __objective (__dd_private :: Timeframe :: Days7 , {none} , {none})");
        assert!(out.contains(&objective), "{out}");
        assert_eq!(count(&out, "FunctionEntry (& __DD_DEFINITION)"), 1, "{out}");
        // A method's default resource is only known at run time.
        let method = expand_fn(
            Macro::Timed,
            TokenStream::new(),
            quote!(
                fn f(&self) {}
            ),
        );
        assert!(method.contains("FunctionDef :: __new (__DD_FUNCTION , __DD_OPERATION , :: core :: option :: Option :: None , :: core :: option :: Option :: Some (__dd_private :: TimerDef :: __new (__dd_private :: concat ! (__DD_OPERATION , \".duration\") , & [])) , :: core :: option :: Option :: None)"), "{method}");
    }

    /// Prints an expansion, for inspection: `DD_EXPAND='#[dd_span] fn f() {}' cargo test -p
    /// dd-instrument-macros print_expansion -- --ignored --nocapture | rustfmt`.
    #[test]
    #[ignore = "prints the expansion of $DD_EXPAND"]
    fn print_expansion() {
        let source = std::env::var("DD_EXPAND").expect("DD_EXPAND holds a function with its attributes");
        let mut func: ItemFn = syn::parse_str(&source).expect("a function");
        let attr = func.attrs.remove(0);
        let kind = stacked_macro(&attr).expect("a dd_* attribute first");
        let args = match attr.meta {
            Meta::List(list) => list.tokens,
            _ => TokenStream::new(),
        };
        println!("{}", expand(kind, args, func.into_token_stream()));
    }
}
