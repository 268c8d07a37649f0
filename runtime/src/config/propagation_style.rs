//! Header formats, as named by `DD_TRACE_PROPAGATION_STYLE` and its `_EXTRACT` / `_INJECT` variants.

use std::fmt;

/// A format that carries trace context (or baggage) between services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PropagationStyle {
    /// Datadog's headers: `x-datadog-trace-id`, `x-datadog-parent-id`,
    /// `x-datadog-sampling-priority`, `x-datadog-origin`, `x-datadog-tags`.
    Datadog,
    /// W3C Trace Context: `traceparent`, and `tracestate` with Datadog's `dd=` member.
    TraceContext,
    /// W3C Baggage: `baggage`.
    Baggage,
    /// Nothing. Alone, it turns propagation off; next to other styles it has no effect.
    None,
}

impl PropagationStyle {
    const ALL: [Self; 4] = [Self::Datadog, Self::TraceContext, Self::Baggage, Self::None];

    /// The name used in configuration: `datadog`, `tracecontext`, `baggage` or `none`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Datadog => "datadog",
            Self::TraceContext => "tracecontext",
            Self::Baggage => "baggage",
            Self::None => "none",
        }
    }
}

impl fmt::Display for PropagationStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The styles used when none are configured: Datadog headers first, then W3C Trace Context.
pub const DEFAULT_STYLES: [PropagationStyle; 2] = [PropagationStyle::Datadog, PropagationStyle::TraceContext];

/// Parses a comma-separated, case-insensitive list of styles (`datadog,tracecontext`).
///
/// Blanks around entries and empty entries are ignored, and so are repeated styles (the first
/// occurrence keeps its place). An empty list parses to no styles: callers that treat an empty
/// variable as unset check for that first.
#[cfg(test)]
pub(crate) fn parse_styles(value: &str) -> Result<Vec<PropagationStyle>, String> {
    parse_styles_ignoring(value, &mut Vec::new())
}

/// Styles Datadog's tracers know and this crate does not write or read: skipped (into
/// `ignored`) rather than refused, since platforms set the style variables for every service
/// alike.
const UNSUPPORTED: [&str; 3] = ["b3multi", "b3", "b3 single header"];

/// [`parse_styles`], skipping the styles Datadog's tracers know and this crate does not
/// (`b3multi`, `b3`), which are pushed to `ignored`.
pub(crate) fn parse_styles_ignoring(value: &str, ignored: &mut Vec<String>) -> Result<Vec<PropagationStyle>, String> {
    let mut styles = Vec::new();
    for entry in value.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
        if UNSUPPORTED.iter().any(|name| name.eq_ignore_ascii_case(entry)) {
            ignored.push(entry.to_owned());
            continue;
        }
        let style = PropagationStyle::ALL
            .into_iter()
            .find(|style| style.as_str().eq_ignore_ascii_case(entry))
            .ok_or_else(|| {
                format!("unknown propagation style `{entry}`: expected `datadog`, `tracecontext`, `baggage` or `none`")
            })?;
        if !styles.contains(&style) {
            styles.push(style);
        }
    }
    Ok(styles)
}

#[cfg(test)]
mod tests {
    use super::PropagationStyle::{Baggage, Datadog, None, TraceContext};
    use super::*;

    #[test]
    fn parses_case_insensitive_lists() {
        assert_eq!(parse_styles("datadog,tracecontext"), Ok(vec![Datadog, TraceContext]));
        assert_eq!(parse_styles(" TraceContext , DATADOG,baggage "), Ok(vec![TraceContext, Datadog, Baggage]));
        assert_eq!(parse_styles("none"), Ok(vec![None]));
        assert_eq!(parse_styles("Baggage"), Ok(vec![Baggage]));
    }

    #[test]
    fn drops_duplicates_and_empty_entries() {
        assert_eq!(parse_styles("datadog,,tracecontext,Datadog,"), Ok(vec![Datadog, TraceContext]));
        assert_eq!(parse_styles(""), Ok(vec![]));
        assert_eq!(parse_styles(" , "), Ok(vec![]));
    }

    #[test]
    fn names_the_unknown_style() {
        assert_eq!(
            parse_styles("datadog,zipkin"),
            Err("unknown propagation style `zipkin`: expected `datadog`, `tracecontext`, `baggage` or `none`"
                .to_owned())
        );
        assert_eq!(
            parse_styles("trace context"),
            Err("unknown propagation style `trace context`: expected `datadog`, `tracecontext`, `baggage` or `none`"
                .to_owned())
        );
    }

    #[test]
    fn datadogs_b3_styles_are_skipped_and_said() {
        let mut ignored = Vec::new();
        assert_eq!(
            parse_styles_ignoring("datadog,B3multi,tracecontext,b3", &mut ignored),
            Ok(vec![Datadog, TraceContext])
        );
        assert_eq!(ignored, ["B3multi", "b3"]);
    }

    #[test]
    fn names_round_trip() {
        for style in PropagationStyle::ALL {
            assert_eq!(parse_styles(&style.to_string()), Ok(vec![style]));
        }
        assert_eq!(DEFAULT_STYLES, [Datadog, TraceContext]);
    }
}
