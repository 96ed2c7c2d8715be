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
use defaults::drop_bad_defaults;
use enums::dedupe_enums;
pub(crate) use names::{RENAMED_SCHEMAS, rename_duplicate_types};
use names::{distinct_operation_names, distinct_property_names, distinct_schema_names};
pub use operations::remove_operation;
use operations::{json_renamed, path_parameters_into_operations, reshape_operation};

/// Reshapes `doc` in place; returns what it changed, including the operations it left out.
pub fn reshape(doc: &mut Value) -> Vec<Problem> {
    let mut notes = Vec::new();
    let mut left_out = Vec::new();
    distinct_schema_names(doc, &mut notes);
    distinct_operation_names(doc, &mut notes);
    path_parameters_into_operations(doc);
    let renamed = json_renamed(doc);
    let components = doc.get("components").cloned().unwrap_or(Value::Null);
    accord_spec::json_operations_mut(doc.get_mut("paths"), |path, method, op| {
        let pointer = join(&join("/paths", path), method);
        let label = format!("{} {path}", method.to_uppercase());
        let reshaped = if matches!(method, "options" | "trace") {
            // progenitor calls `reqwest::Client::{method}`, which these two lack.
            Err(format!(
                "the Rust client cannot send {} requests",
                method.to_uppercase()
            ))
        } else {
            reshape_operation(op, &components, &pointer, &label, &mut notes)
        };
        if let Err(reason) = reshaped {
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            left_out.push((id, format!("{label}: {reason}")));
        }
    });
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
    notes
}
