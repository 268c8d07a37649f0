//! Phase 2: the `dd_*` attributes stacked on one function.
//!
//! Whichever of `#[dd_span]`, `#[dd_timed]` and `#[dd_slo]` expands first (the outermost)
//! collects the others too, parses and validates each into its config, and generates for all of
//! them, so a function with several gets one span, one `Call`, one clock reading and one
//! wrapping of its body. The others stay on the function as `#[dd_timed(__dd_stacked)]` markers
//! that expand to nothing (see [`stacked_marker`]).

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned as _;
use syn::{AttrStyle, Attribute, Meta, Path};

use crate::attr::Macro;
use crate::attr::slo::{self, SloConfig};
use crate::attr::span::{self, SpanConfig};
use crate::attr::timed::{self, TimedConfig};
use crate::grammar::Errors;

/// The attributes of the function: `first`, being expanded with `args`, and the other `dd_*`
/// attributes in `attrs`, which are replaced by markers in place.
pub(crate) fn collect(first: Macro, args: TokenStream, attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Stack {
    let mut stack = Stack::default();
    stack.add(first, None, args, errors);
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in std::mem::take(attrs) {
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
                stack.add(kind, Some(&attr), args, errors);
                kept.push(stacked_marker(attr));
            }
            None => kept.push(attr),
        }
    }
    *attrs = kept;
    stack
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

/// Whether `args` are those of a marker: the attribute expands to the function unchanged.
pub(crate) fn is_marker(args: &TokenStream) -> bool {
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
pub(crate) struct Stack {
    seen: Vec<Macro>,
    pub(crate) span: Option<SpanConfig>,
    pub(crate) timed: Option<TimedConfig>,
    pub(crate) slo: Option<SloConfig>,
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
    pub(crate) fn crate_path(&self, errors: &mut Errors) -> Option<Path> {
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
