//! `cargo xtask conformance`: the conformance suite (`accord-conformance`) with the same flags.
//! Without `--base-url`, the embedded reference backend is started on free ports and the
//! suite runs against it with `fixtures/profiles/reference.toml`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;

use crate::ChecksFailed;

/// The profile of the embedded reference backend.
pub const REFERENCE_PROFILE: &str = "fixtures/profiles/reference.toml";

#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub profile: Option<PathBuf>,
    pub base_url: Option<String>,
    pub tags: Option<String>,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub strict: bool,
}

/// Runs the suite; `Ok` when every scenario passed. Exit code 1 of the suite is a failed
/// check, 2 a usage, profile or spec error.
pub fn run(root: &Path, flags: &Flags) -> anyhow::Result<()> {
    let binary = crate::backend::build_binary(root, "accord-conformance", "accord-conformance")?;
    let mut backend = None;
    let base_url = match &flags.base_url {
        Some(url) => url.clone(),
        None => {
            let started = crate::backend::start(root, Stdio::null()).context("starting the reference backend")?;
            let url = started.api_url.clone();
            backend = Some(started);
            url
        }
    };
    let profile = flags.profile.clone().unwrap_or_else(|| root.join(REFERENCE_PROFILE));
    let mut command = Command::new(&binary);
    command.arg("--profile").arg(&profile).arg("--base-url").arg(&base_url);
    if let Some(tags) = &flags.tags {
        command.arg("--tags").arg(tags);
    }
    if let Some(junit) = &flags.junit {
        command.arg("--junit").arg(junit);
    }
    if let Some(json) = &flags.json {
        command.arg("--json").arg(json);
    }
    if flags.strict {
        command.arg("--strict");
    }
    let status = command.status().with_context(|| format!("cannot run {}", binary.display()))?;
    drop(backend);
    match status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(ChecksFailed("the conformance suite failed".into()).into()),
        Some(2) => anyhow::bail!("the conformance suite could not run (usage, profile or spec error)"),
        _ => Err(ChecksFailed(format!("the conformance suite stopped with {status}")).into()),
    }
}
