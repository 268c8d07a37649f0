//! `#[dd_span]`: its arguments, and their validation into a [`SpanConfig`].

use proc_macro2::{Span, TokenStream};
use syn::{Expr, ExprLit, Lit, LitStr, Path};

use super::Macro;
use crate::grammar::db::{self, DbConfig, RawDb};
use crate::grammar::tags::{self, RawTag, Tag};
use crate::grammar::{Argument, Errors, Grammar, Slot};
use crate::validate;

/// Span kinds, as OpenTelemetry names them.
const KINDS: [&str; 5] = ["server", "client", "producer", "consumer", "internal"];

/// Kinds whose spans call another service, so `peer.service` means something.
const PEER_KINDS: [&str; 2] = ["client", "producer"];

/// Longest resource Datadog keeps.
const MAX_RESOURCE: usize = 5000;

/// The arguments of `#[dd_span]`, in the order of its documentation.
pub(crate) const GRAMMAR: Grammar<SpanArgs> = Grammar {
    attribute: "dd_span",
    noun: "argument",
    arguments: &[
        Argument::string("name", "payments.charge", |args| &mut args.name),
        Argument::expr("resource", "\"GET /cart\"", |args| &mut args.resource),
        Argument::string("kind", "client", |args| &mut args.kind),
        Argument::string("peer", "payments-gateway", |args| &mut args.peer),
        Argument::string("span_type", "http", |args| &mut args.span_type),
        Argument::flag("measured", |args| &mut args.measured),
        Argument::tags(|args| &mut args.tags),
        Argument::db(|args| &mut args.db),
        Argument::krate(|args| &mut args.krate),
    ],
    conflicts: &[
        ("db", "span_type", "`db(..)` sets the span type from the database system: leave `span_type` out"),
        (
            "db",
            "resource",
            "`db(..)` sets the resource: the obfuscated statement, else the function name; leave `resource` out",
        ),
    ],
    guide: |keyword| Macro::Span.guide(keyword),
};

/// `#[dd_span(..)]` as written.
#[derive(Default)]
pub(crate) struct SpanArgs {
    name: Slot<LitStr>,
    resource: Slot<Expr>,
    kind: Slot<LitStr>,
    peer: Slot<LitStr>,
    span_type: Slot<LitStr>,
    measured: Slot<()>,
    tags: Slot<Vec<RawTag>>,
    db: Slot<RawDb>,
    krate: Slot<Path>,
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
    /// `db(..)`: a call to a database (the kind is then `client`).
    pub(crate) db: Option<DbConfig>,
    pub(crate) krate: Option<(Span, Path)>,
}

/// Parses and validates the arguments of one `#[dd_span]`.
pub(crate) fn config(args: TokenStream) -> syn::Result<SpanConfig> {
    let mut errors = Errors::default();
    GRAMMAR.parse(args, &mut errors).build(errors)
}

impl SpanArgs {
    /// Validates the arguments together; `errors` holds those of parsing.
    fn build(self, mut errors: Errors) -> syn::Result<SpanConfig> {
        let name = self.name.get().filter(|name| match validate::operation_name_error(&name.value()) {
            Some(message) => {
                errors.error(name.span(), message);
                false
            }
            None => true,
        });
        // A `kind` written but not valid is reported once: `peer` is then not checked against it.
        let kind_written = self.kind.is_given();
        let db_given = self.db.is_given();
        let kind = self.kind.get().and_then(|lit| {
            let value = lit.value();
            let found = KINDS.iter().copied().find(|kind| *kind == value);
            if found.is_none() {
                let message = format!("unknown span kind `{value}`: expected {}", validate::one_of(&KINDS));
                errors.error(lit.span(), validate::with_suggestion(message, validate::did_you_mean(&value, KINDS)));
            } else if db_given && found != Some("client") {
                errors.error(
                    lit.span(),
                    format_args!(
                        "a `db(..)` span is a database client's: its kind is `client` (the default with `db(..)`), \
                         not `{value}`"
                    ),
                );
            }
            found
        });
        // A database call is a client span, written or not.
        let kind = if db_given && !kind_written { Some("client") } else { kind };
        let peer_span = self.peer.span();
        let peer = self.peer.get();
        if let Some(span) = peer_span
            && (kind.is_some() || !kind_written)
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
        let tags = tags::build(self.tags.get().unwrap_or_default(), true, &mut errors);
        let measured = self.measured.is_given();
        let db = self.db.get().and_then(|raw| db::build(raw, &mut errors));
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
            db,
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
    use crate::grammar::tests::messages;

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
                 `measured`, `tags`, `db` or `crate`; did you mean `name`?",
                "`name` expects a string literal, like `name = \"payments.charge\"`",
                "duplicate argument `measured`",
                "unknown span kind `clinet`: expected `server`, `client`, `producer`, `consumer` or `internal`; did \
                 you mean `client`?",
                "empty `span_type`: give a Datadog span type, like `span_type = \"http\"`",
                "invalid tag key `A`: tag keys start with a lowercase letter and contain only lowercase letters, \
                 digits, `_`, `-`, `.` and `/`; did you mean `a`?",
            ]
        );
    }

    #[test]
    fn peer_is_checked_against_a_valid_kind_only() {
        for kind in [quote!("clent"), quote!(client), quote!(1)] {
            let errors = messages(config(quote!(kind = #kind, peer = "db")));
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(!errors[0].contains("peer"), "{errors:?}");
        }
        let errors = messages(config(quote!(kind = "server", peer = "db")));
        assert!(errors[0].ends_with("and this span has `kind = \"server\"`"), "{errors:?}");
        let errors = messages(config(quote!(peer = "db")));
        assert!(errors[0].ends_with("and this span has no `kind` (internal)"), "{errors:?}");
        assert!(config(quote!(kind = "producer", peer = "queue")).is_ok());
    }

    #[test]
    fn db_makes_a_client_span_and_takes_no_other_kind() {
        let span = config(quote!(peer = "orders-db", db(system = "postgresql", statement = SQL))).unwrap();
        assert_eq!(span.kind, Some("client"));
        assert_eq!(span.db.map(|db| db.span_type), Some("sql"));
        assert_eq!(config(quote!(kind = "client", db(system = "redis"))).unwrap().kind, Some("client"));
        let errors = messages(config(quote!(kind = "producer", db(system = "redis"), span_type = "cache")));
        assert_eq!(
            errors,
            [
                "`db(..)` sets the span type from the database system: leave `span_type` out",
                "a `db(..)` span is a database client's: its kind is `client` (the default with `db(..)`), not \
                 `producer`",
            ]
        );
    }

    #[test]
    fn arguments_under_other_names_are_named() {
        let errors = messages(config(quote!(type = "sql", span_kind = "client", service = "carts")));
        assert_eq!(
            errors,
            [
                "unknown argument `type` of `#[dd_span]`: expected `name`, `resource`, `kind`, `peer`, `span_type`, \
                 `measured`, `tags`, `db` or `crate`; did you mean `span_type`?",
                "unknown argument `span_kind` of `#[dd_span]`: expected `name`, `resource`, `kind`, `peer`, \
                 `span_type`, `measured`, `tags`, `db` or `crate`; did you mean `kind`?",
                "unknown argument `service` of `#[dd_span]`: the service of every span and metric comes from \
                 `DD_SERVICE`; for the service this span calls, write `kind = \"client\", peer = \"..\"`",
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
                        `measured`, `tags`, `db` or `crate`";
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
                 takes `name`, `resource`, `kind`, `peer`, `span_type`, `measured`, `tags`, `db` or `crate`"]
        );
    }
}
