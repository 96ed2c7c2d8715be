//! The spec made ready for the Rust targets, once per run.
//!
//! [`Prepared::new`] does what every Rust target used to repeat on its own copy of the
//! document: name every inline body schema (so the shared model types cover it), type the
//! result, and reshape a copy for progenitor and typify (what they cannot express decided up
//! front, schemas typify cannot convert found and set aside). The model types, the client and
//! the server then read the same prepared model; the notes of preparing are reported once.

use accord_spec::{Document, Spec};
use serde_json::Value;

use crate::progenitor_compat::reshape;
use crate::{CodegenError, Note};

/// A spec prepared for the Rust targets.
pub struct Prepared {
    /// The spec with every inline body schema named in `components.schemas`, typed: the
    /// model the server reads its operations from.
    pub named: Spec,
    /// The named document reshaped for progenitor and typify: the input of the model types
    /// and the client.
    pub(crate) progenitor: Value,
    /// What preparing changed or left out for progenitor and typify, each located: notes of
    /// the client (and of the model types it shares); the server reads `named`.
    pub notes: Vec<Note>,
}

impl Prepared {
    /// Prepares `spec`. Fails only when the document with its inline schemas named no longer
    /// types, which would be a fault of accord's naming; it is reported, never a panic.
    pub fn new(spec: &Spec) -> Result<Prepared, CodegenError> {
        let mut document = spec.document.clone();
        crate::hoist::inline_body_schemas(&mut document);
        let mut progenitor = document.clone();
        let named = Document {
            path: spec.path.clone(),
            source_version: spec.source_version.clone(),
            document,
            notes: spec.notes.clone(),
            named: spec.named.clone(),
            repaired: spec.repaired.clone(),
        }
        .typed()
        .map_err(|e| CodegenError::Failed {
            target: "prepare",
            message: format!("the document with its inline schemas named is invalid: {e}"),
        })?;
        let mut notes = reshape(&mut progenitor);
        crate::rust_client::settle_schemas(&mut progenitor, &mut notes);
        Ok(Prepared {
            named,
            progenitor,
            notes,
        })
    }
}
