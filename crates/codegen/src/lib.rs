//! Turns the spec model into text, one module per target.
//!
//! Every target is a pure function from a loaded [`Spec`] to an [`Output`]: the file's text
//! (already headed with the command that regenerates it) and the notes of what the target
//! had to change or leave out. No target reads files or re-resolves references.

mod header;
mod hoist;
mod progenitor_compat;
pub mod rust_client;
pub mod rust_server;
pub mod rust_types;
pub mod typescript;

pub use accord_spec::{Problem as Note, Spec};
pub use header::Origin;

/// The text of one generated file and what the generator changed to produce it.
#[derive(Debug, Clone)]
pub struct Output {
    pub text: String,
    pub notes: Vec<Note>,
}

/// Why a target could not produce its output.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    #[error("{target}: {message}")]
    Failed {
        target: &'static str,
        message: String,
    },
}
