//! Enums whose values make the same Rust variant name: deduplicated, noted; enum values of
//! another JSON type than the schema declares (`8` among strings): written in its type, noted.

use std::collections::BTreeMap;

use accord_spec::{Problem, join};
use serde_json::Value;

/// Drops string enums whose values typify would turn into the same Rust variant name; writes
/// a value of another JSON type than a string or numeric schema's (FireBrowse's `8` among
/// `"01"`..., OBS's `1` for a string) in the schema's type, which typify refuses otherwise.
pub(super) fn dedupe_enums(value: &mut Value, pointer: &str, notes: &mut Vec<Problem>) {
    accord_spec::walk_model_mut(value, pointer, &mut |map, pointer, names| {
        if !names {
            fit_enum_values(map, pointer, notes);
        }
        let Some(Value::Array(values)) = map.get("enum").filter(|_| !names) else {
            return;
        };
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let collides = values.iter().filter_map(Value::as_str).any(|v| {
            let mut key: String = v
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            // typify puts an `X` before a name that would start with a digit (`8` is `X8`).
            if key.starts_with(|c: char| c.is_ascii_digit()) {
                key.insert(0, 'x');
            }
            let count = seen.entry(key).or_default();
            *count += 1;
            *count > 1
        });
        if collides {
            map.remove("enum");
            notes.push(Problem::new(
                join(pointer, "enum"),
                "enum values collide once turned into Rust names; the client types it as a plain string",
            ));
        }
    });
}

/// The enum values of a `string`, `integer` or `number` schema written in that type (`8` as
/// `"8"`, `"2"` as `2`); one that cannot be (`"x"` for an integer) leaves the enum out.
fn fit_enum_values(
    map: &mut serde_json::Map<String, Value>,
    pointer: &str,
    notes: &mut Vec<Problem>,
) {
    let Some(kind) = map.get("type").and_then(Value::as_str).map(str::to_string) else {
        return;
    };
    let Some(Value::Array(values)) = map.get_mut("enum") else {
        return;
    };
    let fits = |v: &Value| match kind.as_str() {
        "string" => v.is_string() || v.is_null(),
        "integer" => v.is_i64() || v.is_u64() || v.is_null(),
        "number" => v.is_number() || v.is_null(),
        _ => true,
    };
    if values.iter().all(fits) {
        return;
    }
    let fitted: Option<Vec<Value>> = values
        .iter()
        .map(|v| match (kind.as_str(), v) {
            _ if fits(v) => Some(v.clone()),
            ("string", Value::Number(_) | Value::Bool(_)) => Some(Value::String(v.to_string())),
            ("integer", Value::String(t)) => t.parse::<i64>().ok().map(Value::from),
            ("number", Value::String(t)) => t
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            _ => None,
        })
        .collect();
    match fitted {
        Some(fitted) => {
            *values = fitted;
            notes.push(Problem::new(
                join(pointer, "enum"),
                format!("enum values of another type than `{kind}` are written as `{kind}`s"),
            ));
        }
        None => {
            map.remove("enum");
            notes.push(Problem::new(
                join(pointer, "enum"),
                format!(
                    "enum values that are not `{kind}`s; the client types it as a plain `{kind}`"
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn enum_values_of_another_type_are_written_in_the_schemas() {
        let mut doc = json!({
            "a": {"type": "string", "enum": ["01", 8, true]},
            "b": {"type": "integer", "enum": [1, "2"]},
            "c": {"type": "integer", "enum": [1, "x"]},
            "d": {"type": "string", "enum": ["x", null]},
            "e": {"type": "string", "enum": ["8", "X8"]},
        });
        let mut notes = Vec::new();
        super::dedupe_enums(&mut doc, "", &mut notes);
        assert_eq!(doc["a"]["enum"], json!(["01", "8", "true"]));
        assert_eq!(doc["b"]["enum"], json!([1, 2]));
        assert!(doc["c"].get("enum").is_none());
        assert_eq!(doc["d"]["enum"], json!(["x", null]));
        // `8` and `X8` would both be the variant `X8`.
        assert!(doc["e"].get("enum").is_none());
        assert_eq!(notes.len(), 4, "{notes:?}");
    }
}
