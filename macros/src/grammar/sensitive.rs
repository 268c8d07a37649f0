//! `redact(..)` and `hash(..)` around a value in `tags(..)`: values that are always sensitive.
//!
//! `key = redact(expr)` sends `[REDACTED]`: the expression is evaluated (as every tag value is,
//! once per recorded call), never formatted, so its type needs no `Display` and the tag is a constant (a
//! static metric tag). `key = hash(expr)` sends the keyed hash of the value's `Display` text, as
//! `#[dd_tag(hash)]` does; spans only, since one metric series per hashed value (a user, an
//! account) is what Datadog bills as custom metrics and what the series table caps.
//!
//! The two names are reserved inside `tags(..)`: a function of the user's own called `redact` is
//! called by its path (`self::redact(x)`). Calls that look like a misspelled wrapper
//! (`redacted(x)`, `hashed(x)`, `hsah(x)`) are errors with a suggestion, for the same reason: a
//! value the user meant to hide must not leave the process because of a typo.

use proc_macro2::Span;
use syn::{Expr, ExprCall, ExprPath};

use crate::validate;

/// The value a span attribute and a metric tag get for `redact(..)`.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// How a tag value is sent.
pub(crate) enum Value {
    /// As it is (then redacted by the detectors at run time).
    Plain(Expr),
    /// `redact(expr)`: `[REDACTED]`.
    Redact(Expr),
    /// `hash(expr)`: the keyed hash; `wrapper` is the `hash` token, for errors.
    Hash { wrapper: Span, expr: Expr },
}

/// A wrapper, by name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wrapper {
    Redact,
    Hash,
}

impl Wrapper {
    fn of(name: &str) -> Option<Self> {
        match name {
            "redact" => Some(Self::Redact),
            "hash" => Some(Self::Hash),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Redact => "redact",
            Self::Hash => "hash",
        }
    }
}

/// The name of a call `name(..)` by a bare identifier (no path, no generics), and its span.
fn bare_call(expr: &Expr) -> Option<(String, Span, &ExprCall)> {
    let Expr::Call(call) = expr else { return None };
    let Expr::Path(ExprPath { qself: None, path, .. }) = &*call.func else { return None };
    let ident = path.get_ident()?;
    Some((ident.to_string(), ident.span(), call))
}

/// The wrapper a misspelled name likely meant: `redacted`, `reduct`, `hashed`, `hsah`; `None`
/// for every other name (`has(x)`, `cash(x)` are functions of the user's).
fn misspelled(name: &str) -> Option<Wrapper> {
    if Wrapper::of(name).is_some() {
        return None;
    }
    if name.starts_with("redact") || validate::edit_distance(name, "redact") <= 1 {
        return Some(Wrapper::Redact);
    }
    let mut letters: Vec<char> = name.chars().collect();
    letters.sort_unstable();
    if name.starts_with("hash") || letters == ['a', 'h', 'h', 's'] {
        return Some(Wrapper::Hash);
    }
    None
}

/// How the value of `key = value` is sent, or the error of a misused wrapper, pointing at it.
pub(crate) fn classify(value: Expr) -> syn::Result<Value> {
    if let Expr::Macro(mac) = &value
        && let Some(ident) = mac.mac.path.get_ident()
        && let Some(wrapper) = Wrapper::of(&ident.to_string())
    {
        let name = wrapper.name();
        return Err(syn::Error::new(ident.span(), format_args!("`{name}` is not a macro: write `{name}(<value>)`")));
    }
    let Some((name, name_span, call)) = bare_call(&value) else { return Ok(Value::Plain(value)) };
    let Some(wrapper) = Wrapper::of(&name) else {
        return match misspelled(&name) {
            Some(meant) => Err(syn::Error::new(
                name_span,
                format_args!(
                    "unknown tag value wrapper `{name}(..)`: did you mean `{meant}(..)`? (`redact(..)` sends \
                     `[REDACTED]`, `hash(..)` a keyed hash; to call a function of yours named `{name}`, write a path \
                     to it: `self::{name}(..)`)",
                    meant = meant.name()
                ),
            )),
            None => Ok(Value::Plain(value)),
        };
    };
    let name = wrapper.name();
    if call.args.len() != 1 {
        return Err(syn::Error::new(
            call.paren_token.span.join(),
            format_args!("`{name}(..)` takes one value, not {}: `{name}(card_no)`", call.args.len()),
        ));
    }
    let inner = call.args.first().expect("one argument");
    if let Some((inner_name, inner_span, _)) = bare_call(inner)
        && let Some(inner_wrapper) = Wrapper::of(&inner_name)
    {
        let message = match (wrapper, inner_wrapper) {
            (Wrapper::Hash, Wrapper::Redact) => {
                "`redact(..)` inside `hash(..)`: every value would have the hash of `[REDACTED]`; write `hash(..)` \
                 alone to keep values joinable, or `redact(..)` alone to send nothing of them"
            }
            (Wrapper::Redact, Wrapper::Hash) => {
                "`hash(..)` inside `redact(..)`: nothing of the value is sent, so it is never hashed; write \
                 `redact(..)` alone, or `hash(..)` alone to keep values joinable"
            }
            (Wrapper::Redact, Wrapper::Redact) => "`redact(..)` inside `redact(..)`: write `redact(..)` once",
            (Wrapper::Hash, Wrapper::Hash) => {
                "`hash(..)` inside `hash(..)`: a hash of the hash joins the same values as the hash; write `hash(..)` \
                 once"
            }
        };
        return Err(syn::Error::new(inner_span, message));
    }
    let expr = inner.clone();
    Ok(match wrapper {
        Wrapper::Redact => Value::Redact(expr),
        Wrapper::Hash => Value::Hash { wrapper: name_span, expr },
    })
}

/// The error of `..redact(x)` / `..hash(x)`, pointing at the wrapper; `None` for any other spread.
pub(crate) fn spread_error(expr: &Expr) -> Option<syn::Error> {
    let (name, span, _) = bare_call(expr)?;
    let wrapper = Wrapper::of(&name)?.name();
    Some(syn::Error::new(
        span,
        format_args!(
            "`{wrapper}(..)` wraps one tag value (`key = {wrapper}(value)`), not the tags of a `DdTags` value: mark \
             the fields to {wrapper} with `#[dd_tag({wrapper})]`"
        ),
    ))
}

/// The error of `hash(..)` in the tags of a metric, at the `hash` token.
pub(crate) fn hash_on_metric(wrapper: Span, key: &str) -> syn::Error {
    syn::Error::new(
        wrapper,
        format_args!(
            "`hash(..)` is for span tags: as a metric tag, every hashed value (a user, an account) would make a \
             metric series of its own; tag the span, `#[dd_span(tags({key} = hash(..)))]`, or send `redact(..)`"
        ),
    )
}
