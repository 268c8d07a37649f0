//! `#[derive(DdTags)]`: one tag per named field.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::parse::ParseStream;
use syn::spanned::Spanned as _;
use syn::{Attribute, Data, DeriveInput, Fields, Ident, LitStr, Path, Token, Type};

use crate::args::{self, Attr, Errors};
use crate::{item_fn, validate};

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut errors = Errors::default();
    let krate = container_crate(&input.attrs, "dd_tags", "dd_tag", &mut errors);
    let runtime = args::runtime_path(krate.as_ref());
    let visits = visits(&input, &runtime, &mut errors);
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let ident = &input.ident;
    let visitor = if visits.is_empty() { quote!(_) } else { quote!(__dd_visitor) };
    // On error, an impl that visits nothing keeps uses of the type compiling (thiserror's fallback).
    let visits = if errors.is_empty() { visits } else { Vec::new() };
    let errors = errors.to_compile_errors();
    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #runtime::DdTags for #ident #ty_generics #where_clause {
                fn visit_tags(&self, #visitor: &mut dyn #runtime::TagVisitor) {
                    #(#visits)*
                }
            }
        };
    }
}

/// The `visit_tag` calls, one per field that is not skipped.
fn visits(input: &DeriveInput, runtime: &TokenStream, errors: &mut Errors) -> Vec<TokenStream> {
    let help = "implement `DdTags` by hand for other types";
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => fields,
            Fields::Unnamed(fields) => {
                errors.push(syn::Error::new_spanned(
                    fields,
                    format_args!("`#[derive(DdTags)]` needs named fields: each field's name is its tag key; {help}"),
                ));
                return Vec::new();
            }
            Fields::Unit => {
                errors.error(
                    input.ident.span(),
                    format_args!("`#[derive(DdTags)]` needs a struct with named fields, each one a tag; {help}"),
                );
                return Vec::new();
            }
        },
        Data::Enum(data) => {
            errors.error(
                data.enum_token.span,
                format_args!("`#[derive(DdTags)]` supports structs with named fields, not enums; {help}"),
            );
            return Vec::new();
        }
        Data::Union(data) => {
            errors.error(
                data.union_token.span,
                format_args!("`#[derive(DdTags)]` supports structs with named fields, not unions; {help}"),
            );
            return Vec::new();
        }
    };
    let p = quote!(#runtime::__private);
    let mut keys: BTreeMap<String, Ident> = BTreeMap::new();
    let mut visits = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named fields have names");
        let Some(options) = field_options(&field.attrs, errors) else {
            continue;
        };
        if options.skip {
            continue;
        }
        let (key, key_span) = match options.rename {
            Some(lit) => (lit.value(), lit.span()),
            None => (ident.unraw().to_string(), ident.span()),
        };
        if let Some(problem) = validate::tag_key_problem(&key) {
            let message = if options.renamed {
                problem.did_you_mean()
            } else {
                // The key is the field name: suggest renaming the tag, not the field.
                let rename = problem.suggestion.as_deref().unwrap_or("..");
                format!(
                    "{}; the key is the field's name: give the tag another key with \
                     `#[dd_tag(rename = \"{rename}\")]`, or leave the field out with `#[dd_tag(skip)]`",
                    problem.message
                )
            };
            errors.error(key_span, message);
            continue;
        }
        if let Some(first) = keys.get(&key) {
            errors.error(key_span, format_args!("duplicate tag key `{key}`: field `{first}` already has it"));
            continue;
        }
        keys.insert(key.clone(), ident.clone());
        // Spanned at the field's type: a type that is neither typed nor `Display` is reported there.
        let span = field.ty.span();
        let visit = if is_option(&field.ty) {
            let value = item_fn::respan(quote!(#p::tag_value!(__dd_value)), span);
            quote_spanned! {span=>
                if let ::core::option::Option::Some(__dd_value) = &self.#ident {
                    __dd_visitor.visit_tag(#key, #value);
                }
            }
        } else {
            let value = item_fn::respan(quote!(#p::tag_value!(&self.#ident)), span);
            quote_spanned! {span=>
                __dd_visitor.visit_tag(#key, #value);
            }
        };
        visits.push(visit);
    }
    visits
}

/// `#[dd_tag(..)]` on a field.
struct FieldOptions {
    rename: Option<LitStr>,
    renamed: bool,
    skip: bool,
}

mod kw {
    syn::custom_keyword!(rename);
    syn::custom_keyword!(skip);
}

/// Parses the `#[dd_tag(..)]` attributes of a field; `None` when they have errors.
fn field_options(attrs: &[Attribute], errors: &mut Errors) -> Option<FieldOptions> {
    const CONFLICT: &str = "`skip` and `rename` conflict: a skipped field has no tag to rename";
    let mut rename = Attr::new("rename");
    let mut skip = Attr::new("skip");
    let mut local = Errors::default();
    for attr in attrs {
        if attr.path().is_ident("dd_tags") {
            local.push(syn::Error::new_spanned(
                attr.path(),
                "`#[dd_tags(..)]` goes on the struct; on a field, use `#[dd_tag(rename = \"..\")]` or `#[dd_tag(skip)]`",
            ));
            continue;
        }
        if !attr.path().is_ident("dd_tag") {
            continue;
        }
        let parser = |input: ParseStream<'_>| {
            args::parse_arguments(input, &mut local, |input, errors| {
                let lookahead = input.lookahead1();
                if lookahead.peek(kw::rename) {
                    let keyword: kw::rename = input.parse()?;
                    let value = args::parse_value(input)?;
                    if let Some(lit) = errors.take(args::expect_lit_str(value, "rename", "order.priority")) {
                        rename.set(errors, keyword.span, lit);
                    }
                    if skip.is_set() {
                        errors.error(keyword.span, CONFLICT);
                    }
                } else if lookahead.peek(kw::skip) {
                    let keyword: kw::skip = input.parse()?;
                    skip.set(errors, keyword.span, ());
                    if rename.is_set() {
                        errors.error(keyword.span, CONFLICT);
                    }
                } else if input.peek(Ident::peek_any) {
                    unknown_option(input, errors, "dd_tag", &["rename", "skip"])?;
                } else {
                    return Err(lookahead.error());
                }
                Ok(())
            })
        };
        if let Err(error) = attr.parse_args_with(parser) {
            local.push(error);
        }
    }
    let failed = !local.is_empty();
    errors.absorb(local);
    if failed {
        return None;
    }
    let rename = rename.get();
    Some(FieldOptions { renamed: rename.is_some(), rename, skip: skip.is_set() })
}

/// Reports an unknown option of a derive attribute and skips its value.
fn unknown_option(input: ParseStream<'_>, errors: &mut Errors, attribute: &str, valid: &[&str]) -> syn::Result<()> {
    let ident = Ident::parse_any(input)?;
    let name = ident.unraw().to_string();
    let message = format!("unknown option `{name}` of `#[{attribute}]`: expected {}", validate::one_of(valid));
    errors
        .error(ident.span(), validate::with_suggestion(message, validate::did_you_mean(&name, valid.iter().copied())));
    if input.peek(Token![=]) {
        args::parse_value(input)?;
    } else if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

/// The `crate = ..` of the container attribute `name` (`#[dd_tags(crate = ..)]`); `field_attr`
/// is the field attribute, an error on the container.
pub(crate) fn container_crate(attrs: &[Attribute], name: &str, field_attr: &str, errors: &mut Errors) -> Option<Path> {
    let mut krate = Attr::new("crate");
    for attr in attrs {
        if !field_attr.is_empty() && attr.path().is_ident(field_attr) {
            errors.push(syn::Error::new_spanned(
                attr.path(),
                format_args!("`#[{field_attr}(..)]` goes on fields; on the type, use `#[{name}(crate = ..)]`"),
            ));
            continue;
        }
        if !attr.path().is_ident(name) {
            continue;
        }
        let mut local = Errors::default();
        let parser = |input: ParseStream<'_>| {
            args::parse_arguments(input, &mut local, |input, errors| {
                if input.peek(Token![crate]) {
                    let keyword: Token![crate] = input.parse()?;
                    krate.set(errors, keyword.span, args::parse_crate_path(input)?);
                    Ok(())
                } else if input.peek(Ident::peek_any) {
                    unknown_option(input, errors, name, &["crate"])
                } else {
                    Err(input.error(format_args!("expected `crate = ..` in `#[{name}(..)]`")))
                }
            })
        };
        if let Err(error) = attr.parse_args_with(parser) {
            local.push(error);
        }
        errors.absorb(local);
    }
    krate.get()
}

/// Whether the field's type is an `Option` (by its last path segment): only `Some` is a tag.
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => {
            path.qself.is_none() && path.path.segments.last().is_some_and(|last| last.ident == "Option")
        }
        Type::Group(group) => is_option(&group.elem),
        Type::Paren(paren) => is_option(&paren.elem),
        _ => false,
    }
}
