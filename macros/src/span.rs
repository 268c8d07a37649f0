//! `#[dd_span]`: its arguments and their validation. Code generation is in `item_fn`.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream, Parser as _};
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Path, Token};

use crate::args::{self, Attr, Errors, Macro, RawTag, Tag, kw};
use crate::{item_fn, validate};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    item_fn::expand(Macro::Span, args, item)
}

/// Span kinds, as OpenTelemetry names them.
const KINDS: [&str; 5] = ["server", "client", "producer", "consumer", "internal"];

/// Kinds whose spans call another service, so `peer.service` means something.
const PEER_KINDS: [&str; 2] = ["client", "producer"];

/// Longest resource Datadog keeps.
const MAX_RESOURCE: usize = 5000;

/// `#[dd_span(..)]` as written.
struct SpanArgs {
    name: Attr<LitStr>,
    resource: Attr<Expr>,
    kind: Attr<LitStr>,
    peer: Attr<LitStr>,
    span_type: Attr<LitStr>,
    measured: Attr<()>,
    tags: Attr<Vec<RawTag>>,
    krate: Attr<Path>,
    errors: Errors,
}

impl Parse for SpanArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut this = Self {
            name: Attr::new("name"),
            resource: Attr::new("resource"),
            kind: Attr::new("kind"),
            peer: Attr::new("peer"),
            span_type: Attr::new("span_type"),
            measured: Attr::new("measured"),
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

impl SpanArgs {
    fn parse_one(&mut self, input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<()> {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::name) {
            let keyword: kw::name = input.parse()?;
            let value = args::parse_value(input)?;
            if let Some(lit) = errors.take(args::expect_lit_str(value, "name", "payments.charge")) {
                self.name.set(errors, keyword.span, lit);
            }
        } else if lookahead.peek(kw::resource) {
            let keyword: kw::resource = input.parse()?;
            self.resource.set(errors, keyword.span, args::parse_value(input)?);
        } else if lookahead.peek(kw::kind) {
            let keyword: kw::kind = input.parse()?;
            let value = args::parse_value(input)?;
            if let Some(lit) = errors.take(args::expect_lit_str(value, "kind", "client")) {
                self.kind.set(errors, keyword.span, lit);
            }
        } else if lookahead.peek(kw::peer) {
            let keyword: kw::peer = input.parse()?;
            let value = args::parse_value(input)?;
            if let Some(lit) = errors.take(args::expect_lit_str(value, "peer", "payments-gateway")) {
                self.peer.set(errors, keyword.span, lit);
            }
        } else if lookahead.peek(kw::span_type) {
            let keyword: kw::span_type = input.parse()?;
            let value = args::parse_value(input)?;
            if let Some(lit) = errors.take(args::expect_lit_str(value, "span_type", "http")) {
                self.span_type.set(errors, keyword.span, lit);
            }
        } else if lookahead.peek(kw::measured) {
            let keyword: kw::measured = input.parse()?;
            if input.peek(Token![=]) {
                input.parse::<Token![=]>()?;
                let value: Expr = input.parse()?;
                errors.push(syn::Error::new_spanned(value, "`measured` takes no value: write `measured` alone"));
            }
            self.measured.set(errors, keyword.span, ());
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
            args::unknown_argument(input, errors, Macro::Span)?;
        } else {
            return Err(args::not_an_argument(input, Macro::Span));
        }
        Ok(())
    }
}

/// How the span's resource is set.
pub(crate) enum Resource {
    /// The function name, or `Type::method` for methods.
    Default,
    /// A literal.
    Lit(LitStr),
    /// An expression evaluated when the call starts.
    Expr(Box<Expr>),
}

/// `#[dd_span]`, validated.
pub(crate) struct SpanConfig {
    /// The operation name, when given.
    pub(crate) name: Option<LitStr>,
    pub(crate) resource: Resource,
    /// The OpenTelemetry kind, `None` for `internal`.
    pub(crate) kind: Option<&'static str>,
    pub(crate) peer: Option<LitStr>,
    pub(crate) span_type: Option<LitStr>,
    pub(crate) measured: bool,
    pub(crate) tags: Vec<Tag>,
    pub(crate) krate: Option<(Span, Path)>,
}

/// Parses and validates the arguments of one `#[dd_span]`.
pub(crate) fn config(args: TokenStream) -> syn::Result<SpanConfig> {
    SpanArgs::parse.parse2(args)?.build()
}

impl SpanArgs {
    fn build(self) -> syn::Result<SpanConfig> {
        let mut errors = self.errors;
        let name = self.name.get().filter(|name| match validate::operation_name_error(&name.value()) {
            Some(message) => {
                errors.error(name.span(), message);
                false
            }
            None => true,
        });
        let kind = self.kind.get().and_then(|lit| {
            let value = lit.value();
            let found = KINDS.iter().copied().find(|kind| *kind == value);
            if found.is_none() {
                let message = format!("unknown span kind `{value}`: expected {}", validate::one_of(&KINDS));
                errors.error(lit.span(), validate::with_suggestion(message, validate::did_you_mean(&value, KINDS)));
            }
            found
        });
        let peer_span = self.peer.span();
        let peer = self.peer.get();
        if let Some(span) = peer_span
            && !kind.is_some_and(|kind| PEER_KINDS.contains(&kind))
        {
            let kind = kind.map_or_else(|| "no `kind` (internal)".to_owned(), |kind| format!("`kind = \"{kind}\"`"));
            errors.error(
                span,
                format_args!(
                    "`peer` needs `kind = \"client\"` or `kind = \"producer\"`: it names the service this span calls, \
                     and this span has {kind}"
                ),
            );
        }
        if let Some(peer) = &peer
            && peer.value().is_empty()
        {
            errors.error(peer.span(), "empty `peer`: give the name of the service this span calls");
        }
        let span_type = self.span_type.get();
        if let Some(span_type) = &span_type
            && span_type.value().is_empty()
        {
            errors.error(span_type.span(), "empty `span_type`: give a Datadog span type, like `span_type = \"http\"`");
        }
        let resource = self.resource.get().map_or(Resource::Default, |value| resource(value, &mut errors));
        let tags = args::build_tags(self.tags.get().unwrap_or_default(), true, &mut errors);
        let measured = self.measured.is_set();
        let krate = self.krate.get_with_span();
        errors.finish()?;
        Ok(SpanConfig {
            name,
            resource,
            kind: kind.filter(|kind| *kind != "internal"),
            peer,
            span_type,
            measured,
            tags,
            krate,
        })
    }
}

/// The resource given as `resource = value`.
fn resource(value: Expr, errors: &mut Errors) -> Resource {
    match value {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => {
            let value = lit.value();
            if value.is_empty() {
                errors.error(lit.span(), "empty `resource`: leave `resource` out to use the function name");
            } else if value.len() > MAX_RESOURCE {
                errors.error(
                    lit.span(),
                    format_args!("`resource` is {} bytes long: Datadog keeps at most {MAX_RESOURCE}", value.len()),
                );
            }
            Resource::Lit(lit)
        }
        Expr::Lit(ExprLit { lit, .. }) => {
            errors.push(syn::Error::new_spanned(
                lit,
                "`resource` expects a string literal or an expression evaluated at each call, \
                 like `resource = \"GET /cart\"` or `resource = request.route()`",
            ));
            Resource::Default
        }
        expr => Resource::Expr(Box::new(expr)),
    }
}

#[cfg(test)]
mod tests {
    use quote::{ToTokens as _, quote};

    use super::*;
    use crate::args::tests::messages;

    #[test]
    fn all_arguments() {
        let config = config(quote!(
            name = "pay.charge",
            resource = req.route(),
            kind = "client",
            peer = "gw",
            span_type = "http",
            measured,
            tags(a = 1),
            crate = ::obs
        ))
        .unwrap();
        assert_eq!(config.name.unwrap().value(), "pay.charge");
        assert!(matches!(config.resource, Resource::Expr(_)));
        assert_eq!(config.kind, Some("client"));
        assert_eq!(config.peer.unwrap().value(), "gw");
        assert_eq!(config.span_type.unwrap().value(), "http");
        assert!(config.measured);
        assert_eq!(config.tags.len(), 1);
        assert_eq!(config.krate.unwrap().1.to_token_stream().to_string(), ":: obs");
    }

    #[test]
    fn internal_is_the_default_kind() {
        assert_eq!(config(quote!(kind = "internal")).unwrap().kind, None);
        assert_eq!(config(TokenStream::new()).unwrap().kind, None);
        assert!(matches!(config(quote!(resource = "GET /")).unwrap().resource, Resource::Lit(_)));
    }

    #[test]
    fn every_mistake_is_reported_once() {
        let errors = messages(config(quote!(
            nmae = "x",
            kind = "clinet",
            name = 1,
            peer = "db",
            measured,
            measured,
            tags(A = 1),
            span_type = ""
        )));
        assert_eq!(
            errors,
            [
                "unknown argument `nmae` of `#[dd_span]`: expected `name`, `resource`, `kind`, `peer`, `span_type`, \
                 `measured`, `tags` or `crate`; did you mean `name`?",
                "`name` expects a string literal, like `name = \"payments.charge\"`",
                "duplicate argument `measured`",
                "unknown span kind `clinet`: expected `server`, `client`, `producer`, `consumer` or `internal`; did \
                 you mean `client`?",
                "`peer` needs `kind = \"client\"` or `kind = \"producer\"`: it names the service this span calls, and \
                 this span has no `kind` (internal)",
                "empty `span_type`: give a Datadog span type, like `span_type = \"http\"`",
                "invalid tag key `A`: tag keys start with a lowercase letter and contain only lowercase letters, \
                 digits, `_`, `-`, `.` and `/`; did you mean `a`?",
            ]
        );
    }

    #[test]
    fn syntax_errors_keep_earlier_errors() {
        let errors = messages(config(quote!(nmae = "x", kind "client")));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[1], "expected `=`");
    }

    #[test]
    fn what_is_not_an_argument_lists_the_arguments() {
        let expected = "expected an argument of `#[dd_span]`: `name`, `resource`, `kind`, `peer`, `span_type`, \
                        `measured`, `tags` or `crate`";
        assert_eq!(messages(config(quote!(42))), [expected]);
        assert_eq!(
            messages(config(quote!("payments.charge"))),
            [format!("{expected}; did you mean `name = \"payments.charge\"`?")]
        );
    }

    #[test]
    fn syntax_errors_in_tags_keep_the_other_errors() {
        let errors = messages(config(quote!(kind = "clinet", tags(42 = "answer"), span_type = "")));
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("expected a tag key"), "{errors:?}");
        assert!(errors[1].starts_with("unknown span kind `clinet`"), "{errors:?}");
        assert!(errors[2].starts_with("empty `span_type`"), "{errors:?}");
    }

    #[test]
    fn arguments_of_other_attributes_are_named() {
        let errors = messages(config(quote!(target = 99.9)));
        assert_eq!(
            errors,
            ["unknown argument `target` of `#[dd_span]`: `target` is an argument of `#[dd_slo]`; `#[dd_span]` \
                 takes `name`, `resource`, `kind`, `peer`, `span_type`, `measured`, `tags` or `crate`"]
        );
    }
}
