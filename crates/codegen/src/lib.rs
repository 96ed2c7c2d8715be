//! Turns the spec model into text, one module per target.
//!
//! Every target is a pure function to an [`Output`]: the file's text (already headed with the
//! command that regenerates it) and the notes of what the target had to change or leave out.
//! The TypeScript target reads the loaded [`Spec`] as it is; the Rust targets (model types,
//! client, server) read one [`Prepared`] model, built once per run. No target reads files.

mod client_finish;
mod header;
mod hoist;
pub mod names;
mod prepare;
mod progenitor_compat;
mod progenitor_run;
pub mod rust_client;
pub mod rust_server;
pub mod rust_types;
pub mod typescript;

pub use accord_spec::{Problem as Note, Spec};
pub use header::Origin;
pub use prepare::Prepared;

/// How a note that leaves a whole operation out of a Rust target begins (client) or ends
/// (server): the summary of a run counts them.
pub const LEFT_OUT_OF_CLIENT: &str = "left out operation `";
pub const LEFT_OUT_OF_SERVER: &str = "; left out of the server";

/// Whether `note` leaves a whole operation out of its target.
pub fn leaves_operation_out(note: &Note) -> bool {
    note.message.starts_with(LEFT_OUT_OF_CLIENT) || note.message.ends_with(LEFT_OUT_OF_SERVER)
}

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
