//! Rewrites a document into the subset progenitor handles without panicking.
//!
//! progenitor accepts one media type per body, only `application/json` as typed JSON, one
//! success type and one error type per operation, and enums whose variant names stay
//! unique. Real documents break each of these; this module reshapes a copy of the
//! document so they hold, and records every change as a note.

use accord_spec::{Problem, join};
use serde_json::Value;

mod cycles;
mod defaults;
mod enums;
mod names;
mod operations;

use cycles::break_all_of_cycles;
pub(crate) use cycles::leads_to;
use defaults::{drop_bad_defaults, drop_structured_formats};
use enums::dedupe_enums;
pub(crate) use names::{RENAMED_SCHEMAS, rename_duplicate_types};
use names::{distinct_operation_names, distinct_property_names, distinct_schema_names};
pub use operations::{CLIENT_EXTENSION, remove_operation};
use operations::{json_renamed, path_parameters_into_operations, reshape_operation};

/// The text after a path that an OPTIONS or TRACE operation is moved under, as a GET
/// progenitor can generate; `rust_client` gives the method back its own verb and path.
pub const MOVED_METHOD: &str = "/__accord_method_";

/// progenitor calls `reqwest::Client::{method}`, which OPTIONS and TRACE lack: each such
/// operation moves to a path of its own (`{path}/__accord_method_options`) as a GET, marked
/// with its real method and path for the client generator to give back.
fn move_methods_without_helper(doc: &mut Value) {
    let Some(paths) = doc
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    let mut moved = Vec::new();
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in ["options", "trace"] {
            if let Some(Value::Object(mut op)) = item.remove(method) {
                operations::mark(&mut op, "method", Value::String(method.to_uppercase()));
                operations::mark(&mut op, "path", Value::String(path.clone()));
                let mut new_item = serde_json::Map::new();
                // The path item's own parameters were moved into its operations already.
                new_item.insert("get".into(), Value::Object(op));
                moved.push((format!("{path}{MOVED_METHOD}{method}"), new_item));
            }
        }
    }
    for (path, item) in moved {
        paths.insert(path, Value::Object(item));
    }
    paths.retain(|_, item| {
        item.as_object()
            .is_none_or(|m| m.keys().any(|k| accord_spec::METHODS.contains(&k.as_str())))
    });
}

/// An operation whose path parameters were renamed (`operations::reshape_operation`) moves to
/// the template with the new names, marked with its own path for the client generator.
fn move_renamed_path_params(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut moved = Vec::new();
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let methods: Vec<String> = item
            .iter()
            .filter(|(_, op)| {
                op.pointer(&format!("/{CLIENT_EXTENSION}/renamed_path_params"))
                    .is_some()
            })
            .map(|(m, _)| m.clone())
            .collect();
        for method in methods {
            let Some(Value::Object(mut op)) = item.remove(&method) else {
                continue;
            };
            let mut template = path.clone();
            for pair in op
                .get(CLIENT_EXTENSION)
                .and_then(|m| m.get("renamed_path_params"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                if let (Some(old), Some(new)) = (pair[0].as_str(), pair[1].as_str()) {
                    template = template.replace(&format!("{{{old}}}"), &format!("{{{new}}}"));
                }
            }
            if op
                .get(CLIENT_EXTENSION)
                .and_then(|m| m.get("path"))
                .is_none()
            {
                operations::mark(&mut op, "path", Value::String(path.clone()));
            }
            moved.push((template, method, op));
        }
    }
    for (template, method, op) in moved {
        let item = paths
            .entry(template)
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Some(item) = item.as_object_mut() {
            item.insert(method, Value::Object(op));
        }
    }
    paths.retain(|_, item| {
        item.as_object()
            .is_none_or(|m| m.keys().any(|k| accord_spec::METHODS.contains(&k.as_str())))
    });
}

/// Reshapes `doc` in place; returns what it changed, including the operations it left out.
pub fn reshape(doc: &mut Value) -> Vec<Problem> {
    let mut notes = Vec::new();
    let mut left_out = Vec::new();
    distinct_schema_names(doc, &mut notes);
    distinct_operation_names(doc, &mut notes);
    path_parameters_into_operations(doc);
    move_methods_without_helper(doc);
    let renamed = json_renamed(doc);
    let components = doc.get("components").cloned().unwrap_or(Value::Null);
    accord_spec::json_operations_mut(doc.get_mut("paths"), |path, method, op| {
        let pointer = join(&join("/paths", path), method);
        let label = format!("{} {path}", method.to_uppercase());
        let reshaped = reshape_operation(op, &components, &pointer, &label, &mut notes);
        if let Err(reason) = reshaped {
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            left_out.push((id, format!("{label}: {reason}")));
        }
    });
    move_renamed_path_params(doc);
    for (id, reason) in &left_out {
        remove_operation(doc, id);
        notes.push(Problem::new(
            "",
            format!("{}{id}` ({reason})", crate::LEFT_OUT_OF_CLIENT),
        ));
    }
    if !renamed.is_empty() {
        notes.push(Problem::new(
            "",
            format!(
                "the client reads {} as `application/json`",
                renamed.join(", ")
            ),
        ));
    }
    dedupe_enums(doc, "", &mut notes);
    distinct_property_names(doc, "", &mut notes);
    break_all_of_cycles(doc, &mut notes);
    drop_bad_defaults(doc, "", &mut notes);
    drop_structured_formats(doc, "", &mut notes);
    notes
}
