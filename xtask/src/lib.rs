//! The project's tasks, run as `cargo xtask <task>`; one module per task.
//!
//! The binary (`main.rs`) only parses flags and maps errors to exit codes; everything
//! else lives here so that integration tests can drive the same code.

pub mod artifacts;
pub mod backend;
pub mod backends;
pub mod conformance;
pub mod diff;
pub mod example;
pub mod flags;
pub mod generate;
pub mod node;
pub mod oasdiff;
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

/// A progress bar of `len` steps (a spinner when `len` is 0) on a terminal; hidden when the
/// output is a file or a pipe (CI logs), where each finished step prints its own line.
pub fn progress(len: u64, message: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = if len == 0 {
        indicatif::ProgressBar::new_spinner()
    } else {
        indicatif::ProgressBar::new(len)
    };
    let template = if len == 0 {
        "{spinner} {msg} ({elapsed})"
    } else {
        "[{bar:30}] {pos}/{len} {msg} ({elapsed}, {eta} left)"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
