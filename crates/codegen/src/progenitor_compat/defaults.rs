//! The `default`s typify refuses the whole document over: dropped, noted.

use accord_spec::{Problem, join};
use serde_json::{Value, json};

/// typify refuses the whole document over one `default` its schema does not admit
/// (OpenAI's `max_tokens: {type: integer, default: "inf"}`): such a default is dropped.
pub(super) fn drop_bad_defaults(value: &mut Value, pointer: &str, notes: &mut Vec<Problem>) {
    drop_bad_defaults_under(value, "", pointer, notes);
}

/// The walk over the model (`accord_spec::enters`: data and extensions left alone, maps of
/// names entered as names), `value` found under the key `parent`.
fn drop_bad_defaults_under(
    value: &mut Value,
    parent: &str,
    pointer: &str,
    notes: &mut Vec<Problem>,
) {
    match value {
        Value::Object(map) => {
            let names = accord_spec::is_name_map(parent);
            if !names && let Some(default) = map.get("default") {
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
                        format!(
                            "default {default} does not fit its schema; left out of the Rust types"
                        ),
                    ));
                    map.remove("default");
                }
            }
            for (key, child) in map.iter_mut() {
                // Server variables are no schemas: their `default` is required, whatever their
                // `enum` says.
                if (key == "servers" && !names) || !accord_spec::enters(key, child, names) {
                    continue;
                }
                drop_bad_defaults_under(child, key, &join(pointer, key), notes);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                drop_bad_defaults_under(child, "", &join(pointer, &i.to_string()), notes);
            }
        }
        _ => {}
    }
}
