//! The `default`s typify refuses the whole document over, and the `format` of an object, an
//! array or a boolean it panics over: dropped, noted.

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

/// typify panics over a `format` on an object, an array or a boolean (AppCenter's
/// `{type: object, format: file}`, a Swagger 2 file answer converted; quotes.rest's
/// `{type: boolean, format: boolean}`): such a format, which names no format of those types,
/// is dropped.
pub(super) fn drop_structured_formats(value: &mut Value, pointer: &str, notes: &mut Vec<Problem>) {
    accord_spec::walk_model_mut(value, pointer, &mut |map, pointer, names| {
        if names
            || !matches!(
                map.get("type").and_then(Value::as_str),
                Some("object" | "array" | "boolean")
            )
        {
            return;
        }
        if let Some(format) = map.remove("format") {
            notes.push(Problem::new(
                join(pointer, "format"),
                format!(
                    "the format {format} of an object, array or boolean names nothing; left out"
                ),
            ));
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_format_on_an_object_or_array_is_dropped_and_noted() {
        let mut doc = json!({
            "a": {"type": "object", "format": "file"},
            "b": {"type": "string", "format": "binary"},
            "c": {"type": "boolean", "format": "boolean"},
        });
        let mut notes = Vec::new();
        super::drop_structured_formats(&mut doc, "", &mut notes);
        assert_eq!(doc["a"], json!({"type": "object"}));
        assert_eq!(doc["b"]["format"], "binary");
        assert_eq!(doc["c"], json!({"type": "boolean"}));
        assert_eq!(notes.len(), 2);
    }
}
