//! Running progenitor as a library: one run in a thread of its own with room for typify's
//! recursion, its panics caught (and kept off the terminal) and turned into errors with their
//! first line. Shared by the client and the model types.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use accord_spec::openapiv3::OpenAPI;
use progenitor_impl::{GenerationSettings, Generator, InterfaceStyle, TagStyle, TypeImpl};
use serde_json::Value;

use crate::CodegenError;

pub(crate) const TARGET: &str = "rust client";

/// Schema name to the Rust path progenitor uses for it instead of a type of its own.
pub(crate) type Replacements = BTreeMap<String, (String, Vec<TypeImpl>)>;

pub(crate) fn failure(message: String) -> CodegenError {
    CodegenError::Failed {
        target: TARGET,
        message,
    }
}

/// One run of progenitor in a thread of its own; returns its tokens as text, or why it failed.
pub(crate) fn attempt(doc: &Value, replacements: &Replacements) -> Result<String, String> {
    // typify recurses once per level of schema nesting; give it room beyond the 2 MiB of a
    // test thread or the 8 MiB of a main thread. Only the pages it touches are committed.
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("progenitor".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || {
                attempt_here(doc, replacements).map(|tokens| tokens.to_string())
            })
            .map_err(|e| format!("cannot start the generator thread: {e}"))?
            .join()
            .unwrap_or_else(|_| Err("progenitor panicked".into()))
    })
}

const STACK_SIZE: usize = 512 << 20;

/// One run of progenitor; a panic becomes an `Err` with its message.
fn attempt_here(
    doc: &Value,
    replacements: &Replacements,
) -> Result<proc_macro2::TokenStream, String> {
    let api: OpenAPI = serde_json::from_value(doc.clone())
        .map_err(|e| format!("the reshaped document is invalid: {e}"))?;
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged);
    for (schema, (path, impls)) in replacements {
        settings.with_replacement(schema, path, impls.iter().cloned());
    }
    quiet_panics(|| Generator::new(&settings).generate_tokens(&api))
        .and_then(|r| r.map_err(|e| first_line(&e.to_string())))
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into an `Err` without printing it.
pub(crate) fn quiet_panics<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into());
        format!("progenitor panicked: {}", first_line(&message))
    })
}

/// The first line of a message, cut to a readable length.
pub(crate) fn first_line(message: &str) -> String {
    let line = message
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches([' ', '{', '(']);
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        let result: Result<(), String> =
            quiet_panics(|| panic!("assertion failed: response_types.len() <= 1\nmore"));
        assert_eq!(
            result,
            Err("progenitor panicked: assertion failed: response_types.len() <= 1".into())
        );
        assert_eq!(quiet_panics(|| 7), Ok(7));
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "x".repeat(500);
        assert_eq!(first_line(&long).len(), 203);
    }
}
