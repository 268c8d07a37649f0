//! `#[dd_timed]`: its arguments, and their validation into a [`TimedConfig`].

use proc_macro2::{Span, TokenStream};
use syn::{LitStr, Path};

use super::Macro;
use crate::grammar::tags::{self, RawTag, Tag};
use crate::grammar::{Argument, Errors, Grammar, Slot};
use crate::validate;

/// The arguments of `#[dd_timed]`, in the order of its documentation.
pub(crate) const GRAMMAR: Grammar<TimedArgs> = Grammar {
    attribute: "dd_timed",
    noun: "argument",
    arguments: &[
        Argument::string("name", "checkout.latency", |args| &mut args.name),
        Argument::tags(|args| &mut args.tags),
        Argument::krate(|args| &mut args.krate),
    ],
    conflicts: &[],
    guide: |keyword| Macro::Timed.guide(keyword),
};

/// `#[dd_timed(..)]` as written.
#[derive(Default)]
pub(crate) struct TimedArgs {
    name: Slot<LitStr>,
    tags: Slot<Vec<RawTag>>,
    krate: Slot<Path>,
}

/// `#[dd_timed]`, validated.
pub(crate) struct TimedConfig {
    /// The latency metric's name, when given (else `<operation>.duration`).
    pub(crate) name: Option<LitStr>,
    pub(crate) tags: Vec<Tag>,
    pub(crate) krate: Option<(Span, Path)>,
}

/// Parses and validates the arguments of one `#[dd_timed]`.
pub(crate) fn config(args: TokenStream) -> syn::Result<TimedConfig> {
    let mut errors = Errors::default();
    GRAMMAR.parse(args, &mut errors).build(errors)
}

impl TimedArgs {
    /// Validates the arguments together; `errors` holds those of parsing.
    fn build(self, mut errors: Errors) -> syn::Result<TimedConfig> {
        let name = self.name.get().filter(|name| match validate::metric_name_error(&name.value()) {
            Some(message) => {
                errors.error(name.span(), message);
                false
            }
            None => true,
        });
        let tags = tags::build(self.tags.get().unwrap_or_default(), false, &mut errors);
        let krate = self.krate.get_with_span();
        errors.finish()?;
        Ok(TimedConfig { name, tags, krate })
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::grammar::tests::messages;

    #[test]
    fn names_are_metric_names() {
        assert_eq!(config(quote!(name = "checkout.Latency_2")).unwrap().name.unwrap().value(), "checkout.Latency_2");
        let errors = messages(config(quote!(name = "checkout latency")));
        assert!(errors[0].ends_with("did you mean `checkout_latency`?"), "{errors:?}");
    }

    #[test]
    fn duplicates_are_reported_once() {
        let errors = messages(config(quote!(name = "a", tags(), name = "b", tags(), name = "c")));
        assert_eq!(errors, ["duplicate argument `name`", "duplicate argument `tags`", "duplicate argument `name`"]);
    }
}
