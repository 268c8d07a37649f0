//! `tags(..)`: the tags of a span or a metric, shared by the three attribute macros.
//!
//! Entries are `key = value` (a literal, known at compile time, or an expression evaluated at
//! each call, possibly wrapped in `redact(..)` or `hash(..)`: see [`sensitive`]) and `..expr`
//! (every tag of a `DdTags` value). Keys are checked by Datadog's rules here; literal values
//! become the static tags of metrics.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Token, UnOp};

use super::Errors;
use super::sensitive::{self, Value};
use crate::validate;

/// A `tags(..)` entry as written.
pub(crate) enum RawTag {
    /// `key = value`.
    Pair { key: String, key_tokens: TokenStream, value: Expr },
    /// `..expr`: every tag of a `DdTags` value.
    Spread(Expr),
}

/// Parses `(..)` after `tags`: the entries up to the first syntax error, which goes to `errors`.
///
/// The rest of the parentheses is skipped after a syntax error: tokens left in them would make
/// syn replace every error found so far with its own "unexpected token".
pub(crate) fn parse(input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<Vec<RawTag>> {
    let content;
    syn::parenthesized!(content in input);
    let mut tags = Vec::new();
    let result = (|| {
        while !content.is_empty() {
            tags.push(content.parse::<RawTag>()?);
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        Ok(())
    })();
    if let Err(error) = result {
        errors.push(error);
        content.parse::<TokenStream>()?;
    }
    Ok(tags)
}

impl Parse for RawTag {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Token![..]) {
            input.parse::<Token![..]>()?;
            return Ok(Self::Spread(input.parse()?));
        }
        let (key, key_tokens) = if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            (lit.value(), lit.to_token_stream())
        } else if input.peek(Ident::peek_any) {
            // `order.priority`: identifiers (keywords too, `type`) joined by dots.
            let mut segments = vec![Ident::parse_any(input)?];
            while input.peek(Token![.]) {
                input.parse::<Token![.]>()?;
                segments.push(Ident::parse_any(input)?);
            }
            let key = segments.iter().map(|segment| segment.unraw().to_string()).collect::<Vec<_>>().join(".");
            let tokens = quote!(#(#segments).*);
            (key, tokens)
        } else {
            return Err(input.error(
                "expected a tag key: an identifier (`team`), a dotted path (`order.priority`) or a string literal \
                 (`\"http.route\"`), or `..<expression>` to add every tag of a `DdTags` value",
            ));
        };
        if !input.peek(Token![=]) {
            return Err(syn::Error::new_spanned(
                &key_tokens,
                format_args!(
                    "expected `{key} = <value>` in `tags(..)`, or `..<expression>` to add every tag of a `DdTags` value"
                ),
            ));
        }
        input.parse::<Token![=]>()?;
        Ok(Self::Pair { key, key_tokens, value: input.parse()? })
    }
}

/// A validated tag.
pub(crate) enum Tag {
    /// A literal value: known at compile time.
    Lit { key: String, value: TagLit },
    /// An expression evaluated once per call.
    Expr { key: String, expr: Expr },
    /// `key = redact(expr)`: `expr` is evaluated once per call and never read; the tag is the
    /// constant `value` (`[REDACTED]`).
    Redacted { key: String, expr: Expr, value: TagLit },
    /// `key = hash(expr)`: the keyed hash of `expr`, evaluated once per call (span tags only).
    Hashed { key: String, expr: Expr },
    /// `..expr`: every tag of a `DdTags` value, evaluated once per call.
    Spread(Expr),
}

/// A literal tag value: the span attribute keeps its type, the metric tag is normalized text.
pub(crate) struct TagLit {
    /// Tokens of the span attribute value.
    pub(crate) field: TokenStream,
    /// Normalized `key:value` for metrics.
    pub(crate) metric: String,
}

/// Span attributes `#[dd_span]` sets itself, with what to use instead.
const SPAN_OWNED_KEYS: [(&str, &str); 6] = [
    ("operation.name", "use `name = \"..\"`"),
    ("resource.name", "use `resource = ..`"),
    ("span.type", "use `span_type = \"..\"`"),
    ("peer.service", "use `peer = \"..\"` with `kind = \"client\"`"),
    ("span.kind", "use `kind = \"..\"`"),
    ("_dd.measured", "use `measured`"),
];

/// Prefixes of span attributes `#[dd_span]` and the exporter own.
const SPAN_OWNED_PREFIXES: [&str; 3] = ["otel.", "error.", "code."];

/// Validates the entries of `tags(..)`: keys by Datadog's rules, no key twice, literal values
/// turned into static tags. `for_span` also rejects keys that `#[dd_span]` sets itself.
pub(crate) fn build(raw: Vec<RawTag>, for_span: bool, errors: &mut Errors) -> Vec<Tag> {
    let mut seen = BTreeSet::new();
    let mut tags = Vec::with_capacity(raw.len());
    for entry in raw {
        let (key, key_tokens, value) = match entry {
            RawTag::Pair { key, key_tokens, value } => (key, key_tokens, value),
            RawTag::Spread(expr) => {
                match sensitive::spread_error(&expr) {
                    Some(error) => errors.push(error),
                    None => tags.push(Tag::Spread(expr)),
                }
                continue;
            }
        };
        let error_at = |message: String| syn::Error::new_spanned(&key_tokens, message);
        if let Some(problem) = validate::tag_key_problem(&key) {
            errors.push(error_at(problem.did_you_mean()));
            continue;
        }
        if for_span {
            if let Some((_, instead)) = SPAN_OWNED_KEYS.iter().find(|(owned, _)| *owned == key) {
                errors.push(error_at(format!("tag key `{key}` is set by `#[dd_span]` itself: {instead}")));
                continue;
            }
            if let Some(prefix) = SPAN_OWNED_PREFIXES.iter().find(|prefix| key.starts_with(**prefix)) {
                errors.push(error_at(format!(
                    "tag key `{key}` is reserved: `#[dd_span]` and the exporter set the `{prefix}*` attributes"
                )));
                continue;
            }
        }
        if !seen.insert(key.clone()) {
            errors.push(error_at(format!("duplicate tag key `{key}`")));
            continue;
        }
        let value = match sensitive::classify(value) {
            Ok(Value::Plain(value)) => value,
            Ok(Value::Redact(expr)) => {
                let marker = sensitive::REDACTED;
                let field = quote!(#marker);
                let metric =
                    validate::static_tag(&key, sensitive::REDACTED).expect("valid keys normalize to themselves");
                tags.push(Tag::Redacted { key, expr, value: TagLit { field, metric } });
                continue;
            }
            Ok(Value::Hash { wrapper, expr }) => {
                if for_span {
                    tags.push(Tag::Hashed { key, expr });
                } else {
                    errors.push(sensitive::hash_on_metric(wrapper, &key));
                }
                continue;
            }
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        match literal_value(&value) {
            Some(Ok((field, text))) => {
                let metric = validate::static_tag(&key, &text).expect("valid keys normalize to themselves");
                tags.push(Tag::Lit { key, value: TagLit { field, metric } });
            }
            Some(Err(error)) => errors.push(error),
            None => tags.push(Tag::Expr { key, expr: value }),
        }
    }
    tags
}

/// A literal tag value as span attribute tokens and as text; `None` when `value` is not a
/// literal (then it is evaluated at run time).
fn literal_value(value: &Expr) -> Option<syn::Result<(TokenStream, String)>> {
    let (negative, lit) = match value {
        Expr::Lit(ExprLit { lit, .. }) => (false, lit),
        Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr, .. }) => match &**expr {
            Expr::Lit(ExprLit { lit: lit @ (Lit::Int(_) | Lit::Float(_)), .. }) => (true, lit),
            _ => return None,
        },
        _ => return None,
    };
    let sign = if negative { "-" } else { "" };
    if let Some(suffix) = super::unknown_suffix(lit) {
        let written = lit.to_token_stream().to_string();
        return Some(Err(syn::Error::new(
            lit.span(),
            format_args!(
                "`{sign}{written}` is not a number: its suffix `{suffix}` is not a number type (`5u64`, `0.5f64`); \
                 for text, write `\"{sign}{written}\"`"
            ),
        )));
    }
    Some(match lit {
        Lit::Str(text) => Ok((text.to_token_stream(), text.value())),
        Lit::Bool(flag) => Ok((flag.to_token_stream(), flag.value.to_string())),
        Lit::Int(int) => {
            let text = format!("{sign}{}", int.base10_digits());
            // Span attributes keep integers typed; beyond `i64` they travel as text, as the
            // runtime does for `u64` values.
            let field = text.parse::<i64>().map_or_else(
                |_| LitStr::new(&text, int.span()).into_token_stream(),
                |number| proc_macro2::Literal::i64_suffixed(number).into_token_stream(),
            );
            Ok((field, text))
        }
        Lit::Float(float) => match float.base10_parse::<f64>() {
            Ok(number) => {
                let number = if negative { -number } else { number };
                let lit = proc_macro2::Literal::f64_suffixed(number);
                Ok((quote!(#lit), number.to_string()))
            }
            Err(error) => Err(error),
        },
        other => Err(syn::Error::new(
            other.span(),
            "tag values are strings, integers, floats, booleans or expressions; this literal is none of these",
        )),
    })
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::grammar::tests::messages;

    /// The entries of `tokens`, `(..)`, and the syntax errors.
    fn raw_tags(tokens: TokenStream) -> (Vec<RawTag>, Vec<String>) {
        use syn::parse::Parser as _;
        let mut errors = Errors::default();
        let raw = (|input: ParseStream<'_>| parse(input, &mut errors)).parse2(tokens).expect("parses");
        (raw, messages(errors.finish()))
    }

    fn tags(tokens: TokenStream) -> (Vec<Tag>, Vec<String>) {
        let (raw, syntax) = raw_tags(tokens);
        assert_eq!(syntax, Vec::<String>::new());
        let mut errors = Errors::default();
        let tags = build(raw, true, &mut errors);
        (tags, messages(errors.finish()))
    }

    #[test]
    fn keys_are_identifiers_dotted_paths_keywords_or_strings() {
        let (tags, errors) =
            tags(quote!((team = "a", order.priority = 1, r#type = "b", match = "c", "http-route" = "d")));
        assert_eq!(errors, Vec::<String>::new());
        let keys: Vec<&str> = tags
            .iter()
            .map(|tag| match tag {
                Tag::Lit { key, .. } | Tag::Expr { key, .. } | Tag::Redacted { key, .. } | Tag::Hashed { key, .. } => {
                    key.as_str()
                }
                Tag::Spread(_) => "..",
            })
            .collect();
        assert_eq!(keys, ["team", "order.priority", "type", "match", "http-route"]);
    }

    fn describe(tag: &Tag) -> String {
        match tag {
            Tag::Lit { value, .. } => format!("{} = {}", value.metric, value.field),
            Tag::Expr { key, expr } => format!("{key} = expr {}", expr.to_token_stream()),
            Tag::Redacted { key, expr, value } => {
                format!("{} = {} (evaluates {key} = {})", value.metric, value.field, expr.to_token_stream())
            }
            Tag::Hashed { key, expr } => format!("{key} = hash {}", expr.to_token_stream()),
            Tag::Spread(expr) => format!("..{}", expr.to_token_stream()),
        }
    }

    #[test]
    fn redact_is_a_constant_and_hash_an_expression() {
        let (tags, errors) = tags(quote!((
            card = redact(order.card()),
            user = hash(user.id),
            own = self::redact(x),
            has = has(flags),
            cash = cash(x)
        )));
        assert!(errors.is_empty(), "{errors:?}");
        let described: Vec<String> = tags.iter().map(describe).collect();
        assert_eq!(
            described,
            [
                "card:_redacted = \"[REDACTED]\" (evaluates card = order . card ())",
                "user = hash user . id",
                "own = expr self :: redact (x)",
                "has = expr has (flags)",
                "cash = expr cash (x)",
            ]
        );
    }

    #[test]
    fn misused_wrappers_are_errors() {
        let (tags, errors) = tags(quote!((
            a = redacted(x),
            b = hashed(x),
            c = hsah(x),
            d = redact(x, y),
            e = hash(),
            f = hash(redact(x)),
            g = redact(hash(x)),
            h = redact!(x),
            ..redact(all)
        )));
        assert!(tags.is_empty());
        assert_eq!(errors.len(), 9, "{errors:?}");
        assert!(errors[0].starts_with("unknown tag value wrapper `redacted(..)`: did you mean `redact(..)`?"));
        assert!(errors[0].ends_with("write a path to it: `self::redacted(..)`)"), "{errors:?}");
        assert!(errors[1].contains("did you mean `hash(..)`?"));
        assert!(errors[2].contains("did you mean `hash(..)`?"));
        assert_eq!(errors[3], "`redact(..)` takes one value, not 2: `redact(card_no)`");
        assert_eq!(errors[4], "`hash(..)` takes one value, not 0: `hash(card_no)`");
        assert!(errors[5].starts_with("`redact(..)` inside `hash(..)`"));
        assert!(errors[6].starts_with("`hash(..)` inside `redact(..)`"));
        assert_eq!(errors[7], "`redact` is not a macro: write `redact(<value>)`");
        assert!(errors[8].starts_with("`redact(..)` wraps one tag value"));
    }

    #[test]
    fn metric_tags_take_redact_but_not_hash() {
        let (raw, _) = raw_tags(quote!((card = redact(card), user = hash(user))));
        let mut errors = Errors::default();
        let tags = build(raw, false, &mut errors);
        assert_eq!(
            tags.iter().map(describe).collect::<Vec<_>>(),
            ["card:_redacted = \"[REDACTED]\" (evaluates card = card)"]
        );
        let errors = messages(errors.finish());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("`hash(..)` is for span tags"), "{errors:?}");
        assert!(errors[0].contains("`#[dd_span(tags(user = hash(..)))]`"), "{errors:?}");
    }

    #[test]
    fn literal_values_are_static_and_expressions_are_not() {
        let (tags, errors) = tags(quote!((
            region = "EU West",
            n = 42,
            neg = -3,
            f = 1.0,
            ok = true,
            big = 18446744073709551615u64,
            e = x.y(),
            ..spread
        )));
        assert!(errors.is_empty(), "{errors:?}");
        let described: Vec<String> = tags.iter().map(describe).collect();
        assert_eq!(
            described,
            [
                "region:eu_west = \"EU West\"",
                "n:42 = 42i64",
                "neg:-3 = - 3i64",
                "f:1 = 1f64",
                "ok:true = true",
                "big:18446744073709551615 = \"18446744073709551615\"",
                "e = expr x . y ()",
                "..spread",
            ]
        );
    }

    #[test]
    fn numbers_with_units_are_not_numbers() {
        let (tags, errors) = tags(quote!((timeout = 5s, ratio = -0.5x, n = 5u8, f = 1.5f32)));
        assert_eq!(
            errors,
            [
                "`5s` is not a number: its suffix `s` is not a number type (`5u64`, `0.5f64`); for text, write `\"5s\"`",
                "`-0.5x` is not a number: its suffix `x` is not a number type (`5u64`, `0.5f64`); for text, write \
                 `\"-0.5x\"`",
            ]
        );
        assert_eq!(tags.len(), 2);
    }

    #[test]
    fn every_bad_key_is_reported() {
        let (_, errors) = tags(quote!((Region = 1, env = 2, a = 3, a = 4, resource.name = 5, error.kind = 6, "" = 7)));
        assert_eq!(errors.len(), 6, "{errors:?}");
        assert!(errors[0].ends_with("did you mean `region`?"));
        assert!(errors[1].contains("`DD_ENV`"));
        assert_eq!(errors[2], "duplicate tag key `a`");
        assert!(errors[3].contains("use `resource = ..`"));
        assert!(errors[4].contains("`error.*`"));
        assert!(errors[5].starts_with("empty tag key"));
    }

    #[test]
    fn metric_tags_may_use_span_attribute_names() {
        let (raw, _) = raw_tags(quote!((error.kind = 1)));
        let mut errors = Errors::default();
        build(raw, false, &mut errors);
        assert!(errors.is_empty());
    }

    #[test]
    fn a_key_needs_a_value() {
        let (_, errors) = raw_tags(quote!((team)));
        assert_eq!(
            errors,
            ["expected `team = <value>` in `tags(..)`, or `..<expression>` to add every tag of a `DdTags` value"]
        );
    }

    #[test]
    fn a_syntax_error_keeps_the_entries_before_it() {
        let (raw, errors) = raw_tags(quote!((team = "a", 42 = "b", region = "c")));
        assert_eq!(raw.len(), 1);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("expected a tag key: an identifier (`team`)"), "{errors:?}");
        let (raw, errors) = raw_tags(quote!((team = "a" region = "c")));
        assert_eq!((raw.len(), errors), (1, vec!["expected `,`".to_owned()]));
    }
}
