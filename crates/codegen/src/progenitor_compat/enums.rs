//! Enums whose values make the same Rust variant name: deduplicated, noted.

use std::collections::BTreeMap;

use accord_spec::{Problem, join};
use serde_json::Value;

/// Drops string enums whose values typify would turn into the same Rust variant name.
pub(super) fn dedupe_enums(value: &mut Value, pointer: &str, notes: &mut Vec<Problem>) {
    accord_spec::walk_model_mut(value, pointer, &mut |map, pointer, names| {
        let Some(Value::Array(values)) = map.get("enum").filter(|_| !names) else {
            return;
        };
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
    });
}
