//! The three attribute macros' arguments: each module parses one attribute with the shared
//! [grammar](crate::grammar) and validates it into a config, the only thing code generation
//! sees.

pub(crate) mod slo;
pub(crate) mod span;
pub(crate) mod timed;

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

    /// The other attribute macro that takes `keyword`, for the error on an argument given to the
    /// wrong one.
    fn other_taking(self, keyword: &str) -> Option<&'static str> {
        Self::ALL.into_iter().find(|other| *other != self && other.keywords().contains(&keyword)).map(Self::name)
    }
}
