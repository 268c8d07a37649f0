//! JSON text with a canonical layout: keys sorted at every level, two-space indentation, one
//! trailing newline. The text depends only on the value, never on `serde_json`'s map features
//! (`preserve_order` may be enabled by another crate of the build), so generated files are
//! byte-identical across builds and their diffs show only real changes.

use serde_json::Value;

/// `value` as indented, key-sorted JSON, ending with a newline.
pub(crate) fn pretty(value: &Value) -> String {
    let mut out = String::new();
    write(&mut out, value, 0, true);
    out.push('\n');
    out
}

/// `value` as key-sorted JSON on one line.
pub(crate) fn compact(value: &Value) -> String {
    let mut out = String::new();
    write(&mut out, value, 0, false);
    out
}

fn write(out: &mut String, value: &Value, depth: usize, indent: bool) {
    let newline = |out: &mut String, depth: usize| {
        if indent {
            out.push('\n');
            out.extend(std::iter::repeat_n("  ", depth));
        }
    };
    let colon = if indent { ": " } else { ":" };
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write(out, item, depth + 1, indent);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(colon);
                write(out, item, depth + 1, indent);
            }
            newline(out, depth);
            out.push('}');
        }
        // Scalars, `[]` and `{}`: serde_json's own text (numbers in their shortest form).
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_are_sorted_at_every_level() {
        let value = json!({"b": 1, "a": {"d": [true, null], "c": "x\"y"}, "e": [], "f": {}});
        assert_eq!(compact(&value), r#"{"a":{"c":"x\"y","d":[true,null]},"b":1,"e":[],"f":{}}"#);
        assert_eq!(pretty(&json!({"b": [1.5], "a": 2})), "{\n  \"a\": 2,\n  \"b\": [\n    1.5\n  ]\n}\n");
    }
}
