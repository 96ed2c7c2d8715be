//! `cargo xtask example`: `accord verify` in `examples/fastapi-items`, the worked example of
//! accord in a team's own repository (a FastAPI backend whose spec is `app.openapi()`, the
//! frontend's generated types, `accord.toml`, a conformance profile). The backend's pinned
//! Python dependencies are installed from PyPI into `target/example-venv` on first use; the
//! accounts the conformance suite signs in with are registered by the run (the backend keeps
//! them in memory).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::ChecksFailed;

/// The example's folder, from the workspace root.
pub const FOLDER: &str = "examples/fastapi-items";

/// The accounts of the run: a throwaway in-memory backend's, not secrets.
const ACCOUNTS: &[(&str, &str)] = &[
    ("ACCORD_USER", "ann@example.com"),
    ("ACCORD_PASSWORD", "ann-password-1"),
    ("ACCORD_USER_2", "bob@example.com"),
    ("ACCORD_PASSWORD_2", "bob-password-2"),
];

/// The virtualenv with the example backend's dependencies, made when missing or stale; the
/// folder holding its `python`.
pub fn python_env(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = root.join("target/example-venv");
    let bin = venv.join("bin");
    let requirements = root.join(FOLDER).join("backend/requirements.txt");
    let stamp = venv.join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .with_context(|| format!("cannot read {}", requirements.display()))?;
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str())
        && bin.join("python").exists()
    {
        return Ok(bin);
    }
    eprintln!(
        "example: installing {} into {}",
        requirements.display(),
        venv.display()
    );
    let made = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .status()
        .context("cannot run python3 (the example backend needs Python 3)")?;
    if !made.success() {
        bail!("python3 -m venv {} failed", venv.display());
    }
    let installed = Command::new(bin.join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements)
        .status()
        .context("cannot run pip")?;
    if !installed.success() {
        bail!("pip install -r {} failed", requirements.display());
    }
    std::fs::write(&stamp, wanted)?;
    Ok(bin)
}

/// `command` with the virtualenv first on PATH and the run's accounts set.
pub fn in_env(command: &mut Command, bin: &Path) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    if let Ok(joined) = std::env::join_paths(paths) {
        command.env("PATH", joined);
    }
    command.env("VIRTUAL_ENV", bin.parent().unwrap_or(bin));
    for (k, v) in ACCOUNTS {
        command.env(k, v);
    }
}

pub fn run(root: &Path) -> anyhow::Result<()> {
    let bin = python_env(root)?;
    let accord = crate::backend::build_binary(root, "accord", "accord")?;
    let mut command = Command::new(&accord);
    command.arg("verify").current_dir(root.join(FOLDER));
    in_env(&mut command, &bin);
    let status = command
        .status()
        .with_context(|| format!("cannot run {}", accord.display()))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(2) => bail!("accord verify could not run in {FOLDER}"),
        _ => Err(ChecksFailed(format!("accord verify failed in {FOLDER}")).into()),
    }
}
