//! `#[dd_slo]`: its arguments and their validation. Code generation is in `item_fn`.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens as _;
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream, Parser as _};
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Path, Token, UnOp};

use crate::args::{self, Attr, Errors, Macro, RawTag, Tag, kw};
use crate::{item_fn, validate};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    item_fn::expand(Macro::Slo, args, item)
}

/// `#[dd_slo(..)]` as written.
struct SloArgs {
    /// `None` inside when the value is not a string literal (already reported): the name was
    /// given, so it is not reported missing.
    name: Attr<Option<LitStr>>,
    target: Attr<Expr>,
    latency_ms: Attr<Expr>,
    timeframe: Attr<LitStr>,
    warning: Attr<Expr>,
    description: Attr<LitStr>,
    tags: Attr<Vec<RawTag>>,
    krate: Attr<Path>,
    errors: Errors,
}

impl Parse for SloArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut this = Self {
            name: Attr::new("name"),
            target: Attr::new("target"),
            latency_ms: Attr::new("latency_ms"),
            timeframe: Attr::new("timeframe"),
            warning: Attr::new("warning"),
            description: Attr::new("description"),
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

impl SloArgs {
    fn parse_one(&mut self, input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<()> {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::name) {
            let keyword: kw::name = input.parse()?;
            let value = args::parse_value(input)?;
            let lit = errors.take(args::expect_lit_str(value, "name", "checkout"));
            self.name.set(errors, keyword.span, lit);
        } else if lookahead.peek(kw::target) {
            let keyword: kw::target = input.parse()?;
            self.target.set(errors, keyword.span, args::parse_value(input)?);
        } else if lookahead.peek(kw::latency_ms) {
            let keyword: kw::latency_ms = input.parse()?;
            self.latency_ms.set(errors, keyword.span, args::parse_value(input)?);
        } else if lookahead.peek(kw::timeframe) {
            let keyword: kw::timeframe = input.parse()?;
            let value = args::parse_value(input)?;
            if let Some(lit) = errors.take(args::expect_lit_str(value, "timeframe", "30d")) {
                self.timeframe.set(errors, keyword.span, lit);
            }
        } else if lookahead.peek(kw::warning) {
            let keyword: kw::warning = input.parse()?;
            self.warning.set(errors, keyword.span, args::parse_value(input)?);
        } else if lookahead.peek(kw::description) {
            let keyword: kw::description = input.parse()?;
            let value = args::parse_value(input)?;
            if let Some(lit) = errors.take(args::expect_lit_str(value, "description", "Orders are paid and confirmed"))
            {
                self.description.set(errors, keyword.span, lit);
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
            args::unknown_argument(input, errors, Macro::Slo)?;
        } else {
            return Err(args::not_an_argument(input, Macro::Slo));
        }
        Ok(())
    }

    fn build(self, attr_span: Span) -> syn::Result<SloConfig> {
        let mut errors = self.errors;
        let given = self.name.get();
        let missing = given.is_none();
        let name = given.flatten();
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
        let timeframe = self.timeframe.get().and_then(|lit| errors.take(timeframe(&lit)));
        let warning = self.warning.get().and_then(|value| errors.take(warning_percent(&value, target)));
        let description = self.description.get().filter(|lit| {
            let empty = lit.value().trim().is_empty();
            if empty {
                errors.error(lit.span(), "empty `description`: say what the objective promises, or leave it out");
            }
            !empty
        });
        let tags = args::build_tags(self.tags.get().unwrap_or_default(), false, &mut errors);
        let krate = self.krate.get_with_span();
        errors.finish()?;
        let (Some(name), Some(target)) = (name, target) else { unreachable!("missing values are errors") };
        Ok(SloConfig { name, target, latency_ms, timeframe, warning, description, tags, krate })
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

/// SLO timeframes Datadog accepts when creating an SLO.
const TIMEFRAMES: [&str; 3] = ["7d", "30d", "90d"];

/// The value of `timeframe`: one of [`TIMEFRAMES`], as the runtime's `Timeframe` variant.
fn timeframe(lit: &LitStr) -> syn::Result<&'static str> {
    let value = lit.value();
    match value.as_str() {
        "7d" => Ok("Days7"),
        "30d" => Ok("Days30"),
        "90d" => Ok("Days90"),
        _ => {
            let message = format!(
                "unknown SLO timeframe `{value}`: expected {}, the windows Datadog evaluates SLOs over",
                validate::one_of(&TIMEFRAMES)
            );
            Err(syn::Error::new(
                lit.span(),
                validate::with_suggestion(message, validate::did_you_mean(&value, TIMEFRAMES)),
            ))
        }
    }
}

/// The value of `warning`: a percentage above `target` (when it is valid) and below 100.
fn warning_percent(value: &Expr, target: Option<f64>) -> syn::Result<f64> {
    let number = percent_literal(value).ok_or_else(|| {
        syn::Error::new_spanned(
            value,
            "`warning` expects a number literal: the warning level in percent, above the target, like `warning = 99.95`",
        )
    })?;
    let written = value.to_token_stream().to_string().replace(' ', "");
    if !(number > 0.0 && number < 100.0) {
        return Err(syn::Error::new_spanned(
            value,
            format_args!(
                "`warning = {written}` is out of range: it is a percentage strictly between the target and 100"
            ),
        ));
    }
    if let Some(target) = target
        && number <= target
    {
        return Err(syn::Error::new_spanned(
            value,
            format_args!(
                "`warning = {written}` must be above `target = {target}`: the SLO warns when it is still met but \
                 closer to the target than the warning level, like `warning = {}`",
                default_warning(target)
            ),
        ));
    }
    Ok(number)
}

/// A signed number literal, as `f64`.
fn percent_literal(value: &Expr) -> Option<f64> {
    let (negative, lit) = match value {
        Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr, .. }) => (true, &**expr),
        other => (false, other),
    };
    let number = match lit {
        Expr::Lit(ExprLit { lit: Lit::Float(float), .. }) => float.base10_parse::<f64>().ok()?,
        Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => int.base10_parse::<f64>().ok()?,
        _ => return None,
    };
    Some(if negative { -number } else { number })
}

/// Half way between `target` and 100, as an example in messages.
fn default_warning(target: f64) -> f64 {
    let half = f64::midpoint(target, 100.0);
    (half * 1e5).round() / 1e5
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
    /// The runtime's `Timeframe` variant, when given.
    pub(crate) timeframe: Option<&'static str>,
    /// Percent, above `target` and below 100.
    pub(crate) warning: Option<f64>,
    pub(crate) description: Option<LitStr>,
    pub(crate) tags: Vec<Tag>,
    pub(crate) krate: Option<(Span, Path)>,
}

/// Parses and validates the arguments of one `#[dd_slo]`; `attr_span` is where a missing
/// argument is reported.
pub(crate) fn config(args: TokenStream, attr_span: Span) -> syn::Result<SloConfig> {
    SloArgs::parse.parse2(args)?.build(attr_span)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::args::tests::messages;

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

    #[test]
    fn timeframe_warning_and_description() {
        let config =
            slo(quote!(name = "a", target = 99.9, timeframe = "90d", warning = 99.95, description = "Fast.")).unwrap();
        assert_eq!(config.timeframe, Some("Days90"));
        assert_eq!(config.warning, Some(99.95));
        assert_eq!(config.description.unwrap().value(), "Fast.");
        let defaults = slo(quote!(name = "a", target = 99)).unwrap();
        assert_eq!((defaults.timeframe, defaults.warning, defaults.description.is_some()), (None, None, false));
        assert_eq!(
            messages(slo(quote!(name = "a", target = 99, timeframe = "30"))),
            [
                "unknown SLO timeframe `30`: expected `7d`, `30d` or `90d`, the windows Datadog evaluates SLOs over; did you mean `30d`?"
            ]
        );
        assert_eq!(
            messages(slo(quote!(name = "a", target = 99.9, warning = 99.5))),
            [
                "`warning = 99.5` must be above `target = 99.9`: the SLO warns when it is still met but closer to the target than the warning level, like `warning = 99.95`"
            ]
        );
        assert!(messages(slo(quote!(name = "a", target = 99.9, warning = 100)))[0].contains("out of range"));
        // Without a valid target, the warning is checked alone.
        assert_eq!(messages(slo(quote!(name = "a", target = 100, warning = 99.5))).len(), 1);
        assert!(messages(slo(quote!(name = "a", target = 99, description = "")))[0].starts_with("empty `description`"));
    }
}
