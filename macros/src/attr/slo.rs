//! `#[dd_slo]`: its arguments, and their validation into an [`SloConfig`].

use proc_macro2::{Span, TokenStream};
use quote::ToTokens as _;
use syn::{Expr, ExprLit, ExprUnary, Lit, LitStr, Path, UnOp};

use super::Macro;
use crate::grammar::tags::{self, RawTag, Tag};
use crate::grammar::{Argument, Errors, Grammar, Slot};
use crate::validate;

/// The arguments of `#[dd_slo]`, in the order of its documentation.
pub(crate) const GRAMMAR: Grammar<SloArgs> = Grammar {
    attribute: "dd_slo",
    noun: "argument",
    arguments: &[
        Argument::<SloArgs>::string("name", "checkout", |args| &mut args.name).required(),
        Argument::<SloArgs>::expr("target", |args| &mut args.target).required(),
        Argument::expr("latency_ms", |args| &mut args.latency_ms),
        Argument::tags(|args| &mut args.tags),
        Argument::krate(|args| &mut args.krate),
    ],
    conflicts: &[],
    elsewhere: |keyword| Macro::Slo.other_taking(keyword),
};

/// `#[dd_slo(..)]` as written.
#[derive(Default)]
pub(crate) struct SloArgs {
    name: Slot<LitStr>,
    target: Slot<Expr>,
    latency_ms: Slot<Expr>,
    tags: Slot<Vec<RawTag>>,
    krate: Slot<Path>,
}

/// Parses and validates the arguments of one `#[dd_slo]`; `attr_span` is where a missing
/// argument is reported.
pub(crate) fn config(args: TokenStream, attr_span: Span) -> syn::Result<SloConfig> {
    let mut errors = Errors::default();
    GRAMMAR.parse(args, &mut errors).build(errors, attr_span)
}

impl SloArgs {
    /// Validates the arguments together; `errors` holds those of parsing, `attr_span` is where
    /// a missing argument is reported.
    fn build(self, mut errors: Errors, attr_span: Span) -> syn::Result<SloConfig> {
        let missing = !self.name.is_given();
        let name = self.name.get();
        if let Some(name) = &name {
            if let Some(message) = validate::slo_name_error(&name.value()) {
                errors.error(name.span(), message);
            }
        } else if missing {
            errors.error(
                attr_span,
                "`#[dd_slo]` needs `name = \"..\"`: the SLO's name, the value of its `slo:<name>` tag, \
                 like `#[dd_slo(name = \"checkout\", target = 99.9)]`",
            );
        }
        let target = self.target.get();
        if target.is_none() {
            errors.error(
                attr_span,
                "`#[dd_slo]` needs `target = ..`: the objective in percent, like `#[dd_slo(name = \"checkout\", target = 99.9)]`",
            );
        }
        let target = target.and_then(|value| errors.take(target_percent(&value)));
        let latency_ms = self.latency_ms.get().and_then(|value| errors.take(latency_ms(&value)));
        let tags = tags::build(self.tags.get().unwrap_or_default(), false, &mut errors);
        let krate = self.krate.get_with_span();
        errors.finish()?;
        let (Some(name), Some(target)) = (name, target) else { unreachable!("missing values are errors") };
        Ok(SloConfig { name, target, latency_ms, tags, krate })
    }
}

/// The value of `target`: a number strictly between 0 and 100.
fn target_percent(value: &Expr) -> syn::Result<f64> {
    let (negative, lit) = match value {
        Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr, .. }) => (true, &**expr),
        other => (false, other),
    };
    let number = match lit {
        Expr::Lit(ExprLit { lit: Lit::Float(float), .. }) => float.base10_parse::<f64>()?,
        Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => int.base10_parse::<f64>()?,
        _ => {
            return Err(syn::Error::new_spanned(
                value,
                "`target` expects a number literal: the objective in percent, like `target = 99.9`",
            ));
        }
    };
    let number = if negative { -number } else { number };
    if number > 0.0 && number < 100.0 {
        Ok(number)
    } else {
        Err(syn::Error::new_spanned(
            value,
            format_args!(
                "`target = {}` is out of range: the objective is a percentage strictly between 0 and 100, like `target = 99.9`",
                value.to_token_stream().to_string().replace(' ', "")
            ),
        ))
    }
}

/// The value of `latency_ms`: a positive whole number of milliseconds.
fn latency_ms(value: &Expr) -> syn::Result<u64> {
    let expected = "`latency_ms` expects a whole number of milliseconds, like `latency_ms = 500`";
    match value {
        Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => match int.base10_parse::<u64>() {
            Ok(0) => Err(syn::Error::new_spanned(value, "`latency_ms = 0` is not a threshold: it must be at least 1")),
            Ok(ms) => Ok(ms),
            Err(_) => Err(syn::Error::new_spanned(
                value,
                format_args!("`latency_ms = {}` is too large: it must fit in a `u64`", int.base10_digits()),
            )),
        },
        Expr::Unary(ExprUnary { op: UnOp::Neg(_), .. }) => {
            Err(syn::Error::new_spanned(value, "`latency_ms` must be positive: a whole number of milliseconds"))
        }
        _ => Err(syn::Error::new_spanned(value, expected)),
    }
}

/// `#[dd_slo]`, validated.
pub(crate) struct SloConfig {
    pub(crate) name: LitStr,
    /// Percent, strictly between 0 and 100.
    pub(crate) target: f64,
    pub(crate) latency_ms: Option<u64>,
    pub(crate) tags: Vec<Tag>,
    pub(crate) krate: Option<(Span, Path)>,
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::grammar::tests::messages;

    fn slo(tokens: TokenStream) -> syn::Result<SloConfig> {
        config(tokens, Span::call_site())
    }

    #[test]
    fn targets_are_percentages() {
        assert!((slo(quote!(name = "a", target = 99.9)).unwrap().target - 99.9).abs() < f64::EPSILON);
        assert!((slo(quote!(name = "a", target = 99)).unwrap().target - 99.0).abs() < f64::EPSILON);
        for bad in [quote!(0), quote!(100), quote!(100.0), quote!(-1), quote!(250)] {
            let errors = messages(slo(quote!(name = "a", target = #bad)));
            assert!(errors[0].contains("is out of range"), "{errors:?}");
        }
        assert_eq!(
            messages(slo(quote!(name = "a", target = "high"))),
            ["`target` expects a number literal: the objective in percent, like `target = 99.9`"]
        );
    }

    #[test]
    fn latency_is_a_positive_whole_number() {
        assert_eq!(slo(quote!(name = "a", target = 99, latency_ms = 500)).unwrap().latency_ms, Some(500));
        assert_eq!(slo(quote!(name = "a", target = 99, latency_ms = 0x1f4)).unwrap().latency_ms, Some(500));
        let cases = [
            (quote!(0), "`latency_ms = 0` is not a threshold: it must be at least 1"),
            (quote!(-5), "`latency_ms` must be positive: a whole number of milliseconds"),
            (quote!(1.5), "`latency_ms` expects a whole number of milliseconds, like `latency_ms = 500`"),
            (quote!(99999999999999999999), "`latency_ms = 99999999999999999999` is too large: it must fit in a `u64`"),
        ];
        for (value, message) in cases {
            assert_eq!(messages(slo(quote!(name = "a", target = 99, latency_ms = #value))), [message]);
        }
    }

    #[test]
    fn name_and_target_are_required() {
        let errors = messages(slo(TokenStream::new()));
        assert_eq!(errors.len(), 2);
        assert!(errors[0].starts_with("`#[dd_slo]` needs `name = \"..\"`"));
        assert!(errors[1].starts_with("`#[dd_slo]` needs `target = ..`"));
    }

    #[test]
    fn a_name_that_is_not_a_string_is_not_missing() {
        let errors = messages(slo(quote!(name = checkout, target = 99.9)));
        assert_eq!(errors, ["`name` expects a string literal, like `name = \"checkout\"`"]);
    }

    #[test]
    fn names_are_tag_values() {
        let errors = messages(slo(quote!(name = "Checkout Payment", target = 99)));
        assert!(errors[0].ends_with("did you mean `checkout_payment`?"), "{errors:?}");
    }
}
