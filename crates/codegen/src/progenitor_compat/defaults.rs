//! The `default`s typify refuses the whole document over: dropped, noted.

use accord_spec::{Problem, join};
use serde_json::{Value, json};

/// typify refuses the whole document over one `default` its schema does not admit
/// (OpenAI's `max_tokens: {type: integer, default: "inf"}`): such a default is dropped.
pub(super) fn drop_bad_defaults(value: &mut Value, pointer: &str, notes: &mut Vec<Problem>) {
    accord_spec::walk_model_mut(value, pointer, &mut |map, pointer, names| {
        let Some(default) = map.get("default").filter(|_| !names) else {
            return;
        };
        let nullable = map.get("nullable") == Some(&json!(true));
        let fits_type = match (map.get("type").and_then(Value::as_str), default) {
            (_, Value::Null) => nullable || !map.contains_key("type"),
            (Some("integer"), d) => d.is_i64() || d.is_u64(),
            (Some("number"), d) => d.is_number(),
            (Some("string"), d) => d.is_string(),
            (Some("boolean"), d) => d.is_boolean(),
            (Some("array"), d) => d.is_array(),
            (Some("object"), d) => d.is_object(),
            _ => true,
        };
        let fits_enum = map
            .get("enum")
            .and_then(Value::as_array)
            .is_none_or(|e| e.contains(default) || (default.is_null() && nullable));
        if !(fits_type && fits_enum) {
            notes.push(Problem::new(
                join(pointer, "default"),
                format!("default {default} does not fit its schema; left out of the Rust types"),
            ));
            map.remove("default");
        }
    });
}
