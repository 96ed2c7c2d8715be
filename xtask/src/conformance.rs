//! `cargo xtask conformance`: the conformance suite (`accord-conformance`), its flags passed on.
//! With `--profile`, the suite runs against the backend that profile (or `--base-url`) names:
//! a team's staging run reaches staging. Without `--profile`, it uses
//! `fixtures/profiles/reference.toml`, and unless `--base-url` is given it starts the embedded
//! reference backend on free ports and runs against that; so does `--spec FILE` (no profile:
//! the one derived from the spec).

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Context;

use crate::ChecksFailed;

/// The profile of the embedded reference backend.
pub const REFERENCE_PROFILE: &str = "fixtures/profiles/reference.toml";

/// The profile of the reference backend in cookie mode, and how `verify` starts it so.
pub const COOKIE_PROFILE: &str = "fixtures/profiles/reference-cookies.toml";
pub const COOKIE_MODE: &[(&str, &str)] = &[
    ("ACCORD_REFRESH_MODE", "cookie"),
    ("ACCORD_CSRF_DOUBLE_SUBMIT", "true"),
    ("ACCORD_RATE_LIMIT_LOGIN", "5/3"),
];
/// The features that configuration exists for.
pub const COOKIE_TAGS: &str = "@cookies or @ratelimit or @refresh";
/// The features of the default configuration: everything else.
/// (`@roles` needs an operation of another role, which the reference API has none of.)
pub const DEFAULT_TAGS: &str = "not @cookies and not @ratelimit and not @roles";

/// Runs the suite with `flags` (accord-conformance's own); `Ok` when every scenario passed.
/// Exit code 1 of the suite is a failed check, 2 a usage, profile or spec error.
pub fn run(root: &Path, flags: &[String]) -> anyhow::Result<()> {
    let binary = crate::backend::build_binary(root, "accord-conformance", "accord-conformance")?;
    let given = |flag: &str| {
        flags
            .iter()
            .any(|f| f == flag || f.starts_with(&format!("{flag}=")))
    };
    let mut command = Command::new(&binary);
    command.args(flags);
    if !given("--profile") && !given("--spec") {
        command.arg("--profile").arg(root.join(REFERENCE_PROFILE));
    }
    // A profile names its own backend: the reference backend is started only for the
    // reference profile (or a profile derived from a spec), and only when no URL is given.
    let backend = if given("--base-url") || given("--profile") {
        None
    } else {
        let started =
            crate::backend::start(root, Stdio::null()).context("starting the reference backend")?;
        command.arg("--base-url").arg(&started.api_url);
        Some(started)
    };
    let status = command
        .status()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    drop(backend);
    judge(status)
}

/// Runs the suite with `flags` and `profile` against the reference backend started with the
/// `ACCORD_*` variables of `env` (another configuration than the default one), its output
/// captured rather than shown as it runs (runs made at once): the outcome and what it printed.
pub fn run_captured(
    root: &Path,
    profile: &str,
    env: &[(&str, &str)],
    flags: &[String],
) -> (anyhow::Result<()>, String) {
    let run = || -> anyhow::Result<(std::process::ExitStatus, String)> {
        let binary =
            crate::backend::build_binary(root, "accord-conformance", "accord-conformance")?;
        let backend = crate::backend::start_with(root, Stdio::null(), env)
            .context("starting the reference backend")?;
        let output = Command::new(&binary)
            .args(flags)
            .arg("--profile")
            .arg(root.join(profile))
            .arg("--base-url")
            .arg(&backend.api_url)
            .output()
            .with_context(|| format!("cannot run {}", binary.display()))?;
        drop(backend);
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        Ok((output.status, text))
    };
    match run() {
        Ok((status, text)) => (judge(status), text),
        Err(e) => (Err(e), String::new()),
    }
}

fn judge(status: std::process::ExitStatus) -> anyhow::Result<()> {
    match status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(ChecksFailed("the conformance suite failed".into()).into()),
        Some(2) => {
            anyhow::bail!("the conformance suite could not run (usage, profile or spec error)")
        }
        _ => Err(ChecksFailed(format!("the conformance suite stopped with {status}")).into()),
    }
}
