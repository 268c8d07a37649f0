//! `#[dd_timed]`: its arguments and their validation. Code generation is in `item_fn`.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream, Parser as _};
use syn::{Ident, LitStr, Path, Token};

use crate::args::{self, Attr, Errors, Macro, RawTag, Tag, kw};
use crate::{item_fn, validate};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    item_fn::expand(Macro::Timed, args, item)
}

/// `#[dd_timed(..)]` as written.
struct TimedArgs {
    name: Attr<LitStr>,
    tags: Attr<Vec<RawTag>>,
    krate: Attr<Path>,
    errors: Errors,
}

impl Parse for TimedArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut this = Self {
            name: Attr::new("name"),
            tags: Attr::new("tags"),
            krate: Attr::new("crate"),
            errors: Errors::default(),
        };
        let mut errors = Errors::default();
        args::parse_arguments(input, &mut errors, |input, errors| this.parse_one(input, errors))?;
        this.errors.absorb(errors);
        Ok(this)
    }
}

impl TimedArgs {
    fn parse_one(&mut self, input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<()> {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::name) {
            let keyword: kw::name = input.parse()?;
            let value = args::parse_value(input)?;
            if let Some(lit) = errors.take(args::expect_lit_str(value, "name", "checkout.latency")) {
                self.name.set(errors, keyword.span, lit);
            }
        } else if lookahead.peek(kw::tags) {
            let keyword: kw::tags = input.parse()?;
            let tags = args::parse_tags(input, errors)?;
            self.tags.set(errors, keyword.span, tags);
        } else if lookahead.peek(Token![crate]) {
            let keyword: Token![crate] = input.parse()?;
            if let Some(path) = args::parse_crate_path(input, errors)? {
                self.krate.set(errors, keyword.span, path);
            }
        } else if input.peek(Ident::peek_any) {
            args::unknown_argument(input, errors, Macro::Timed)?;
        } else {
            return Err(args::not_an_argument(input, Macro::Timed));
        }
        Ok(())
    }

    fn build(self) -> syn::Result<TimedConfig> {
        let mut errors = self.errors;
        let name = self.name.get().filter(|name| match validate::metric_name_error(&name.value()) {
            Some(message) => {
                errors.error(name.span(), message);
                false
            }
            None => true,
        });
        let tags = args::build_tags(self.tags.get().unwrap_or_default(), false, &mut errors);
        let krate = self.krate.get_with_span();
        errors.finish()?;
        Ok(TimedConfig { name, tags, krate })
    }
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
    TimedArgs::parse.parse2(args)?.build()
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::args::tests::messages;

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
