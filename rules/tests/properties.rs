//! Properties of Datadog's rules that the macros and the runtime rely on: what the macros accept
//! as a literal is exactly what the runtime leaves unchanged, and every normalized output is
//! valid and stable.
//!
//! The macros accept a literal when the rule's normalization leaves it unchanged, and the
//! runtime normalizes values computed at run time with the same functions; these properties are
//! what makes a literal and the same text computed at run time end up as the same tag.

use dd_instrument_rules::*;
use proptest::prelude::*;

/// Text biased towards the characters the rules care about: separators, case, digits, unicode.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_:./ -]{0,40}",
        "[a-z][a-z0-9_.:/-]{0,30}",
        ".{0,30}",
        "[a-z:_]{190,220}",
        "(::|[A-Za-z_éü ]){0,60}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn normalized_tags_are_valid_and_stable(input in text()) {
        if let Some(tag) = normalize_tag(&input) {
            prop_assert!(!tag.is_empty() && tag.len() <= MAX_TAG_LEN);
            prop_assert!(tag.starts_with(|c: char| c.is_ascii_lowercase()));
            prop_assert!(tag.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-:./".contains(c)));
            prop_assert!(!tag.ends_with(['_', ':']));
            prop_assert_eq!(normalize_tag(&tag), Some(tag.clone()), "idempotent");
        }
    }

    #[test]
    fn a_tag_key_the_macros_accept_normalizes_to_itself(key in text()) {
        // `is_valid_tag_key` is the macros' check on a declared key; the runtime keeps declared
        // keys as they are, and normalizes keys of `DD_TAGS` and of hand-written `DdTags`.
        if is_valid_tag_key(&key) && !key.ends_with('_') {
            prop_assert_eq!(normalize_tag(&key), Some(key.clone()));
        }
    }

    #[test]
    fn key_value_tags_match_normalizing_the_whole_tag(key in "[a-z][a-z0-9_.-]{0,20}[a-z0-9]", value in text()) {
        // A literal tag value is normalized by the macros with `tag`, a run-time value by the
        // runtime with `push_tag`: both must give the same text, and one the Agent keeps as is.
        let mut pushed = String::from("x,");
        prop_assert!(push_tag(&mut pushed, &key, &value));
        let whole = tag(&key, &value).unwrap();
        prop_assert_eq!(&pushed[2..], whole.as_str());
        prop_assert!(whole.len() <= MAX_TAG_LEN);
        prop_assert!(whole.starts_with(key.as_str()));
        prop_assert_eq!(normalize_tag(&whole), Some(whole.clone()), "the Agent would keep it");
    }

    #[test]
    fn const_and_string_operation_names_agree(input in text()) {
        // The expansions compute default names with the `const fn` into a buffer as long as the
        // input; the macros check `name = ".."` literals with the `String` form.
        let (buf, len) = normalize_operation::<256>(&input);
        let from_const = std::str::from_utf8(&buf[..len]).unwrap();
        let name = operation_name(&input);
        prop_assert_eq!(from_const, name.as_str());
        prop_assert!(name.len() <= MAX_OPERATION_NAME);
        prop_assert!(name.is_empty() || is_valid_operation_name(&name));
        prop_assert_eq!(operation_name(&name), name.clone(), "idempotent");
    }

    #[test]
    fn metric_names_normalize_to_valid_names(input in text()) {
        let name = normalize_metric_name(&input);
        prop_assert!(name.is_empty() || is_valid_metric_name(&name));
        if is_valid_metric_name(&input) && !input.ends_with(['_', '.']) {
            prop_assert_eq!(name, input);
        }
    }
}
