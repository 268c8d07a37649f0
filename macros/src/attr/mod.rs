//! The three attribute macros' arguments: each module parses one attribute with the shared
//! [grammar](crate::grammar) and validates it into a config, the only thing code generation
//! sees.

pub(crate) mod slo;
pub(crate) mod span;
pub(crate) mod timed;

use crate::grammar::Guide;

/// The three attribute macros.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum Macro {
    Span,
    Timed,
    Slo,
}

impl Macro {
    pub(crate) const ALL: [Self; 3] = [Self::Span, Self::Timed, Self::Slo];

    /// Its name, as messages write it (`#[dd_span]`): `dd_span`.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Span => span::GRAMMAR.attribute,
            Self::Timed => timed::GRAMMAR.attribute,
            Self::Slo => slo::GRAMMAR.attribute,
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The keywords of its arguments, in documentation order.
    fn keywords(self) -> Vec<&'static str> {
        match self {
            Self::Span => span::GRAMMAR.keywords(),
            Self::Timed => timed::GRAMMAR.keywords(),
            Self::Slo => slo::GRAMMAR.keywords(),
        }
    }

    /// What to tell a user who gives this attribute `keyword`, which it does not take: the
    /// name it takes the same thing under, why no attribute takes it, or the other attribute
    /// that does.
    fn guide(self, keyword: &str) -> Option<Guide> {
        GUIDES
            .iter()
            .find(|(written, macros, _)| *written == keyword && macros.contains(&self))
            .map(|(_, _, guide)| *guide)
            .or_else(|| {
                Self::ALL
                    .into_iter()
                    .find(|other| *other != self && other.keywords().contains(&keyword))
                    .map(|other| Guide::Elsewhere(other.name()))
            })
    }
}

const ALL: &[Macro] = &Macro::ALL;
const SPAN: &[Macro] = &[Macro::Span];
const TIMED: &[Macro] = &[Macro::Timed];
const SLO: &[Macro] = &[Macro::Slo];

/// Keywords users write for these attributes' arguments under the names Datadog's tracers,
/// OpenTelemetry or `tracing::instrument` give them, and keywords no attribute takes because
/// something else sets them: what to tell them, per attribute. Typos are found apart, by edit
/// distance.
const GUIDES: &[(&str, &[Macro], Guide)] = &[
    ("type", SPAN, Guide::Renamed("span_type")),
    ("operation", SPAN, Guide::Renamed("name")),
    ("operation_name", SPAN, Guide::Renamed("name")),
    ("span_name", SPAN, Guide::Renamed("name")),
    ("resource_name", SPAN, Guide::Renamed("resource")),
    ("span_kind", SPAN, Guide::Renamed("kind")),
    ("peer_service", SPAN, Guide::Renamed("peer")),
    ("metric", TIMED, Guide::Renamed("name")),
    ("metric_name", TIMED, Guide::Renamed("name")),
    ("slo", SLO, Guide::Renamed("name")),
    ("slo_name", SLO, Guide::Renamed("name")),
    ("objective", SLO, Guide::Renamed("target")),
    ("threshold", SLO, Guide::Renamed("latency_ms")),
    ("threshold_ms", SLO, Guide::Renamed("latency_ms")),
    ("fields", ALL, Guide::Renamed("tags")),
    (
        "service",
        SPAN,
        Guide::Explained(
            "the service of every span and metric comes from `DD_SERVICE`; for the service this span calls, \
             write `kind = \"client\", peer = \"..\"`",
        ),
    ),
    ("service", TIMED, Guide::Explained(SERVICE)),
    ("service", SLO, Guide::Explained(SERVICE)),
    ("env", ALL, Guide::Explained("the `env` of every span and metric comes from `DD_ENV`")),
    ("version", ALL, Guide::Explained("the `version` of every span and metric comes from `DD_VERSION`")),
    ("level", SPAN, Guide::Explained("`#[dd_span]` spans are `tracing` spans at level `INFO`")),
    (
        "skip",
        SPAN,
        Guide::Explained("`#[dd_span]` records no argument unless `tags(..)` names it: there is nothing to skip"),
    ),
    (
        "skip_all",
        SPAN,
        Guide::Explained("`#[dd_span]` records no argument unless `tags(..)` names it: there is nothing to skip"),
    ),
    (
        "err",
        SPAN,
        Guide::Explained("`#[dd_span]` always records an `Err`, as `error.type`, `error.message` and `error.stack`"),
    ),
    ("unit", TIMED, Guide::Explained("the latency is always in milliseconds")),
];

/// Why `service` is no argument of `#[dd_timed]` and `#[dd_slo]`.
const SERVICE: &str = "the service of every span and metric comes from `DD_SERVICE`";
