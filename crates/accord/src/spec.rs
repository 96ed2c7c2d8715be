//! The spec as `accord.toml` names it, made a file the generators and the differ read: a file
//! as it is; a URL fetched; a command's standard output (a FastAPI app's `app.openapi()`)
//! written under `.accord/`. The base revision's spec is read from git, or made by running
//! the command in a temporary worktree of that revision.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::config::{Loaded, SpecSource};

/// The folder (at the repository's root) for what accord makes; never committed.
pub const WORK: &str = ".accord";

/// The spec as a file, and how the generated files' header names it.
#[derive(Debug, Clone)]
pub struct Obtained {
    pub file: PathBuf,
    pub label: String,
}

/// The file name a spec's text is kept under: `.json` or `.yaml` by its first character.
fn named(dir: &Path, stem: &str, text: &str) -> PathBuf {
    let json = text.trim_start().starts_with('{');
    dir.join(format!("{stem}.{}", if json { "json" } else { "yaml" }))
}

/// Runs `command` with `sh -c` in `dir`; its standard output, or an error naming the command
/// and the end of what it printed on standard error.
pub fn run_command(command: &str, dir: &Path) -> anyhow::Result<String> {
    let output = Command::new("sh")
        .args(["-c", command])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run `{command}`"))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = err.lines().rev().take(8).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "the spec command `{command}` failed ({}):\n{}",
            output.status,
            tail.join("\n")
        );
    }
    let text = String::from_utf8(output.stdout)
        .with_context(|| format!("`{command}` printed text that is not UTF-8"))?;
    if text.trim().is_empty() {
        bail!("the spec command `{command}` printed nothing");
    }
    Ok(text)
}

/// The spec of the working tree.
pub fn obtain(loaded: &Loaded) -> anyhow::Result<Obtained> {
    let work = loaded.at(WORK);
    let SpecSource {
        path, url, command, ..
    } = &loaded.config.spec;
    if let Some(path) = path {
        let file = loaded.at(path);
        if !file.is_file() {
            bail!(
                "{}: [spec] path `{path}` is not a file",
                loaded.path.display()
            );
        }
        return Ok(Obtained {
            file,
            label: path.clone(),
        });
    }
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    if let Some(url) = url {
        let text = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?
            .get(url)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.text())
            .with_context(|| format!("cannot fetch the spec {url}"))?;
        let file = named(&work, "spec", &text);
        std::fs::write(&file, text)?;
        return Ok(Obtained {
            file,
            label: url.clone(),
        });
    }
    let command = command.as_deref().unwrap_or_default();
    let text = run_command(command, &loaded.root)?;
    let file = named(&work, "spec", &text);
    std::fs::write(&file, text)?;
    Ok(Obtained {
        file,
        label: format!("the output of `{command}`"),
    })
}

/// The spec at git revision `rev`: the file read from git, or the command run in a temporary
/// worktree of `rev`. `Ok(None)` when that revision has no spec to compare with (the file is
/// new, the revision has no `accord.toml` where this one is, or the spec is a URL, which has
/// no revisions).
pub fn at_revision(loaded: &Loaded, rev: &str) -> anyhow::Result<Option<String>> {
    let spec = &loaded.config.spec;
    if let Some(path) = &spec.path {
        let output = Command::new("git")
            .args(["show", &format!("{rev}:./{path}")])
            .current_dir(&loaded.root)
            .output()
            .context("cannot run git")?;
        if !output.status.success() {
            return Ok(None);
        }
        return Ok(Some(String::from_utf8_lossy(&output.stdout).into_owned()));
    }
    let Some(command) = &spec.command else {
        return Ok(None);
    };
    let tree = loaded.at(WORK).join("base-worktree");
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(&loaded.root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
    };
    let _ = git(&["worktree", "remove", "--force", &tree.display().to_string()]);
    let added = git(&[
        "worktree",
        "add",
        "--detach",
        &tree.display().to_string(),
        rev,
    ])
    .context("cannot run git")?;
    if !added.success() {
        bail!("cannot check out {rev} into a temporary worktree");
    }
    // The command runs in the same folder of the worktree as accord.toml is in the checkout.
    let top = Command::new("git")
        .args(["rev-parse", "--show-prefix"])
        .current_dir(&loaded.root)
        .output()
        .context("cannot run git")?;
    let prefix = String::from_utf8_lossy(&top.stdout).trim().to_string();
    let folder = tree.join(prefix);
    // A revision before this project had accord (or before the project itself) has no
    // spec to compare with.
    if !folder.join(crate::config::FILE).is_file() {
        let _ = git(&["worktree", "remove", "--force", &tree.display().to_string()]);
        return Ok(None);
    }
    let result = run_command(command, &folder);
    let _ = git(&["worktree", "remove", "--force", &tree.display().to_string()]);
    result.map(Some)
}
