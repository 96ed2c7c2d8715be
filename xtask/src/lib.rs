//! The project's tasks, run as `cargo xtask <task>`; one module per task.
//!
//! The binary (`main.rs`) only parses flags and maps errors to exit codes; everything
//! else lives here so that integration tests can drive the same code.

pub mod artifacts;
pub mod backend;
pub mod conformance;
pub mod flags;
pub mod generate;
pub mod node;
pub mod reach;
pub mod verify;

use std::path::{Path, PathBuf};

/// The checkout this xtask was built from.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A check that ran and failed: exit code 1. Any other error is a usage or input error: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ChecksFailed(pub String);

/// The exit code for an error that reached `main`.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    if error.downcast_ref::<ChecksFailed>().is_some() {
        1
    } else {
        2
    }
}
