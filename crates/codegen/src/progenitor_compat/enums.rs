//! Enums whose values make the same Rust variant name: deduplicated, noted.

use std::collections::BTreeMap;

use accord_spec::{Problem, join};
use serde_json::Value;

/// Drops string enums whose values typify would turn into the same Rust variant name.
pub(super) fn dedupe_enums(value: &mut Value, pointer: &str, notes: &mut Vec<Problem>) {
    dedupe_enums_under(value, "", pointer, notes);
}

/// The walk over the model (`accord_spec::enters`), `value` found under the key `parent`.
fn dedupe_enums_under(value: &mut Value, parent: &str, pointer: &str, notes: &mut Vec<Problem>) {
    match value {
        Value::Object(map) => {
            let names = accord_spec::is_name_map(parent);
            if !names && let Some(Value::Array(values)) = map.get("enum") {
                let mut seen: BTreeMap<String, usize> = BTreeMap::new();
                let collides = values.iter().filter_map(Value::as_str).any(|v| {
                    let key: String = v
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .collect::<String>()
                        .to_ascii_lowercase();
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
            }
            for (key, child) in map.iter_mut() {
                if accord_spec::enters(key, child, names) {
                    dedupe_enums_under(child, key, &join(pointer, key), notes);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                dedupe_enums_under(child, "", &join(pointer, &i.to_string()), notes);
            }
        }
        _ => {}
    }
}
