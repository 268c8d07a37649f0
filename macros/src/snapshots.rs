//! Snapshot tests of expansions.
//!
//! Each `snapshots/<case>.rs` is expanded as rustc would expand this crate's macros in it (the
//! outermost `dd_*` attribute of each function, in free functions, `impl` blocks and inline
//! modules; `#[derive(DdTags)]` and `#[derive(DdError)]` after their item), pretty-printed, and
//! compared with `snapshots/<case>.expanded.rs`. Stacked attributes show as the
//! `#[dd_*(__dd_stacked)]` markers the expansion leaves, which rustc then expands to nothing.
//!
//! After a change that is meant to change the generated code, regenerate the snapshots with
//!
//! ```text
//! DD_SNAPSHOTS=overwrite cargo test -p dd-instrument-macros snapshots
//! ```
//!
//! and review `git diff macros/snapshots` as the code users' functions will run.
//!
//! `DD_EXPAND='#[dd_span] fn f() {}' cargo test -p dd-instrument-macros print_expansion --
//! --ignored --nocapture` prints the expansion of any source the same way.

use std::path::{Path, PathBuf};
use std::{env, fs};

use proc_macro2::TokenStream;
use quote::{ToTokens as _, quote};
use syn::punctuated::Punctuated;
use syn::{AttrStyle, Attribute, ImplItem, Item, Meta, Token};

use crate::attr::Macro;
use crate::{derive, expand};

/// The variable that regenerates the snapshots when set to `overwrite`.
const SWITCH: &str = "DD_SNAPSHOTS";

#[test]
fn expansions_match_their_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let overwrite = env::var(SWITCH).is_ok_and(|value| value == "overwrite");
    let mut inputs = Vec::new();
    let mut snapshots = Vec::new();
    for entry in fs::read_dir(&dir).expect("macros/snapshots exists") {
        let path = entry.expect("readable directory").path();
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default().to_owned();
        if name.ends_with(".expanded.rs") {
            snapshots.push(path);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            inputs.push(path);
        }
    }
    inputs.sort();
    assert!(!inputs.is_empty(), "no cases in {}", dir.display());
    let mut failures = Vec::new();
    for input in &inputs {
        let source = fs::read_to_string(input).expect("readable case");
        let expanded = expand_source(&source);
        let snapshot = snapshot_path(input);
        match fs::read_to_string(&snapshot) {
            Ok(expected) if expected == expanded => {}
            _ if overwrite => fs::write(&snapshot, expanded).expect("writable snapshot"),
            Ok(expected) => failures.push(first_difference(&snapshot, &expected, &expanded)),
            Err(_) => failures.push(format!("{}: no snapshot yet", snapshot.display())),
        }
    }
    for snapshot in snapshots {
        if !inputs.iter().any(|input| snapshot_path(input) == snapshot) {
            if overwrite {
                fs::remove_file(&snapshot).expect("removable snapshot");
            } else {
                failures.push(format!("{}: its case is gone", snapshot.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the generated code is meant to change: {SWITCH}=overwrite cargo test -p dd-instrument-macros \
         snapshots, then review `git diff macros/snapshots`",
        failures.join("\n\n")
    );
}

/// Prints the expansion of `$DD_EXPAND`, a function or a type with its attributes.
#[test]
#[ignore = "prints the expansion of $DD_EXPAND"]
fn print_expansion() {
    let source = env::var("DD_EXPAND").expect("DD_EXPAND holds Rust items, like `#[dd_span] fn f() {}`");
    println!("{}", expand_source(&source));
}

fn snapshot_path(input: &Path) -> PathBuf {
    input.with_extension("expanded.rs")
}

/// Where `actual` first differs from the snapshot, with a few lines around it.
fn first_difference(snapshot: &Path, expected: &str, actual: &str) -> String {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    let line = expected.iter().zip(&actual).take_while(|(a, b)| a == b).count();
    let around = |lines: &[&str]| {
        let from = line.saturating_sub(3);
        let to = (line + 4).min(lines.len());
        lines[from..to].iter().map(|line| format!("    {line}")).collect::<Vec<_>>().join("\n")
    };
    format!(
        "{}: differs from line {}\n  snapshot:\n{}\n  expansion:\n{}",
        snapshot.display(),
        line + 1,
        around(&expected),
        around(&actual)
    )
}

/// `source` with this crate's macros expanded, pretty-printed.
fn expand_source(source: &str) -> String {
    let file: syn::File = syn::parse_str(source).expect("the case is Rust source");
    let items = file.items.into_iter().flat_map(expand_item).collect();
    prettyplease::unparse(&syn::File { shebang: None, attrs: file.attrs, items })
}

fn expand_item(mut item: Item) -> Vec<Item> {
    // Any item may carry the attribute; all but functions get an error.
    if let Some((kind, args)) = attrs_mut(&mut item).and_then(take_attribute) {
        return parse_items(expand_attribute(kind, args, item.into_token_stream()));
    }
    match item {
        Item::Impl(mut block) => {
            block.items = block.items.into_iter().flat_map(expand_impl_item).collect();
            vec![Item::Impl(block)]
        }
        Item::Mod(mut module) => {
            if let Some((_, items)) = &mut module.content {
                *items = std::mem::take(items).into_iter().flat_map(expand_item).collect();
            }
            vec![Item::Mod(module)]
        }
        mut item @ (Item::Struct(_) | Item::Enum(_) | Item::Union(_)) => {
            let derives = attrs_mut(&mut item).map(take_derives).unwrap_or_default();
            with_derives(item, &derives)
        }
        other => vec![other],
    }
}

/// The attributes of the items the cases use.
fn attrs_mut(item: &mut Item) -> Option<&mut Vec<Attribute>> {
    match item {
        Item::Fn(item) => Some(&mut item.attrs),
        Item::Impl(item) => Some(&mut item.attrs),
        Item::Mod(item) => Some(&mut item.attrs),
        Item::Struct(item) => Some(&mut item.attrs),
        Item::Enum(item) => Some(&mut item.attrs),
        Item::Union(item) => Some(&mut item.attrs),
        Item::Trait(item) => Some(&mut item.attrs),
        Item::Const(item) => Some(&mut item.attrs),
        Item::Static(item) => Some(&mut item.attrs),
        _ => None,
    }
}

fn expand_impl_item(item: ImplItem) -> Vec<ImplItem> {
    let ImplItem::Fn(mut func) = item else {
        return vec![item];
    };
    let Some((kind, args)) = take_attribute(&mut func.attrs) else {
        return vec![ImplItem::Fn(func)];
    };
    let tokens = expand_attribute(kind, args, func.into_token_stream());
    let block: syn::ItemImpl = syn::parse2(quote!(impl Type { #tokens })).expect("the expansion is impl items");
    block.items
}

fn parse_items(tokens: TokenStream) -> Vec<Item> {
    syn::parse2::<syn::File>(tokens).expect("the expansion is items").items
}

/// Removes the outermost `dd_*` attribute from `attrs`: the one rustc expands first.
fn take_attribute(attrs: &mut Vec<Attribute>) -> Option<(Macro, TokenStream)> {
    let index = attrs.iter().position(|attr| {
        attr.style == AttrStyle::Outer
            && attr.path().segments.last().is_some_and(|last| Macro::from_name(&last.ident.to_string()).is_some())
    })?;
    let attr = attrs.remove(index);
    let kind = Macro::from_name(&attr.path().segments.last()?.ident.to_string())?;
    let args = match attr.meta {
        Meta::List(list) => list.tokens,
        Meta::Path(_) | Meta::NameValue(_) => TokenStream::new(),
    };
    Some((kind, args))
}

fn expand_attribute(kind: Macro, args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(kind, args, item)
}

/// Takes `DdTags` and `DdError` out of the `#[derive(..)]` lists of `attrs`, and returns them:
/// rustc gives a derive the item without the `#[derive]` that names it.
fn take_derives(attrs: &mut Vec<Attribute>) -> Vec<String> {
    let mut derives = Vec::new();
    let mut kept = Vec::new();
    for mut attr in std::mem::take(attrs) {
        if !attr.path().is_ident("derive") {
            kept.push(attr);
            continue;
        }
        let paths =
            attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated).expect("a derive lists paths");
        let (ours, others): (Vec<syn::Path>, Vec<syn::Path>) = paths.into_iter().partition(|path| {
            path.segments.last().is_some_and(|last| last.ident == "DdTags" || last.ident == "DdError")
        });
        derives.extend(ours.iter().filter_map(|path| Some(path.segments.last()?.ident.to_string())));
        if !others.is_empty() {
            attr.meta = syn::parse_quote!(derive(#(#others),*));
            kept.push(attr);
        }
    }
    *attrs = kept;
    derives
}

/// The item, then the expansions of `derives` on it.
fn with_derives(item: Item, derives: &[String]) -> Vec<Item> {
    let tokens = item.to_token_stream();
    let mut items = vec![item];
    for name in derives {
        let expansion =
            if name == "DdTags" { derive::tags::derive(tokens.clone()) } else { derive::error::derive(tokens.clone()) };
        items.extend(parse_items(expansion));
    }
    items
}
