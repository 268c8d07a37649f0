//! `#[derive(DdTags)]`: one tag per named field.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{ToTokens as _, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{Attribute, Data, DeriveInput, Ident, LitStr, Type, WherePredicate};

use crate::checks::{self, Checks};
use crate::grammar::{Argument, Errors, Grammar, Guide, Slot};
use crate::tokens::{self, respan};
use crate::validate;

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut errors = Errors::default();
    let krate = super::crate_path(&input.attrs, &super::DD_TAGS, Some(DD_TAG.attribute), &mut errors);
    let runtime = tokens::runtime_path(krate.as_ref());
    let Fields { visits, bounds } = fields(&input, &runtime, &mut errors);
    let mut generics = input.generics.clone();
    // On error, an impl that visits nothing keeps uses of the type compiling (thiserror's fallback).
    let (visits, bounds) = if errors.is_empty() { (visits, bounds) } else { (Vec::new(), Vec::new()) };
    if !bounds.is_empty() {
        generics.make_where_clause().predicates.extend(bounds);
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let ident = &input.ident;
    let visitor = if visits.is_empty() { quote!(_) } else { quote!(__dd_visitor) };
    let checks = Checks { tag_value: !visits.is_empty(), ..Checks::default() };
    let checks = checks.items(&quote!(#runtime::__private), &tokens::runtime_name(krate.as_ref()));
    let errors = errors.to_compile_errors();
    quote! {
        #errors
        const _: () = {
            #checks
            #[automatically_derived]
            impl #impl_generics #runtime::DdTags for #ident #ty_generics #where_clause {
                fn visit_tags(&self, #visitor: &mut dyn #runtime::TagVisitor) {
                    #(#visits)*
                }
            }
        };
    }
}

/// What the fields give the impl.
struct Fields {
    /// The `visit_tag` calls, one per field that is not skipped.
    visits: Vec<TokenStream>,
    /// `FieldType: Display` for each tag whose type names a type parameter (serde's bound
    /// inference): `struct Labelled<T> { label: T }` has tags when `T` is `Display`.
    bounds: Vec<WherePredicate>,
}

fn fields(input: &DeriveInput, runtime: &TokenStream, errors: &mut Errors) -> Fields {
    let help = "implement `DdTags` by hand for other types";
    let mut out = Fields { visits: Vec::new(), bounds: Vec::new() };
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            syn::Fields::Named(fields) => &fields.named,
            // `struct NoTags;`, like `struct NoTags {}`: no tags, which generic code may want.
            syn::Fields::Unit => return out,
            syn::Fields::Unnamed(fields) if fields.unnamed.is_empty() => return out,
            syn::Fields::Unnamed(fields) => {
                errors.push(syn::Error::new_spanned(
                    fields,
                    format_args!("`#[derive(DdTags)]` needs named fields: each field's name is its tag key; {help}"),
                ));
                return out;
            }
        },
        Data::Enum(data) => {
            errors.error(
                data.enum_token.span,
                format_args!("`#[derive(DdTags)]` supports structs with named fields, not enums; {help}"),
            );
            return out;
        }
        Data::Union(data) => {
            errors.error(
                data.union_token.span,
                format_args!("`#[derive(DdTags)]` supports structs with named fields, not unions; {help}"),
            );
            return out;
        }
    };
    let type_params: Vec<&Ident> = input.generics.type_params().map(|param| &param.ident).collect();
    let p = quote!(#runtime::__private);
    let mut keys: BTreeMap<String, Ident> = BTreeMap::new();
    for field in fields {
        let ident = field.ident.as_ref().expect("named fields have names");
        let Some(options) = field_options(&field.attrs, errors) else {
            continue;
        };
        if options.value == Treatment::Skipped {
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
        // Spanned at the field's type: a type that is not `Display` is reported there.
        let span = field.ty.span();
        let value_ty = option_argument(&field.ty).unwrap_or(&field.ty);
        // The value is checked through autoderef, which takes a reference off: `&'a T` needs `T: Display`.
        let checked_ty = match value_ty {
            Type::Reference(reference) => &*reference.elem,
            other => other,
        };
        // A redacted value is never formatted: no `Display` bound for it.
        if options.value == Treatment::Redacted {
            out.visits.push(redacted_visit(ident, &key, value_ty == &field.ty, &p, span));
            continue;
        }
        if mentions(checked_ty, &type_params) {
            out.bounds.push(syn::parse_quote_spanned!(span=> #checked_ty: ::core::fmt::Display));
        }
        let visit_one = value_visit(&key, options.value, runtime, span);
        out.visits.push(if value_ty == &field.ty {
            quote_spanned! {span=>
                {
                    let __dd_value = &self.#ident;
                    #visit_one
                }
            }
        } else {
            quote_spanned! {span=>
                if let ::core::option::Option::Some(__dd_value) = &self.#ident {
                    #visit_one
                }
            }
        });
    }
    out
}

/// The visit of a `redact` field. The value is never read: no `Display` needed, nothing of it
/// leaves the process.
fn redacted_visit(ident: &Ident, key: &str, plain: bool, p: &TokenStream, span: proc_macro2::Span) -> TokenStream {
    let visit = quote_spanned!(span=> __dd_visitor.visit_tag(#key, #p::redacted_tag()););
    if plain {
        // A field only a redacted tag uses is still used.
        quote_spanned!(span=> let _ = &self.#ident; #visit)
    } else {
        quote_spanned!(span=> if ::core::option::Option::is_some(&self.#ident) { #visit })
    }
}

/// The visit of `__dd_value`, a reference to a field's value: checked `Display`, then sent as
/// it is or hashed.
fn value_visit(key: &str, value: Treatment, runtime: &TokenStream, span: proc_macro2::Span) -> TokenStream {
    let p = quote!(#runtime::__private);
    let checked = checks::tag_value(&quote!(__dd_value), span);
    if value == Treatment::Hashed {
        quote_spanned! {span=>
            let __dd_value = #checked;
            let __dd_hashed = #p::hashed_tag(&__dd_value);
            __dd_visitor.visit_tag(#key, #runtime::TagValue::Str(&__dd_hashed));
        }
    } else {
        let value = respan(quote!(#p::tag_value!(&__dd_value)), span);
        quote_spanned! {span=>
            let __dd_value = #checked;
            __dd_visitor.visit_tag(#key, #value);
        }
    }
}

/// Whether `ty` names one of `params`.
fn mentions(ty: &Type, params: &[&Ident]) -> bool {
    fn tokens_mention(tokens: TokenStream, params: &[&Ident]) -> bool {
        tokens.into_iter().any(|tree| match tree {
            proc_macro2::TokenTree::Ident(ident) => params.iter().any(|param| ident == **param),
            proc_macro2::TokenTree::Group(group) => tokens_mention(group.stream(), params),
            _ => false,
        })
    }
    !params.is_empty() && tokens_mention(ty.to_token_stream(), params)
}

/// `#[dd_tag(..)]` on a field.
struct FieldOptions {
    rename: Option<LitStr>,
    renamed: bool,
    value: Treatment,
}

/// What a field's value becomes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Treatment {
    /// The tag's value (redacted at run time like every value).
    Sent,
    /// No tag (`skip`).
    Skipped,
    /// `[REDACTED]` (`redact`).
    Redacted,
    /// Its keyed hash (`hash`).
    Hashed,
}

/// The options of a field, `#[dd_tag(..)]`, in the order of their documentation.
pub(crate) const DD_TAG: Grammar<FieldArgs> = Grammar {
    attribute: "dd_tag",
    noun: "option",
    arguments: &[
        Argument::string("rename", "order.priority", |args| &mut args.rename),
        Argument::flag("skip", |args| &mut args.skip),
        Argument::flag("redact", |args| &mut args.redact),
        Argument::flag("hash", |args| &mut args.hash),
    ],
    conflicts: &[
        ("skip", "rename", "`skip` and `rename` conflict: a skipped field has no tag to rename"),
        ("skip", "redact", "`skip` and `redact` conflict: a skipped field sends nothing to redact"),
        ("skip", "hash", "`skip` and `hash` conflict: a skipped field sends nothing to hash"),
        (
            "redact",
            "hash",
            "`redact` and `hash` conflict: `redact` sends `[REDACTED]`, `hash` a keyed hash; choose one",
        ),
    ],
    guide: |keyword| match keyword {
        "name" | "key" => Some(Guide::Renamed("rename")),
        "ignore" => Some(Guide::Renamed("skip")),
        _ => None,
    },
};

/// `#[dd_tag(..)]` on a field, as written.
#[derive(Default)]
pub(crate) struct FieldArgs {
    rename: Slot<LitStr>,
    skip: Slot<()>,
    redact: Slot<()>,
    hash: Slot<()>,
}

/// Parses the `#[dd_tag(..)]` attributes of a field; `None` when they have errors.
fn field_options(attrs: &[Attribute], errors: &mut Errors) -> Option<FieldOptions> {
    let mut raw = FieldArgs::default();
    let mut local = Errors::default();
    for attr in attrs {
        if attr.path().is_ident(super::DD_TAGS.attribute) {
            local.push(syn::Error::new_spanned(
                attr.path(),
                "`#[dd_tags(..)]` goes on the struct; on a field, use `#[dd_tag(rename = \"..\")]` or `#[dd_tag(skip)]`",
            ));
            continue;
        }
        if attr.path().is_ident(DD_TAG.attribute) {
            DD_TAG.parse_attribute(attr, &mut raw, &mut local);
        }
    }
    let failed = !local.is_empty();
    errors.absorb(local);
    if failed {
        return None;
    }
    let rename = raw.rename.get();
    let value = if raw.skip.is_given() {
        Treatment::Skipped
    } else if raw.redact.is_given() {
        Treatment::Redacted
    } else if raw.hash.is_given() {
        Treatment::Hashed
    } else {
        Treatment::Sent
    };
    Some(FieldOptions { renamed: rename.is_some(), rename, value })
}

/// `T` when the field's type is an `Option<T>` (by its last path segment): only `Some` is a tag.
fn option_argument(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last().filter(|last| last.ident == "Option")?;
            let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
                return None;
            };
            match arguments.args.first()? {
                syn::GenericArgument::Type(ty) if arguments.args.len() == 1 => Some(ty),
                _ => None,
            }
        }
        Type::Group(group) => option_argument(&group.elem),
        Type::Paren(paren) => option_argument(&paren.elem),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::tests::messages;

    fn errors_of(attrs: &[Attribute]) -> Vec<String> {
        let mut errors = Errors::default();
        field_options(attrs, &mut errors);
        messages(errors.finish())
    }

    #[test]
    fn field_options_follow_the_grammar() {
        assert_eq!(
            errors_of(&[syn::parse_quote!(#[dd_tag(skip = true, rename = "a")])]),
            [
                "`skip` takes no value: write `skip` alone",
                "`skip` and `rename` conflict: a skipped field has no tag to rename"
            ]
        );
        // Across attributes too.
        assert_eq!(
            errors_of(&[syn::parse_quote!(#[dd_tag(rename = "a")]), syn::parse_quote!(#[dd_tag(skip)])]),
            ["`skip` and `rename` conflict: a skipped field has no tag to rename"]
        );
        assert_eq!(
            errors_of(&[syn::parse_quote!(#[dd_tag("a")])]),
            ["expected an option of `#[dd_tag]`: `rename`, `skip`, `redact` or `hash`"]
        );
        // serde's and other derives' names for the same options.
        assert_eq!(
            errors_of(&[syn::parse_quote!(#[dd_tag(name = "a", ignore)])]),
            [
                "unknown option `name` of `#[dd_tag]`: expected `rename`, `skip`, `redact` or `hash`; did you mean `rename`?",
                "unknown option `ignore` of `#[dd_tag]`: expected `rename`, `skip`, `redact` or `hash`; did you mean `skip`?",
            ]
        );
    }
}
