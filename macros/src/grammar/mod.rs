//! The one grammar of the attributes' arguments: `#[dd_span(..)]`, `#[dd_timed(..)]`,
//! `#[dd_slo(..)]`, and the derives' `#[dd_tag(..)]`, `#[dd_tags(..)]`, `#[dd_error(..)]`.
//!
//! Arguments are `keyword = value`, `keyword(..)` or a `keyword` alone, separated by commas. Each
//! attribute describes what it takes in one table, a [`Grammar`]: per argument, its keyword, the
//! kind of its value, and the [`Slot`] of the attribute's raw arguments that keeps it. The table
//! drives the parsing, the duplicate check (in one setter, [`Slot::set`]), the conflicts, the
//! required arguments, and the lists of valid arguments in messages ("expected one of", "did you
//! mean"), so no other list of the arguments exists. A keyword the attribute does not take gets
//! its [`Guide`]: the name the attribute takes it under (`type` is `span_type`), why none takes
//! it (`service`), or the attribute that does (`target`). Each attribute's `build()` then
//! validates the raw arguments into its config.
//!
//! Errors are collected, not returned at the first one, so a user sees every mistake in one
//! compile.

pub(crate) mod db;
pub(crate) mod sensitive;
pub(crate) mod tags;

use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt as _;
use syn::parse::discouraged::Speculative as _;
use syn::parse::{ParseStream, Parser as _};
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Path, Token};

use self::db::RawDb;
use self::tags::RawTag;
use crate::validate;

/// Every error found so far, combined into one `syn::Error` (serde_derive's `Ctxt`), and the
/// arguments these errors already pointed the user to.
#[derive(Default)]
pub(crate) struct Errors {
    error: Option<syn::Error>,
    /// Keywords an error suggested (`did you mean `name`?`): a required one is then not also
    /// reported missing, since the user wrote it under another name.
    suggested: Vec<&'static str>,
}

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.error {
            Some(existing) => existing.combine(error),
            None => self.error = Some(error),
        }
    }

    /// Whether an error already suggested `keyword`.
    pub(crate) fn suggested(&self, keyword: &str) -> bool {
        self.suggested.contains(&keyword)
    }

    pub(crate) fn error(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records the error of `result`, if any, and returns its value.
    pub(crate) fn take<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    pub(crate) fn absorb(&mut self, other: Errors) {
        if let Some(error) = other.error {
            self.push(error);
        }
        self.suggested.extend(other.suggested);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.error.is_none()
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.error.map_or(Ok(()), Err)
    }

    /// The errors as `compile_error!` invocations, in source order: parse errors, validation
    /// errors and errors of stacked attributes are found in that order, not the user's.
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        let Some(error) = &self.error else {
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

/// One argument as written: the span of its keyword and its value. Given at most once.
///
/// The value is `None` when the argument was given with a value of the wrong kind (already
/// reported): it is written all the same, so a required argument is not reported missing too, and
/// the checks that depend on it (`peer` on the `kind`) do not report a second, misleading error.
pub(crate) struct Slot<T>(Option<(Span, Option<T>)>);

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T> Slot<T> {
    /// The one place duplicates are found: a second occurrence is an error at `span`, the
    /// second keyword.
    fn set(&mut self, errors: &mut Errors, keyword: &str, span: Span, value: Option<T>) {
        if self.0.is_some() {
            errors.error(span, format_args!("duplicate argument `{keyword}`"));
        } else {
            self.0 = Some((span, value));
        }
    }

    pub(crate) fn is_given(&self) -> bool {
        self.0.is_some()
    }

    /// The span of the keyword, when given.
    pub(crate) fn span(&self) -> Option<Span> {
        self.0.as_ref().map(|(span, _)| *span)
    }

    pub(crate) fn get(self) -> Option<T> {
        self.0.and_then(|(_, value)| value)
    }

    pub(crate) fn get_with_span(self) -> Option<(Span, T)> {
        self.0.and_then(|(span, value)| Some((span, value?)))
    }
}

/// What an attribute takes: its name, and its arguments in the order its documentation gives
/// them (the order of the lists in messages). `R` holds the arguments as written.
pub(crate) struct Grammar<R: 'static> {
    /// The attribute, as messages write it (`#[dd_span]`): `dd_span`.
    pub(crate) attribute: &'static str,
    /// What its arguments are called in messages: `argument` for the macros, `option` for the
    /// derives' helper attributes.
    pub(crate) noun: &'static str,
    pub(crate) arguments: &'static [Argument<R>],
    /// Pairs of arguments that cannot be given together, with the error at the second one.
    pub(crate) conflicts: &'static [(&'static str, &'static str, &'static str)],
    /// What to tell a user who writes a keyword this attribute does not take (`type`, `target`),
    /// beyond the "did you mean" of a typo.
    pub(crate) guide: fn(&str) -> Option<Guide>,
}

/// Why a keyword is not an argument of an attribute, when it is more than a typo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Guide {
    /// Another attribute takes it: `target` is an argument of `#[dd_slo]`, not of `#[dd_span]`.
    Elsewhere(&'static str),
    /// The attribute takes it under another name, the one Datadog's tracers, OpenTelemetry or
    /// `tracing` use: `type` is `span_type`.
    Renamed(&'static str),
    /// No attribute takes it: why, and what to do instead (`service` comes from `DD_SERVICE`).
    Explained(&'static str),
}

/// One argument: its keyword, and what follows it.
pub(crate) struct Argument<R: 'static> {
    pub(crate) keyword: &'static str,
    /// Whether the attribute needs the argument.
    pub(crate) required: bool,
    value: Value<R>,
}

/// What follows an argument's keyword, and where the raw arguments `R` keep it.
enum Value<R: 'static> {
    /// `= "literal"`; `example` is the value shown when something else is written.
    Str { example: &'static str, slot: fn(&mut R) -> &mut Slot<LitStr> },
    /// `= <expression>`, checked by the attribute's `build()`; `example` is a value shown when the
    /// value is written in parentheses.
    Expr { example: &'static str, slot: fn(&mut R) -> &mut Slot<Expr> },
    /// The keyword alone.
    Flag(fn(&mut R) -> &mut Slot<()>),
    /// `(key = value, .., ..spread)`: see [`tags`].
    Tags(fn(&mut R) -> &mut Slot<Vec<RawTag>>),
    /// `= path` or `= "path"`.
    Path(fn(&mut R) -> &mut Slot<Path>),
    /// `db(..)`: see [`db`].
    Db(fn(&mut R) -> &mut Slot<RawDb>),
}

impl<R> Argument<R> {
    /// `keyword = "literal"`.
    pub(crate) const fn string(
        keyword: &'static str,
        example: &'static str,
        slot: fn(&mut R) -> &mut Slot<LitStr>,
    ) -> Self {
        Self { keyword, required: false, value: Value::Str { example, slot } }
    }

    /// `keyword = <expression>`.
    pub(crate) const fn expr(
        keyword: &'static str,
        example: &'static str,
        slot: fn(&mut R) -> &mut Slot<Expr>,
    ) -> Self {
        Self { keyword, required: false, value: Value::Expr { example, slot } }
    }

    /// `keyword` alone.
    pub(crate) const fn flag(keyword: &'static str, slot: fn(&mut R) -> &mut Slot<()>) -> Self {
        Self { keyword, required: false, value: Value::Flag(slot) }
    }

    /// `tags(..)`.
    pub(crate) const fn tags(slot: fn(&mut R) -> &mut Slot<Vec<RawTag>>) -> Self {
        Self { keyword: "tags", required: false, value: Value::Tags(slot) }
    }

    /// `crate = path`: the path of the `dd_instrument` crate.
    pub(crate) const fn krate(slot: fn(&mut R) -> &mut Slot<Path>) -> Self {
        Self { keyword: "crate", required: false, value: Value::Path(slot) }
    }

    /// `db(..)`.
    pub(crate) const fn db(slot: fn(&mut R) -> &mut Slot<RawDb>) -> Self {
        Self { keyword: "db", required: false, value: Value::Db(slot) }
    }

    /// The same argument, required.
    pub(crate) const fn required(self) -> Self {
        Self { required: true, ..self }
    }

    fn is_given(&self, raw: &mut R) -> bool {
        match &self.value {
            Value::Str { slot, .. } => slot(raw).is_given(),
            Value::Expr { slot, .. } => slot(raw).is_given(),
            Value::Flag(slot) => slot(raw).is_given(),
            Value::Tags(slot) => slot(raw).is_given(),
            Value::Path(slot) => slot(raw).is_given(),
            Value::Db(slot) => slot(raw).is_given(),
        }
    }

    /// Parses what follows the keyword at `span` into its slot of `raw`.
    ///
    /// A value in the wrong form (`name("x")`, `tags = (..)`, `measured(true)`) is reported, skipped,
    /// and leaves the argument written without a value.
    fn parse(&self, input: ParseStream<'_>, span: Span, raw: &mut R, errors: &mut Errors) -> syn::Result<()> {
        let keyword = self.keyword;
        match &self.value {
            Value::Str { example, slot } => {
                let value = self.value_after_equals(input, span, &format!("\"{example}\""), errors);
                // Written, even with a syntax error in its value: not also reported missing.
                let value = value.inspect_err(|_| slot(raw).set(errors, keyword, span, None))?;
                let lit = value.and_then(|value| errors.take(expect_lit_str(value, keyword, example)));
                slot(raw).set(errors, keyword, span, lit);
            }
            Value::Expr { example, slot } => {
                let value = self.value_after_equals(input, span, example, errors);
                let value = value.inspect_err(|_| slot(raw).set(errors, keyword, span, None))?;
                slot(raw).set(errors, keyword, span, value);
            }
            Value::Flag(slot) => {
                let value = if input.peek(Token![=]) {
                    input.parse::<Token![=]>()?;
                    Some(input.parse::<Expr>()?.into_token_stream())
                } else if input.peek(syn::token::Paren) {
                    Some(skip_parenthesized(input)?)
                } else {
                    None
                };
                if let Some(value) = value {
                    errors.push(syn::Error::new_spanned(
                        value,
                        format_args!("`{keyword}` takes no value: write `{keyword}` alone"),
                    ));
                }
                slot(raw).set(errors, keyword, span, Some(()));
            }
            Value::Tags(slot) => {
                if input.peek(Token![=]) {
                    let equals = input.parse::<Token![=]>()?;
                    let value: Expr = input.parse()?;
                    errors.push(syn::Error::new_spanned(
                        self.written(span, &quote::quote!(#equals #value)),
                        "`tags` takes its entries in parentheses, without `=`: write `tags(team = \"payments\", ..)`",
                    ));
                    slot(raw).set(errors, keyword, span, None);
                } else {
                    let tags = tags::parse(input, errors)?;
                    slot(raw).set(errors, keyword, span, Some(tags));
                }
            }
            Value::Path(slot) => {
                let path = if input.peek(syn::token::Paren) {
                    self.value_after_equals(input, span, "dd_instrument", errors)?;
                    None
                } else {
                    parse_crate_path(input, errors)?
                };
                slot(raw).set(errors, keyword, span, path);
            }
            Value::Db(slot) => {
                let db = db::parse(input, span, errors)?;
                slot(raw).set(errors, keyword, span, db);
            }
        }
        Ok(())
    }

    /// Parses `= <expression>`. A value in parentheses, `keyword(..)`, is reported with the form
    /// to write instead (with the value written, or `example`), and skipped: `None`.
    fn value_after_equals(
        &self,
        input: ParseStream<'_>,
        span: Span,
        example: &str,
        errors: &mut Errors,
    ) -> syn::Result<Option<Expr>> {
        let keyword = self.keyword;
        if input.peek(Token![=]) && input.peek2(Lit) && input.peek3(Token![%]) {
            // `target = 99.9%`, which is no expression: the number alone is what was meant.
            let fork = input.fork();
            fork.parse::<Token![=]>()?;
            let number: Lit = fork.parse()?;
            let percent: Token![%] = fork.parse()?;
            if matches!(number, Lit::Int(_) | Lit::Float(_)) && (fork.is_empty() || fork.peek(Token![,])) {
                input.advance_to(&fork);
                errors.push(syn::Error::new_spanned(
                    quote::quote!(#number #percent),
                    format_args!(
                        "`{keyword}` takes a number, without `%`: write `{keyword} = {}`",
                        number.to_token_stream()
                    ),
                ));
                return Ok(Some(Expr::Lit(ExprLit { attrs: Vec::new(), lit: number })));
            }
        }
        if !input.peek(syn::token::Paren) {
            return parse_value(input).map(Some);
        }
        let group: proc_macro2::Group = input.parse()?;
        let value = match syn::parse2::<Expr>(group.stream()) {
            Ok(value) => value.to_token_stream().to_string(),
            Err(_) => example.to_owned(),
        };
        errors.push(syn::Error::new_spanned(
            self.written(span, &group.into_token_stream()),
            format_args!("`{keyword}` takes its value after `=`: write `{keyword} = {value}`"),
        ));
        Ok(None)
    }

    /// The keyword at `span` followed by `value`, for an error that spans both.
    fn written(&self, span: Span, value: &TokenStream) -> TokenStream {
        let keyword = Ident::new(self.keyword, span);
        quote::quote!(#keyword #value)
    }
}

/// Skips `(..)`, returning the tokens, parentheses included.
fn skip_parenthesized(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let group: proc_macro2::Group = input.parse()?;
    Ok(group.into_token_stream())
}

impl<R: Default> Grammar<R> {
    /// The keywords, in documentation order.
    pub(crate) fn keywords(&self) -> Vec<&'static str> {
        self.arguments.iter().map(|argument| argument.keyword).collect()
    }

    /// The required arguments `raw` lacks, but for those an error already suggested: a user who
    /// wrote `slo = ".."` is told "did you mean `name`?", not also that `name` is missing.
    pub(crate) fn missing(&self, raw: &mut R, errors: &Errors) -> Vec<&'static str> {
        self.arguments
            .iter()
            .filter(|argument| argument.required && !argument.is_given(raw) && !errors.suggested(argument.keyword))
            .map(|argument| argument.keyword)
            .collect()
    }

    /// Parses `tokens`, the arguments of one attribute.
    pub(crate) fn parse(&self, tokens: TokenStream, errors: &mut Errors) -> R {
        let mut raw = R::default();
        let parsed = (|input: ParseStream<'_>| self.parse_into(input, &mut raw, errors)).parse2(tokens);
        // `parse_into` records its own errors and consumes the rest of the input after a syntax
        // error, so `parse2` has nothing left to complain about; recorded all the same.
        errors.take(parsed);
        raw
    }

    /// Parses the arguments of `attr` (`#[dd_tag(..)]`) into `raw`, which may hold those of
    /// the same attribute given before.
    pub(crate) fn parse_attribute(&self, attr: &syn::Attribute, raw: &mut R, errors: &mut Errors) {
        let mut local = Errors::default();
        if let Err(error) = attr.parse_args_with(|input: ParseStream<'_>| self.parse_into(input, raw, &mut local)) {
            local.push(error);
        }
        errors.absorb(local);
    }

    /// Parses comma-separated arguments. A syntax error stops parsing: it is recorded in
    /// `errors` with those found before it, and the rest of the input is skipped.
    fn parse_into(&self, input: ParseStream<'_>, raw: &mut R, errors: &mut Errors) -> syn::Result<()> {
        let result = (|| {
            while !input.is_empty() {
                self.parse_one(input, raw, errors)?;
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

    fn parse_one(&self, input: ParseStream<'_>, raw: &mut R, errors: &mut Errors) -> syn::Result<()> {
        if !input.peek(Ident::peek_any) {
            return Err(self.not_an_argument(input));
        }
        // As written: `r#name` is not the keyword `name`.
        let keyword = input.fork().call(Ident::parse_any)?;
        let Some(argument) = self.arguments.iter().find(|argument| keyword == argument.keyword) else {
            return self.unknown_argument(input, errors);
        };
        let span = Ident::parse_any(input)?.span();
        argument.parse(input, span, raw, errors)?;
        for (first, second, message) in self.conflicts {
            let other = match argument.keyword {
                keyword if keyword == *first => second,
                keyword if keyword == *second => first,
                _ => continue,
            };
            if self.arguments.iter().any(|argument| argument.keyword == *other && argument.is_given(raw)) {
                errors.error(span, message);
            }
        }
        Ok(())
    }

    /// Reports an argument the attribute does not know, and skips its value (`= expr` or
    /// `(..)`) so that parsing goes on and later mistakes are reported too.
    fn unknown_argument(&self, input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<()> {
        let ident = Ident::parse_any(input)?;
        let name = ident.unraw().to_string();
        let (attribute, noun, valid) = (self.attribute, self.noun, self.keywords());
        let unknown = format!("unknown {noun} `{name}` of `#[{attribute}]`");
        let expected = format!("expected {}", validate::one_of(&valid));
        let message = match (self.guide)(&name) {
            Some(Guide::Elsewhere(owner)) => format!(
                "{unknown}: `{name}` is an {noun} of `#[{owner}]`; `#[{attribute}]` takes {}",
                validate::one_of(&valid)
            ),
            Some(Guide::Explained(why)) => format!("{unknown}: {why}"),
            guide => {
                let suggestion = match guide {
                    Some(Guide::Renamed(keyword)) => Some(keyword),
                    _ => validate::did_you_mean(&name, valid.iter().copied()),
                };
                if let Some(keyword) = suggestion {
                    errors.suggested.push(keyword);
                }
                validate::with_suggestion(format!("{unknown}: {expected}"), suggestion)
            }
        };
        errors.error(ident.span(), message);
        if input.peek(Token![=]) {
            parse_value(input)?;
        } else if input.peek(syn::token::Paren) {
            skip_parenthesized(input)?;
        }
        Ok(())
    }

    /// The error for what is not an argument at all (`#[dd_span("payments.charge")]`,
    /// `#[dd_span(42)]`), at the offending token; a string literal is probably the name.
    fn not_an_argument(&self, input: ParseStream<'_>) -> syn::Error {
        let valid = self.keywords();
        let message = format!("expected an {} of `#[{}]`: {}", self.noun, self.attribute, validate::one_of(&valid));
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
}

/// The suffix of a number literal that is not a number type (`2s`, `99.9pct`): Rust accepts any
/// suffix on the literals a macro reads, and the number alone would silently be taken.
pub(crate) fn unknown_suffix(lit: &Lit) -> Option<&str> {
    const TYPES: [&str; 14] =
        ["i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize", "f32", "f64"];
    let suffix = match lit {
        Lit::Int(int) => int.suffix(),
        Lit::Float(float) => float.suffix(),
        _ => return None,
    };
    (!suffix.is_empty() && !TYPES.contains(&suffix)).then_some(suffix)
}

/// Parses `= <expr>`.
fn parse_value(input: ParseStream<'_>) -> syn::Result<Expr> {
    input.parse::<Token![=]>()?;
    input.parse()
}

/// The string literal of `name = "..."`, or an error that shows the expected form.
fn expect_lit_str(value: Expr, argument: &str, example: &str) -> syn::Result<LitStr> {
    match value {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => Ok(lit),
        other => Err(syn::Error::new_spanned(
            other,
            format_args!("`{argument}` expects a string literal, like `{argument} = \"{example}\"`"),
        )),
    }
}

/// Parses `= path` or `= "path"` after the `crate` keyword.
///
/// A value that is not a path is reported at the value, and consumed, so that parsing goes on.
fn parse_crate_path(input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<Option<Path>> {
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

#[cfg(test)]
pub(crate) mod tests {
    use quote::quote;

    use super::*;

    pub(crate) fn messages<T>(result: syn::Result<T>) -> Vec<String> {
        result.err().map(|error| error.into_iter().map(|error| error.to_string()).collect()).unwrap_or_default()
    }

    /// A grammar of every kind of value, as a derive's helper attribute.
    #[derive(Default)]
    struct Raw {
        label: Slot<LitStr>,
        id: Slot<LitStr>,
        weight: Slot<Expr>,
        hidden: Slot<()>,
        tags: Slot<Vec<RawTag>>,
        krate: Slot<Path>,
    }

    const GRAMMAR: Grammar<Raw> = Grammar {
        attribute: "example",
        noun: "option",
        arguments: &[
            Argument::string("label", "a label", |raw| &mut raw.label),
            Argument::<Raw>::string("id", "checkout", |raw| &mut raw.id).required(),
            Argument::expr("weight", "1", |raw| &mut raw.weight),
            Argument::flag("hidden", |raw| &mut raw.hidden),
            Argument::tags(|raw| &mut raw.tags),
            Argument::krate(|raw| &mut raw.krate),
        ],
        conflicts: &[("hidden", "label", "`hidden` and `label` conflict")],
        guide: |keyword| match keyword {
            "target" => Some(Guide::Elsewhere("dd_slo")),
            "caption" => Some(Guide::Renamed("label")),
            "colour" => Some(Guide::Explained("the colour comes from the theme")),
            _ => None,
        },
    };

    fn parse(tokens: TokenStream) -> (Raw, Vec<String>) {
        let mut errors = Errors::default();
        let raw = GRAMMAR.parse(tokens, &mut errors);
        (raw, messages(errors.finish()))
    }

    #[test]
    fn each_kind_of_value_goes_in_its_slot() {
        let (raw, errors) = parse(quote!(label = "l", id = "i", weight = 1 + 2, tags(a = 1), crate = obs));
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(raw.label.get().unwrap().value(), "l");
        assert_eq!(raw.id.get().unwrap().value(), "i");
        assert_eq!(raw.weight.get().unwrap().to_token_stream().to_string(), "1 + 2");
        assert!(!raw.hidden.is_given());
        assert_eq!(raw.tags.get().unwrap().len(), 1);
        assert_eq!(raw.krate.get().unwrap().to_token_stream().to_string(), "obs");
        let (raw, errors) = parse(quote!(hidden));
        assert_eq!((raw.hidden.is_given(), errors), (true, vec![]));
    }

    #[test]
    fn a_wrong_value_is_written_without_a_value() {
        let (raw, errors) = parse(quote!(label = 1, label = "l", id = 2));
        assert_eq!(
            errors,
            [
                "`label` expects a string literal, like `label = \"a label\"`",
                "duplicate argument `label`",
                "`id` expects a string literal, like `id = \"checkout\"`",
            ]
        );
        assert!(raw.label.is_given());
        assert!(raw.label.get().is_none());
        assert!(raw.id.is_given());
        assert!(raw.id.get().is_none());
    }

    #[test]
    fn values_in_the_wrong_form_show_the_right_one() {
        let (raw, errors) = parse(quote!(label("l"), weight(), crate(obs), hidden(true), tags = (a = 1), id = "i"));
        assert_eq!(
            errors,
            [
                "`label` takes its value after `=`: write `label = \"l\"`",
                "`weight` takes its value after `=`: write `weight = 1`",
                "`crate` takes its value after `=`: write `crate = obs`",
                "`hidden` takes no value: write `hidden` alone",
                // Written, if in the wrong form: it conflicts all the same.
                "`hidden` and `label` conflict",
                "`tags` takes its entries in parentheses, without `=`: write `tags(team = \"payments\", ..)`",
            ]
        );
        assert!(raw.label.is_given() && raw.weight.is_given() && raw.tags.is_given() && raw.hidden.is_given());
        assert_eq!(raw.id.get().unwrap().value(), "i", "parsing goes on");
    }

    #[test]
    fn flags_take_no_value_and_conflicts_are_reported_at_the_second() {
        let (_, errors) = parse(quote!(hidden = true, label = "l", hidden));
        assert_eq!(
            errors,
            [
                "`hidden` takes no value: write `hidden` alone",
                "`hidden` and `label` conflict",
                "duplicate argument `hidden`",
                "`hidden` and `label` conflict",
            ]
        );
    }

    #[test]
    fn guides_name_the_argument_or_say_why_there_is_none() {
        let (_, errors) = parse(quote!(caption = "x", colour = "red", id = "i"));
        assert_eq!(
            errors,
            [
                "unknown option `caption` of `#[example]`: expected `label`, `id`, `weight`, `hidden`, `tags` or \
                 `crate`; did you mean `label`?",
                "unknown option `colour` of `#[example]`: the colour comes from the theme",
            ]
        );
    }

    #[test]
    fn a_required_argument_is_missing_unless_written_or_suggested() {
        let missing = |tokens: TokenStream| {
            let mut errors = Errors::default();
            let mut raw = GRAMMAR.parse(tokens, &mut errors);
            GRAMMAR.missing(&mut raw, &errors)
        };
        assert_eq!(missing(quote!(label = "l")), ["id"]);
        assert_eq!(missing(quote!(id = 1)), Vec::<&str>::new(), "written, with a wrong value");
        assert_eq!(missing(quote!(idd = "i")), Vec::<&str>::new(), "suggested");
        assert_eq!(missing(quote!(label = "l", weight = 1)), ["id"]);
    }

    #[test]
    fn unknown_arguments_are_skipped_with_their_value() {
        let (raw, errors) = parse(quote!(lable = "x", target(99), weight = 1));
        assert_eq!(
            errors,
            [
                "unknown option `lable` of `#[example]`: expected `label`, `id`, `weight`, `hidden`, `tags` or \
                 `crate`; did you mean `label`?",
                "unknown option `target` of `#[example]`: `target` is an option of `#[dd_slo]`; `#[example]` takes \
                 `label`, `id`, `weight`, `hidden`, `tags` or `crate`",
            ]
        );
        assert!(raw.weight.is_given());
    }

    #[test]
    fn a_syntax_error_stops_parsing_and_keeps_earlier_errors() {
        let (raw, errors) = parse(quote!(lable = "x", weight 1, hidden));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[1], "expected `=`");
        assert!(!raw.hidden.is_given());
        let (_, errors) = parse(quote!(42));
        assert_eq!(
            errors,
            ["expected an option of `#[example]`: `label`, `id`, `weight`, `hidden`, `tags` or `crate`"]
        );
    }

    #[test]
    fn crate_paths() {
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
