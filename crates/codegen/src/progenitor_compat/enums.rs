//! Enums whose values make the same Rust variant name: deduplicated, noted.

use std::collections::BTreeMap;

use accord_spec::{Problem, join};
use serde_json::Value;

/// Drops string enums whose values typify would turn into the same Rust variant name.
pub(super) fn dedupe_enums(value: &mut Value, pointer: &str, notes: &mut Vec<Problem>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(values)) = map.get("enum") {
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
                if key == "example" || key == "examples" || key == "default" {
                    continue;
                }
                dedupe_enums(child, &join(pointer, key), notes);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                dedupe_enums(child, &join(pointer, &i.to_string()), notes);
            }
        }
        _ => {}
    }
}
