//! The derives, `#[derive(DdTags)]` and `#[derive(DdError)]`, and their container attribute
//! (`#[dd_tags(crate = ..)]`, `#[dd_error(crate = ..)]`), parsed with the shared
//! [grammar](crate::grammar).

pub(crate) mod error;
pub(crate) mod tags;

use syn::{Attribute, Path};

use crate::grammar::{Argument, Errors, Grammar, Slot};

/// The options of a derive's container attribute.
const CONTAINER: &[Argument<ContainerArgs>] = &[Argument::krate(|args| &mut args.krate)];

/// `#[dd_tags(..)]` on a `#[derive(DdTags)]` struct.
pub(crate) const DD_TAGS: Grammar<ContainerArgs> =
    Grammar { attribute: "dd_tags", noun: "option", arguments: CONTAINER, conflicts: &[], guide: |_| None };

/// `#[dd_error(..)]` on a `#[derive(DdError)]` type.
pub(crate) const DD_ERROR: Grammar<ContainerArgs> =
    Grammar { attribute: "dd_error", noun: "option", arguments: CONTAINER, conflicts: &[], guide: |_| None };

/// A container attribute as written.
#[derive(Default)]
pub(crate) struct ContainerArgs {
    krate: Slot<Path>,
}

/// The `crate = ..` of the container attribute `grammar` among `attrs`; `field_attr`, the
/// derive's field attribute, is an error there.
fn crate_path(
    attrs: &[Attribute],
    grammar: &Grammar<ContainerArgs>,
    field_attr: Option<&str>,
    errors: &mut Errors,
) -> Option<Path> {
    let mut raw = ContainerArgs::default();
    for attr in attrs {
        if let Some(field_attr) = field_attr
            && attr.path().is_ident(field_attr)
        {
            errors.push(syn::Error::new_spanned(
                attr.path(),
                format_args!(
                    "`#[{field_attr}(..)]` goes on fields; on the type, use `#[{}(crate = ..)]`",
                    grammar.attribute
                ),
            ));
            continue;
        }
        if attr.path().is_ident(grammar.attribute) {
            grammar.parse_attribute(attr, &mut raw, errors);
        }
    }
    raw.krate.get()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::tests::messages;

    #[test]
    fn container_options_follow_the_grammar() {
        let mut errors = Errors::default();
        let attrs: [Attribute; 3] = [
            syn::parse_quote!(#[dd_tag(rename = "a")]),
            syn::parse_quote!(#[dd_tags(42)]),
            syn::parse_quote!(#[dd_tags(crate = obs)]),
        ];
        let path = crate_path(&attrs, &DD_TAGS, Some("dd_tag"), &mut errors);
        assert_eq!(path, Some(syn::parse_quote!(obs)));
        assert_eq!(
            messages(errors.finish()),
            [
                "`#[dd_tag(..)]` goes on fields; on the type, use `#[dd_tags(crate = ..)]`",
                "expected an option of `#[dd_tags]`: `crate`"
            ]
        );
    }
}
