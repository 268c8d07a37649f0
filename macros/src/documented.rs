//! The user docs in `lib.rs` checked against the grammars: each attribute documents every
//! argument its table holds, in the table's order, and no other. The docs cannot drift from
//! what the macros take.

use crate::attr::{slo, span, timed};
use crate::derive;
use crate::grammar::Grammar;

/// The doc lines of the entry point `entry` in `lib.rs`, without `///`.
fn docs_of(entry: &str) -> Vec<&'static str> {
    let lines: Vec<&'static str> = include_str!("lib.rs").lines().collect();
    let at = lines.iter().position(|line| line.starts_with(&format!("pub fn {entry}("))).expect("an entry point");
    let mut docs: Vec<&'static str> = lines[..at]
        .iter()
        .rev()
        .skip_while(|line| line.starts_with("#["))
        .take_while(|line| line.starts_with("///"))
        .map(|line| line.trim_start_matches("///").trim_start())
        .collect();
    docs.reverse();
    docs
}

/// The keyword at the start of `text`: `name` of ``name = ".."` (required)``.
fn keyword(text: &str) -> String {
    text.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

/// The arguments an attribute's sections document (`# \`name = ".."\``), and whether each says
/// `(required)`.
fn sections(entry: &str) -> Vec<(String, bool)> {
    docs_of(entry)
        .into_iter()
        .filter_map(|line| line.strip_prefix("# `"))
        .map(|heading| (keyword(heading), heading.ends_with("(required)")))
        .collect()
}

fn table<R: Default>(grammar: &Grammar<R>) -> Vec<(String, bool)> {
    grammar.arguments.iter().map(|argument| (argument.keyword.to_owned(), argument.required)).collect()
}

#[test]
fn each_argument_of_the_attribute_macros_has_its_section() {
    assert_eq!(sections("dd_span"), table(&span::GRAMMAR));
    assert_eq!(sections("dd_timed"), table(&timed::GRAMMAR));
    assert_eq!(sections("dd_slo"), table(&slo::GRAMMAR));
}

/// The options of the helper attribute `attribute` the docs of `entry` show
/// (`#[dd_tag(rename = "..")]`), in order of first mention.
fn options(entry: &str, attribute: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for line in docs_of(entry) {
        for (_, after) in line.match_indices(&format!("`#[{attribute}(")).map(|(at, _)| line.split_at(at)) {
            let option = keyword(&after[attribute.len() + 4..]);
            if !found.contains(&option) {
                found.push(option);
            }
        }
    }
    found
}

#[test]
fn each_option_of_the_derives_is_documented() {
    assert_eq!(options("derive_dd_tags", derive::tags::DD_TAG.attribute), derive::tags::DD_TAG.keywords());
    assert_eq!(options("derive_dd_tags", derive::DD_TAGS.attribute), derive::DD_TAGS.keywords());
    assert_eq!(options("derive_dd_error", derive::DD_ERROR.attribute), derive::DD_ERROR.keywords());
}
