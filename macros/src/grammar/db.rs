//! `db(..)` in `#[dd_span]`: the span describes a call to a database.
//!
//! `db(system = "postgresql", name = "shop", statement = SQL, host = "db.internal", port = 5432)`:
//! `system` is required, a literal checked against OpenTelemetry's `db.system` names (the table
//! of `dd_instrument_rules::db`, which also gives the span type); `name`, `host` and `port` are
//! literals or expressions evaluated at each call; `statement` is an expression evaluated at each
//! call (a `&str` argument, a constant), obfuscated by the runtime before anything records it.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::ParseStream;
use syn::{Expr, ExprLit, Lit, LitStr, Token};

use super::{Argument, Errors, Grammar, Guide, Slot};
use crate::validate;

/// The arguments of `db(..)`.
const GRAMMAR: Grammar<RawDb> = Grammar {
    attribute: "dd_span(db(..))",
    noun: "argument",
    arguments: &[
        Argument::<RawDb>::string("system", "postgresql", |raw| &mut raw.system).required(),
        Argument::expr("name", "\"shop\"", |raw| &mut raw.name),
        Argument::expr("statement", "SQL", |raw| &mut raw.statement),
        Argument::expr("host", "\"db.internal\"", |raw| &mut raw.host),
        Argument::expr("port", "5432", |raw| &mut raw.port),
    ],
    conflicts: &[],
    guide,
};

/// What to tell a user who writes, in `db(..)`, a keyword it does not take.
fn guide(keyword: &str) -> Option<Guide> {
    Some(match keyword {
        "db_system" | "type" => Guide::Renamed("system"),
        "database" | "db_name" | "instance" | "namespace" => Guide::Renamed("name"),
        "query" | "sql" | "text" | "db_statement" => Guide::Renamed("statement"),
        "address" | "server" | "hostname" => Guide::Renamed("host"),
        "peer" | "peer_service" | "service" => Guide::Explained(
            "the service a database call goes to is the `peer = \"..\"` argument of `#[dd_span]`, beside `db(..)`",
        ),
        "operation" => Guide::Explained("`db.operation` is read from the statement (`SELECT`, `GET`, ...)"),
        "kind" | "resource" | "span_type" | "measured" | "tags" => Guide::Elsewhere("dd_span"),
        _ => return None,
    })
}

/// `db(..)` as written.
#[derive(Default)]
pub(crate) struct RawDb {
    system: Slot<LitStr>,
    name: Slot<Expr>,
    statement: Slot<Expr>,
    host: Slot<Expr>,
    port: Slot<Expr>,
}

/// A value known at compile time, or an expression evaluated at each call.
pub(crate) enum DbValue {
    /// A literal: a string, or for `port` an integer (`i64`, as Datadog reads ports).
    Lit(TokenStream),
    Expr(Box<Expr>),
}

/// `db(..)`, validated.
pub(crate) struct DbConfig {
    /// `db.system`, one of `dd_instrument_rules::db::SYSTEMS`.
    pub(crate) system: LitStr,
    /// Its Datadog span type: `sql`, `redis`, ...
    pub(crate) span_type: &'static str,
    pub(crate) name: Option<DbValue>,
    pub(crate) statement: Option<Expr>,
    pub(crate) host: Option<DbValue>,
    pub(crate) port: Option<DbValue>,
}

/// The form to write, in messages.
const FORM: &str = "db(system = \"postgresql\", ..)";

/// Parses what follows the keyword `db` at `span`: `(..)`. Another form is reported and
/// skipped: `None`.
pub(crate) fn parse(input: ParseStream<'_>, span: Span, errors: &mut Errors) -> syn::Result<Option<RawDb>> {
    if input.peek(syn::token::Paren) {
        let group: proc_macro2::Group = input.parse()?;
        let mut local = Errors::default();
        let mut raw = GRAMMAR.parse(group.stream(), &mut local);
        if !GRAMMAR.missing(&mut raw, &local).is_empty() {
            local.error(
                group.span(),
                format_args!(
                    "`db(..)` needs `system`, the database's `db.system` name ({}): write `{FORM}`",
                    common_systems()
                ),
            );
        }
        errors.absorb(local);
        return Ok(Some(raw));
    }
    if input.peek(Token![=]) {
        let equals: Token![=] = input.parse()?;
        let value: Expr = input.parse()?;
        let keyword = syn::Ident::new("db", span);
        let suggestion = match &value {
            Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => format!("db(system = {})", lit.to_token_stream()),
            _ => FORM.to_owned(),
        };
        errors.push(syn::Error::new_spanned(
            quote!(#keyword #equals #value),
            format_args!("`db` takes its arguments in parentheses: write `{suggestion}`"),
        ));
        return Ok(None);
    }
    errors.error(span, format_args!("`db` needs its arguments in parentheses, like `{FORM}`"));
    Ok(None)
}

/// The systems a message lists: the common ones.
fn common_systems() -> String {
    format!(
        "like {}",
        validate::one_of(&["postgresql", "mysql", "mssql", "sqlite", "oracle", "redis", "mongodb", "cassandra"])
    )
}

/// Validates `db(..)`.
pub(crate) fn build(raw: RawDb, errors: &mut Errors) -> Option<DbConfig> {
    let system = raw.system.get().and_then(|lit| system(lit, errors));
    let name = raw.name.get().and_then(|value| text(value, "name", errors));
    let host = raw.host.get().and_then(|value| text(value, "host", errors));
    let port = raw.port.get().and_then(|value| port(value, errors));
    let statement = raw.statement.get().and_then(|value| match value {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) if lit.value().trim().is_empty() => {
            errors.error(lit.span(), "empty `statement`: leave it out when the call has no statement");
            None
        }
        Expr::Lit(ExprLit { lit, .. }) if !matches!(lit, Lit::Str(_)) => {
            errors.push(syn::Error::new_spanned(
                lit,
                "`statement` expects the statement as sent, a `&str`: a string literal, a constant or an argument",
            ));
            None
        }
        value => Some(value),
    });
    let (system, span_type) = system?;
    Some(DbConfig { system, span_type, name, statement, host, port })
}

/// The system and its span type, if `lit` names a system by its `db.system` name.
fn system(lit: LitStr, errors: &mut Errors) -> Option<(LitStr, &'static str)> {
    let value = lit.value();
    match dd_instrument_rules::db::system(&value) {
        Some((name, span_type)) if name == value => Some((lit, span_type)),
        Some((name, _)) => {
            errors.error(
                lit.span(),
                format_args!(
                    "`{value}` is written `{name}` in `db.system`, the name Datadog knows: write `system = \"{name}\"`"
                ),
            );
            None
        }
        None => {
            let known = dd_instrument_rules::db::SYSTEMS.iter().map(|(name, _)| *name);
            let message = format!(
                "unknown database system `{value}`: `system` is OpenTelemetry's `db.system` name, {}",
                common_systems()
            );
            errors.error(lit.span(), validate::with_suggestion(message, validate::did_you_mean(&value, known)));
            None
        }
    }
}

/// `name` or `host`: a non-empty string literal, or an expression.
fn text(value: Expr, argument: &str, errors: &mut Errors) -> Option<DbValue> {
    match value {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => {
            if lit.value().is_empty() {
                errors.error(lit.span(), format_args!("empty `{argument}`: leave it out when it is not known"));
                return None;
            }
            Some(DbValue::Lit(lit.into_token_stream()))
        }
        Expr::Lit(ExprLit { lit, .. }) => {
            errors.push(syn::Error::new_spanned(
                lit,
                format_args!("`{argument}` expects a string literal or an expression evaluated at each call"),
            ));
            None
        }
        value => Some(DbValue::Expr(Box::new(value))),
    }
}

/// `port`: an integer literal from 1 to 65535, or an expression.
fn port(value: Expr, errors: &mut Errors) -> Option<DbValue> {
    match value {
        Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => match int.base10_parse::<u16>() {
            Ok(port) if port > 0 && super::unknown_suffix(&Lit::Int(int.clone())).is_none() => {
                Some(DbValue::Lit(proc_macro2::Literal::i64_suffixed(i64::from(port)).into_token_stream()))
            }
            _ => {
                errors.error(int.span(), "`port` expects a TCP port, from 1 to 65535");
                None
            }
        },
        Expr::Lit(ExprLit { lit, .. }) => {
            errors.push(syn::Error::new_spanned(
                lit,
                "`port` expects an integer literal, like `port = 5432`, or an expression evaluated at each call",
            ));
            None
        }
        value => Some(DbValue::Expr(Box::new(value))),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::grammar::tests::messages;
    use syn::parse::Parser as _;

    fn config(tokens: TokenStream) -> (Option<DbConfig>, Vec<String>) {
        let mut errors = Errors::default();
        let raw = (|input: ParseStream<'_>| parse(input, Span::call_site(), &mut errors)).parse2(tokens).unwrap();
        let config = raw.and_then(|raw| build(raw, &mut errors));
        (config, messages(errors.finish()))
    }

    #[test]
    fn every_argument() {
        let (db, errors) =
            config(quote!((system = "postgresql", name = tenant.db(), statement = SQL, host = "db", port = 5432)));
        assert_eq!(errors, Vec::<String>::new());
        let db = db.unwrap();
        assert_eq!((db.system.value().as_str(), db.span_type), ("postgresql", "sql"));
        assert!(matches!(db.name, Some(DbValue::Expr(_))));
        assert_eq!(db.statement.unwrap().to_token_stream().to_string(), "SQL");
        assert!(matches!(db.host, Some(DbValue::Lit(_))));
        assert!(matches!(&db.port, Some(DbValue::Lit(port)) if port.to_string() == "5432i64"));
        let (db, _) = config(quote!((system = "redis")));
        assert_eq!(db.unwrap().span_type, "redis");
    }

    #[test]
    fn systems_are_checked() {
        let (_, errors) = config(quote!((system = "postgres")));
        assert_eq!(
            errors,
            [
                "`postgres` is written `postgresql` in `db.system`, the name Datadog knows: write `system = \"postgresql\"`"
            ]
        );
        let (_, errors) = config(quote!((system = "mysqll")));
        assert_eq!(
            errors,
            ["unknown database system `mysqll`: `system` is OpenTelemetry's `db.system` name, like `postgresql`, \
              `mysql`, `mssql`, `sqlite`, `oracle`, `redis`, `mongodb` or `cassandra`; did you mean `mysql`?"]
        );
        let (_, errors) = config(quote!((name = "shop")));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("`db(..)` needs `system`"), "{errors:?}");
    }

    #[test]
    fn mistakes_in_values_and_forms() {
        let (_, errors) =
            config(quote!((system = "mysql", name = "", host = 1, port = 70000, statement = 42, query = "x")));
        assert_eq!(
            errors,
            [
                "unknown argument `query` of `#[dd_span(db(..))]`: expected `system`, `name`, `statement`, `host` or \
                 `port`; did you mean `statement`?",
                "empty `name`: leave it out when it is not known",
                "`host` expects a string literal or an expression evaluated at each call",
                "`port` expects a TCP port, from 1 to 65535",
                "`statement` expects the statement as sent, a `&str`: a string literal, a constant or an argument",
            ]
        );
        let (_, errors) = config(quote!(= "postgresql"));
        assert_eq!(errors, ["`db` takes its arguments in parentheses: write `db(system = \"postgresql\")`"]);
        let (_, errors) = config(quote!((system = "mysql", kind = "client", peer = "x")));
        assert_eq!(
            errors,
            [
                "unknown argument `kind` of `#[dd_span(db(..))]`: `kind` is an argument of `#[dd_span]`; \
                 `#[dd_span(db(..))]` takes `system`, `name`, `statement`, `host` or `port`",
                "unknown argument `peer` of `#[dd_span(db(..))]`: the service a database call goes to is the `peer = \
                 \"..\"` argument of `#[dd_span]`, beside `db(..)`",
            ]
        );
    }
}
