//! Parsing shared by the attribute macros: errors, argument slots, literal values, `tags(..)`.
//!
//! Arguments parse into raw structs that keep every value with its span; each macro's `build()`
//! then validates them into a config. Errors are collected, not returned at the first one, so a
//! user sees every mistake in one compile.

use std::collections::BTreeSet;
use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Path, Token, UnOp};

use crate::validate;

/// Every error found so far, combined into one `syn::Error` (serde_derive's `Ctxt`).
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(existing) => existing.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn error(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records the error of `result`, if any, and returns its value.
    pub(crate) fn take<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    pub(crate) fn absorb(&mut self, other: Errors) {
        if let Some(error) = other.0 {
            self.push(error);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }

    /// The errors as `compile_error!` invocations, in source order: parse errors, validation
    /// errors and errors of stacked attributes are found in that order, not the user's.
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        let Some(error) = &self.0 else {
            return TokenStream::new();
        };
        let mut errors: Vec<syn::Error> = error.clone().into_iter().collect();
        // Stable: errors at the same place keep the order they were found in.
        errors.sort_by_key(|error| {
            let start = error.span().start();
            (start.line, start.column)
        });
        errors.iter().map(syn::Error::to_compile_error).collect()
    }
}

/// One argument of an attribute, set at most once.
pub(crate) struct Attr<T> {
    name: &'static str,
    value: Option<(Span, T)>,
}

impl<T> Attr<T> {
    pub(crate) const fn new(name: &'static str) -> Self {
        Self { name, value: None }
    }

    /// Sets the value; a second occurrence is an error at `span`, the second keyword.
    pub(crate) fn set(&mut self, errors: &mut Errors, span: Span, value: T) {
        if self.value.is_some() {
            errors.error(span, format_args!("duplicate argument `{}`", self.name));
        } else {
            self.value = Some((span, value));
        }
    }

    pub(crate) fn get(self) -> Option<T> {
        self.value.map(|(_, value)| value)
    }

    pub(crate) fn get_with_span(self) -> Option<(Span, T)> {
        self.value
    }

    pub(crate) fn span(&self) -> Option<Span> {
        self.value.as_ref().map(|(span, _)| *span)
    }

    pub(crate) fn is_set(&self) -> bool {
        self.value.is_some()
    }
}

/// The three attribute macros.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum Macro {
    Span,
    Timed,
    Slo,
}

impl Macro {
    pub(crate) const ALL: [Self; 3] = [Self::Span, Self::Timed, Self::Slo];

    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Span => "dd_span",
            Self::Timed => "dd_timed",
            Self::Slo => "dd_slo",
        }
    }

    /// The arguments it takes, in documentation order.
    pub(crate) const fn arguments(self) -> &'static [&'static str] {
        match self {
            Self::Span => &["name", "resource", "kind", "peer", "span_type", "measured", "tags", "crate"],
            Self::Timed => &["name", "tags", "crate"],
            Self::Slo => &["name", "target", "latency_ms", "timeframe", "warning", "description", "tags", "crate"],
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// Parses an argument the macro does not know, reports it, and skips its value (`= expr` or
/// `(..)`) so that parsing goes on and later mistakes are reported too.
pub(crate) fn unknown_argument(input: ParseStream<'_>, errors: &mut Errors, kind: Macro) -> syn::Result<()> {
    let ident = Ident::parse_any(input)?;
    let name = ident.unraw().to_string();
    let valid = kind.arguments();
    let owner = Macro::ALL.into_iter().find(|other| *other != kind && other.arguments().contains(&name.as_str()));
    let message = match owner {
        Some(owner) => format!(
            "unknown argument `{name}` of `#[{}]`: `{name}` is an argument of `#[{}]`; `#[{0}]` takes {}",
            kind.name(),
            owner.name(),
            validate::one_of(valid)
        ),
        None => validate::with_suggestion(
            format!("unknown argument `{name}` of `#[{}]`: expected {}", kind.name(), validate::one_of(valid)),
            validate::did_you_mean(&name, valid.iter().copied()),
        ),
    };
    errors.error(ident.span(), message);
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        input.parse::<Expr>()?;
    } else if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

/// The error for what is not an argument at all (`#[dd_span("payments.charge")]`, `#[dd_span(42)]`),
/// at the offending token; a string literal is probably the name.
pub(crate) fn not_an_argument(input: ParseStream<'_>, kind: Macro) -> syn::Error {
    let valid = kind.arguments();
    let message = format!("expected an argument of `#[{}]`: {}", kind.name(), validate::one_of(valid));
    if valid.contains(&"name")
        && let Ok(lit) = input.fork().parse::<LitStr>()
    {
        return syn::Error::new(
            lit.span(),
            format_args!("{message}; did you mean `name = {}`?", lit.to_token_stream()),
        );
    }
    input.error(message)
}

/// Parses `= <expr>`.
pub(crate) fn parse_value(input: ParseStream<'_>) -> syn::Result<Expr> {
    input.parse::<Token![=]>()?;
    input.parse()
}

/// The string literal of `name = "..."`, or an error that shows the expected form.
pub(crate) fn expect_lit_str(value: Expr, argument: &str, example: &str) -> syn::Result<LitStr> {
    match value {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => Ok(lit),
        other => Err(syn::Error::new_spanned(
            other,
            format_args!("`{argument}` expects a string literal, like `{argument} = \"{example}\"`"),
        )),
    }
}

/// Parses `crate = path` or `crate = "path"` after the `crate` keyword.
///
/// A value that is not a path is reported at the value, and consumed, so that parsing goes on.
pub(crate) fn parse_crate_path(input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<Option<Path>> {
    const EXPECTED: &str = "`crate` expects a path, like `crate = dd_instrument`";
    input.parse::<Token![=]>()?;
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        let path = lit.parse_with(Path::parse_mod_style);
        return Ok(errors.take(path.map_err(|_| syn::Error::new(lit.span(), EXPECTED))));
    }
    if input.is_empty() || input.peek(Token![,]) {
        return Err(syn::Error::new(input.span(), EXPECTED));
    }
    let value: Expr = input.parse().map_err(|error| syn::Error::new(error.span(), EXPECTED))?;
    match value {
        Expr::Path(syn::ExprPath { attrs, qself: None, path })
            if attrs.is_empty() && path.segments.iter().all(|segment| segment.arguments.is_none()) =>
        {
            Ok(Some(path))
        }
        other => {
            errors.push(syn::Error::new_spanned(other, EXPECTED));
            Ok(None)
        }
    }
}

/// The path generated code names the runtime by: `::dd_instrument` unless `crate = ..` says.
pub(crate) fn runtime_path(krate: Option<&Path>) -> TokenStream {
    krate.map_or_else(|| quote!(::dd_instrument), ToTokens::to_token_stream)
}

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
pub(crate) fn parse_tags(input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<Vec<RawTag>> {
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
pub(crate) fn build_tags(raw: Vec<RawTag>, for_span: bool, errors: &mut Errors) -> Vec<Tag> {
    let mut seen = BTreeSet::new();
    let mut tags = Vec::with_capacity(raw.len());
    for entry in raw {
        let (key, key_tokens, value) = match entry {
            RawTag::Pair { key, key_tokens, value } => (key, key_tokens, value),
            RawTag::Spread(expr) => {
                tags.push(Tag::Spread(expr));
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

/// Keywords of the attribute arguments.
pub(crate) mod kw {
    syn::custom_keyword!(name);
    syn::custom_keyword!(resource);
    syn::custom_keyword!(kind);
    syn::custom_keyword!(peer);
    syn::custom_keyword!(span_type);
    syn::custom_keyword!(measured);
    syn::custom_keyword!(tags);
    syn::custom_keyword!(target);
    syn::custom_keyword!(latency_ms);
    syn::custom_keyword!(timeframe);
    syn::custom_keyword!(warning);
    syn::custom_keyword!(description);
}

/// Parses comma-separated arguments with `one`. A syntax error stops parsing: it is recorded
/// in `errors` with those found before it, and the rest of the input is skipped.
pub(crate) fn parse_arguments(
    input: ParseStream<'_>,
    errors: &mut Errors,
    mut one: impl FnMut(ParseStream<'_>, &mut Errors) -> syn::Result<()>,
) -> syn::Result<()> {
    let result = (|| {
        while !input.is_empty() {
            one(input, errors)?;
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(())
    })();
    if let Err(error) = result {
        errors.push(error);
        input.parse::<TokenStream>()?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use quote::quote;

    use super::*;

    /// The entries of `tokens`, `(..)`, and the syntax errors.
    fn raw_tags(tokens: TokenStream) -> (Vec<RawTag>, Vec<String>) {
        use syn::parse::Parser as _;
        let mut errors = Errors::default();
        let raw = (|input: ParseStream<'_>| parse_tags(input, &mut errors)).parse2(tokens).expect("parses");
        (raw, messages(errors.finish()))
    }

    fn tags(tokens: TokenStream) -> (Vec<Tag>, Vec<String>) {
        let (raw, syntax) = raw_tags(tokens);
        assert_eq!(syntax, Vec::<String>::new());
        let mut errors = Errors::default();
        let tags = build_tags(raw, true, &mut errors);
        (tags, messages(errors.finish()))
    }

    pub(crate) fn messages<T>(result: syn::Result<T>) -> Vec<String> {
        result.err().map(|error| error.into_iter().map(|error| error.to_string()).collect()).unwrap_or_default()
    }

    #[test]
    fn keys_are_identifiers_dotted_paths_keywords_or_strings() {
        let (tags, errors) =
            tags(quote!((team = "a", order.priority = 1, r#type = "b", match = "c", "http-route" = "d")));
        assert_eq!(errors, Vec::<String>::new());
        let keys: Vec<&str> = tags
            .iter()
            .map(|tag| match tag {
                Tag::Lit { key, .. } | Tag::Expr { key, .. } => key.as_str(),
                Tag::Spread(_) => "..",
            })
            .collect();
        assert_eq!(keys, ["team", "order.priority", "type", "match", "http-route"]);
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
        let described: Vec<String> = tags
            .iter()
            .map(|tag| match tag {
                Tag::Lit { value, .. } => format!("{} = {}", value.metric, value.field),
                Tag::Expr { key, expr } => format!("{key} = expr {}", expr.to_token_stream()),
                Tag::Spread(expr) => format!("..{}", expr.to_token_stream()),
            })
            .collect();
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
        build_tags(raw, false, &mut errors);
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

    #[test]
    fn crate_paths() {
        use syn::parse::Parser as _;
        let parse = |tokens: TokenStream| {
            let mut errors = Errors::default();
            let path = (|input: ParseStream<'_>| parse_crate_path(input, &mut errors)).parse2(tokens);
            let path = path.map(|path| path.map(|path| path.to_token_stream().to_string()));
            (path.map_err(|error| error.to_string()), messages(errors.finish()))
        };
        assert_eq!(parse(quote!(= ::obs::inner)), (Ok(Some(":: obs :: inner".to_owned())), vec![]));
        assert_eq!(parse(quote!(= "crate::obs")), (Ok(Some("crate :: obs".to_owned())), vec![]));
        assert_eq!(parse(quote!(= crate)), (Ok(Some("crate".to_owned())), vec![]));
        assert_eq!(parse(quote!(= super::obs)), (Ok(Some("super :: obs".to_owned())), vec![]));
        assert_eq!(parse(quote!(= self::obs)), (Ok(Some("self :: obs".to_owned())), vec![]));
        let expected = "`crate` expects a path, like `crate = dd_instrument`".to_owned();
        assert_eq!(parse(quote!(= 42)), (Ok(None), vec![expected.clone()]));
        assert_eq!(parse(quote!(= "dd instrument")), (Ok(None), vec![expected.clone()]));
        assert_eq!(parse(quote!(= obs::<T>)), (Ok(None), vec![expected.clone()]));
        assert_eq!(parse(quote!(=)), (Err(expected), vec![]));
    }
}
