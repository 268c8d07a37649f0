//! `#[dd_slo]`: its arguments, and their validation into an [`SloConfig`].

use proc_macro2::{Span, TokenStream};
use quote::ToTokens as _;
use syn::{Expr, ExprLit, ExprUnary, Lit, LitStr, Path, UnOp};

use super::Macro;
use crate::grammar::tags::{self, RawTag, Tag};
use crate::grammar::{Argument, Errors, Grammar, Slot, unknown_suffix};
use crate::validate;

/// The arguments of `#[dd_slo]`, in the order of its documentation.
pub(crate) const GRAMMAR: Grammar<SloArgs> = Grammar {
    attribute: "dd_slo",
    noun: "argument",
    arguments: &[
        Argument::<SloArgs>::string("name", "checkout", |args| &mut args.name).required(),
        Argument::<SloArgs>::expr("target", "99.9", |args| &mut args.target).required(),
        Argument::expr("latency_ms", "500", |args| &mut args.latency_ms),
        Argument::string("timeframe", "30d", |args| &mut args.timeframe),
        Argument::expr("warning", "99.95", |args| &mut args.warning),
        Argument::string("description", "Orders are paid and confirmed", |args| &mut args.description),
        Argument::tags(|args| &mut args.tags),
        Argument::krate(|args| &mut args.krate),
    ],
    conflicts: &[],
    guide: |keyword| Macro::Slo.guide(keyword),
};

/// `#[dd_slo(..)]` as written.
#[derive(Default)]
pub(crate) struct SloArgs {
    name: Slot<LitStr>,
    target: Slot<Expr>,
    latency_ms: Slot<Expr>,
    timeframe: Slot<LitStr>,
    warning: Slot<Expr>,
    description: Slot<LitStr>,
    tags: Slot<Vec<RawTag>>,
    krate: Slot<Path>,
}

/// Parses and validates the arguments of one `#[dd_slo]`; `attr_span` is where a missing
/// argument is reported.
pub(crate) fn config(args: TokenStream, attr_span: Span) -> syn::Result<SloConfig> {
    let mut errors = Errors::default();
    let mut raw = GRAMMAR.parse(args, &mut errors);
    let missing = GRAMMAR.missing(&mut raw, &errors);
    raw.build(errors, &missing, attr_span)
}

impl SloArgs {
    /// Validates the arguments together; `errors` holds those of parsing, `missing` the required
    /// arguments not written, reported at `attr_span`.
    fn build(self, mut errors: Errors, missing: &[&str], attr_span: Span) -> syn::Result<SloConfig> {
        let name = self.name.get();
        if let Some(name) = &name
            && let Some(message) = validate::slo_name_error(&name.value())
        {
            errors.error(name.span(), message);
        }
        if missing.contains(&"name") {
            errors.error(
                attr_span,
                "`#[dd_slo]` needs `name = \"..\"`: the SLO's name, the value of its `slo:<name>` tag, \
                 like `#[dd_slo(name = \"checkout\", target = 99.9)]`",
            );
        }
        let target = self.target.get();
        if missing.contains(&"target") {
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
        let tags = tags::build(self.tags.get().unwrap_or_default(), false, &mut errors);
        let krate = self.krate.get_with_span();
        errors.finish()?;
        let (Some(name), Some(target)) = (name, target) else { unreachable!("missing values are errors") };
        Ok(SloConfig { name, target, latency_ms, timeframe, warning, description, tags, krate })
    }
}

/// Most decimals Datadog keeps in an SLO target.
const MAX_TARGET_DECIMALS: usize = 3;

/// The value of `target`: a percentage, at least 1 and below 100, with at most
/// [`MAX_TARGET_DECIMALS`] decimals.
///
/// Below 1 is a fraction written for a percentage (`0.999` for 99.9 %), not an objective anyone
/// sets: the error suggests the percentage.
fn target_percent(value: &Expr) -> syn::Result<f64> {
    let (negative, lit) = match value {
        Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr, .. }) => (true, &**expr),
        other => (false, other),
    };
    let number = match lit {
        Expr::Lit(ExprLit { lit, .. }) if unknown_suffix(lit).is_some() => {
            let digits = match lit {
                Lit::Int(int) => int.base10_digits(),
                Lit::Float(float) => float.base10_digits(),
                _ => unreachable!("only numbers have suffixes"),
            };
            let sign = if negative { "-" } else { "" };
            return Err(syn::Error::new_spanned(
                value,
                format!(
                    "`target` expects a number literal: the objective in percent, like `target = 99.9`; did you \
                     mean `target = {sign}{digits}`?"
                ),
            ));
        }
        Expr::Lit(ExprLit { lit: Lit::Float(float), .. }) => float.base10_parse::<f64>()?,
        Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => int.base10_parse::<f64>()?,
        Expr::Lit(ExprLit { lit: Lit::Str(text), .. }) => {
            let message = "`target` expects a number literal: the objective in percent, like `target = 99.9`";
            let written = text.value();
            let number = written.trim().trim_end_matches('%').trim_end();
            return Err(syn::Error::new_spanned(
                value,
                match number.parse::<f64>() {
                    Ok(parsed) if parsed.is_finite() => format!("{message}; did you mean `target = {number}`?"),
                    _ => message.to_owned(),
                },
            ));
        }
        _ => {
            return Err(syn::Error::new_spanned(
                value,
                "`target` expects a number literal: the objective in percent, like `target = 99.9`",
            ));
        }
    };
    let number = if negative { -number } else { number };
    let written = value.to_token_stream().to_string().replace(' ', "");
    let range = "the objective is a percentage, at least 1 and below 100";
    let error = |message: String| Err(syn::Error::new_spanned(value, message));
    if number > 0.0 && number < 1.0 {
        // `{number}` is the shortest decimal that reads back as `number`: `0.999`, never `9.99e-1`.
        let percent = truncate_decimals(&shift_two_places(&number.to_string()));
        return match percent.parse::<f64>() {
            Ok(value) if value >= 1.0 => {
                error(format!("`target = {written}` means {written} %: {range}; did you mean `target = {percent}`?"))
            }
            _ => error(format!("`target = {written}` means {written} %: {range}, like `target = 99.9`")),
        };
    }
    if !(1.0..100.0).contains(&number) {
        return error(format!("`target = {written}` is out of range: {range}, like `target = 99.9`"));
    }
    let text = number.to_string();
    let decimals = text.split_once('.').map_or(0, |(_, decimals)| decimals.len());
    if decimals > MAX_TARGET_DECIMALS {
        return error(format!(
            "`target = {written}` has {decimals} decimals: Datadog keeps at most {MAX_TARGET_DECIMALS}; did you mean \
             `target = {}`?",
            truncate_decimals(&text)
        ));
    }
    Ok(number)
}

/// `decimal` (digits with at most one `.`, as `f64` displays) times 100: `0.999` -> `99.9`.
fn shift_two_places(decimal: &str) -> String {
    let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
    let fraction = format!("{fraction:0<2}");
    let (moved, rest) = fraction.split_at(2);
    let whole = format!("{whole}{moved}");
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    if rest.is_empty() { whole.to_owned() } else { format!("{whole}.{rest}") }
}

/// `decimal` cut (not rounded, which could reach 100) to [`MAX_TARGET_DECIMALS`] decimals,
/// without trailing zeros: `99.99999` -> `99.999`.
fn truncate_decimals(decimal: &str) -> String {
    match decimal.split_once('.') {
        Some((whole, fraction)) => {
            let kept = fraction[..fraction.len().min(MAX_TARGET_DECIMALS)].trim_end_matches('0');
            if kept.is_empty() { whole.to_owned() } else { format!("{whole}.{kept}") }
        }
        None => decimal.to_owned(),
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

/// A signed number literal without a suffix, as `f64`.
fn percent_literal(value: &Expr) -> Option<f64> {
    let (negative, lit) = match value {
        Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr, .. }) => (true, &**expr),
        other => (false, other),
    };
    let number = match lit {
        Expr::Lit(ExprLit { lit, .. }) if unknown_suffix(lit).is_some() => return None,
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
        Expr::Lit(ExprLit { lit: lit @ (Lit::Int(_) | Lit::Float(_)), .. }) if unknown_suffix(lit).is_some() => {
            Err(syn::Error::new_spanned(value, latency_with_unit(lit)))
        }
        Expr::Lit(ExprLit { lit: Lit::Str(text), .. }) => {
            // `"500ms"` is the literal `500ms` in quotes.
            let message = match syn::parse_str::<Lit>(text.value().trim()) {
                Ok(number) if unknown_suffix(&number).is_some() => latency_with_unit(&number),
                Ok(Lit::Int(int)) if int.base10_parse::<u64>().is_ok_and(|ms| ms > 0) => {
                    format!("{expected}; did you mean `latency_ms = {}`?", int.base10_digits())
                }
                _ => expected.to_owned(),
            };
            Err(syn::Error::new_spanned(value, message))
        }
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

/// The error for a latency written with a unit (`2s`, `"500ms"`), with the milliseconds when the
/// unit is known.
fn latency_with_unit(lit: &Lit) -> String {
    let expected = "`latency_ms` expects a whole number of milliseconds, like `latency_ms = 500`";
    let (digits, suffix) = match lit {
        Lit::Int(int) => (int.base10_digits(), int.suffix()),
        Lit::Float(float) => (float.base10_digits(), float.suffix()),
        _ => return expected.to_owned(),
    };
    let per_unit = match suffix {
        "ms" => 1.0,
        "s" => 1_000.0,
        "us" | "µs" => 0.001,
        "m" | "min" => 60_000.0,
        _ => return format!("{expected}; `{suffix}` is not a unit it takes"),
    };
    match digits.parse::<f64>().map(|number| number * per_unit) {
        Ok(ms) if ms >= 1.0 && ms.fract() == 0.0 && ms < 1e15 => {
            format!("{expected}; did you mean `latency_ms = {ms}`?")
        }
        _ => expected.to_owned(),
    }
}

/// `#[dd_slo]`, validated.
pub(crate) struct SloConfig {
    pub(crate) name: LitStr,
    /// Percent, at least 1 and below 100, with at most three decimals.
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
        for (good, number) in [(quote!(99.9), 99.9), (quote!(99), 99.0), (quote!(1), 1.0), (quote!(99.999), 99.999)] {
            let target = slo(quote!(name = "a", target = #good)).unwrap().target;
            assert!((target - number).abs() < f64::EPSILON, "{target}");
        }
        for bad in [quote!(0), quote!(100), quote!(100.0), quote!(-1), quote!(-0.5), quote!(250)] {
            let errors = messages(slo(quote!(name = "a", target = #bad)));
            assert!(errors[0].contains("is out of range: the objective is a percentage, at least 1 and below 100"));
        }
        assert_eq!(
            messages(slo(quote!(name = "a", target = "high"))),
            ["`target` expects a number literal: the objective in percent, like `target = 99.9`"]
        );
        assert_eq!(
            messages(slo(quote!(name = "a", target = "99.9 %"))),
            ["`target` expects a number literal: the objective in percent, like `target = 99.9`; did you mean \
              `target = 99.9`?"]
        );
    }

    #[test]
    fn fractions_suggest_their_percentage() {
        let suggestion = |value: TokenStream| {
            let errors = messages(slo(quote!(name = "a", target = #value)));
            errors[0].split_once("did you mean ").map(|(_, rest)| rest.to_owned())
        };
        assert_eq!(
            messages(slo(quote!(name = "a", target = 0.999))),
            ["`target = 0.999` means 0.999 %: the objective is a percentage, at least 1 and below 100; did you mean \
              `target = 99.9`?"]
        );
        assert_eq!(suggestion(quote!(0.95)).as_deref(), Some("`target = 95`?"));
        assert_eq!(suggestion(quote!(0.5)).as_deref(), Some("`target = 50`?"));
        assert_eq!(suggestion(quote!(0.99999)).as_deref(), Some("`target = 99.999`?"));
        // Cut to three decimals, never rounded up to 100.
        assert_eq!(suggestion(quote!(0.9999999)).as_deref(), Some("`target = 99.999`?"));
        assert_eq!(suggestion(quote!(0.001)), None, "0.1 % is no objective either");
        assert!(messages(slo(quote!(name = "a", target = 0.001)))[0].ends_with("like `target = 99.9`"));
    }

    #[test]
    fn targets_keep_three_decimals() {
        assert_eq!(
            messages(slo(quote!(name = "a", target = 99.99999))),
            ["`target = 99.99999` has 5 decimals: Datadog keeps at most 3; did you mean `target = 99.999`?"]
        );
        assert!(slo(quote!(name = "a", target = 99.9990)).is_ok(), "trailing zeros are not decimals");
        assert_eq!(shift_two_places("0.999"), "99.9");
        assert_eq!(shift_two_places("0.5"), "50");
        assert_eq!(shift_two_places("0.0001"), "0.01");
        assert_eq!(truncate_decimals("99.99999"), "99.999");
        assert_eq!(truncate_decimals("99.9000"), "99.9");
        assert_eq!(truncate_decimals("99"), "99");
    }

    #[test]
    fn arguments_under_other_names_are_not_also_missing() {
        assert_eq!(
            messages(slo(quote!(slo = "a", objective = 99.9))),
            [
                "unknown argument `slo` of `#[dd_slo]`: expected `name`, `target`, `latency_ms`, `timeframe`, \
                 `warning`, `description`, `tags` or `crate`; did you mean `name`?",
                "unknown argument `objective` of `#[dd_slo]`: expected `name`, `target`, `latency_ms`, `timeframe`, \
                 `warning`, `description`, `tags` or `crate`; did you mean `target`?",
            ]
        );
        let errors = messages(slo(quote!(nmae = "a", target = 99.9)));
        assert_eq!(errors.len(), 1, "{errors:?}");
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
    fn numbers_with_units_suggest_the_number() {
        let first = |tokens: TokenStream| messages(slo(tokens)).into_iter().next().unwrap_or_default();
        let expected = "`latency_ms` expects a whole number of milliseconds, like `latency_ms = 500`";
        assert_eq!(
            first(quote!(name = "a", target = 99, latency_ms = 2s)),
            format!("{expected}; did you mean `latency_ms = 2000`?")
        );
        assert_eq!(
            first(quote!(name = "a", target = 99, latency_ms = 0.25s)),
            format!("{expected}; did you mean `latency_ms = 250`?")
        );
        assert_eq!(
            first(quote!(name = "a", target = 99, latency_ms = 500ms)),
            format!("{expected}; did you mean `latency_ms = 500`?")
        );
        assert_eq!(
            first(quote!(name = "a", target = 99, latency_ms = "500ms")),
            format!("{expected}; did you mean `latency_ms = 500`?")
        );
        assert_eq!(
            first(quote!(name = "a", target = 99, latency_ms = "500")),
            format!("{expected}; did you mean `latency_ms = 500`?")
        );
        assert_eq!(
            first(quote!(name = "a", target = 99, latency_ms = 5h)),
            format!("{expected}; `h` is not a unit it takes")
        );
        assert_eq!(
            first(quote!(name = "a", target = 99, latency_ms = 500u64)),
            "",
            "a number type is a suffix Rust knows"
        );
        assert_eq!(
            first(quote!(name = "a", target = 99.9pct)),
            "`target` expects a number literal: the objective in percent, like `target = 99.9`; did you mean `target = 99.9`?"
        );
    }

    #[test]
    fn a_percent_sign_is_left_out_once() {
        assert_eq!(
            messages(slo(quote!(name = "a", target = 99.9%, latency_ms = 5))),
            ["`target` takes a number, without `%`: write `target = 99.9`"]
        );
        assert_eq!(
            messages(slo(quote!(name = "a", target = 0.999%))),
            [
                "`target` takes a number, without `%`: write `target = 0.999`",
                "`target = 0.999` means 0.999 %: the objective is a percentage, at least 1 and below 100; did you \
                 mean `target = 99.9`?",
            ]
        );
        // A syntax error in the value: reported once, the argument not also missing.
        assert_eq!(messages(slo(quote!(name = "a", target = 99.9 +))).len(), 1);
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
