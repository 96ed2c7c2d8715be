//! `cargo xtask backends [NAME...]`: the conformance suite against real open-source backends
//! that nobody here wrote, each run on loopback from its own source and dependencies by
//! `xtask/backends/NAME/backend.sh` (`setup SOURCE`, `start`, `stop`, `credentials`), with
//! the profile a new user writes (`xtask/backends/NAME/profile.toml`). The sources are the
//! repositories at the commit each script pins, found under `--sources` (one
//! `OWNER+NAME` folder each, as the search tool's `fetch` lays them out). Never part of CI:
//! it needs those sources, PostgreSQL and the package registries.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// One backend's run: its name and the suite's summary line (or why it could not run).
pub struct Outcome {
    pub name: String,
    pub summary: String,
}

fn script_value(script: &str, key: &str) -> Option<String> {
    script
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(|v| v.trim().trim_matches('"').to_string())
}

/// The backends of `xtask/backends/`, by name.
pub fn available(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("xtask/backends"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("backend.sh").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn script(root: &Path, name: &str, args: &[&str]) -> anyhow::Result<String> {
    let path = root.join("xtask/backends").join(name).join("backend.sh");
    // The backends' work folders (sources, dependencies, databases) under target/, where
    // their profiles find the specs the scripts lay there.
    let output = Command::new("bash")
        .arg(&path)
        .args(args)
        .env("ACCORD_BACKENDS_DIR", root.join("target/backends-work"))
        .output()
        .with_context(|| format!("cannot run {}", path.display()))?;
    if !output.status.success() {
        bail!(
            "{name}: `backend.sh {}` failed ({}):\n{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn one(root: &Path, name: &str, sources: &Path, flags: &[String]) -> anyhow::Result<String> {
    let path = root.join("xtask/backends").join(name);
    let text = std::fs::read_to_string(path.join("backend.sh"))?;
    let repository = script_value(&text, "REPOSITORY")
        .with_context(|| format!("{name}: backend.sh names no REPOSITORY"))?;
    let source = sources.join(repository.replace('/', "+")).join("repo");
    if !source.exists() {
        bail!(
            "{name}: {} is missing: fetch {repository} first (or give --sources)",
            source.display()
        );
    }
    eprintln!("{name}: setting up from {}", source.display());
    script(root, name, &["setup", &source.display().to_string()])?;
    eprintln!("{name}: starting");
    let started = script(root, name, &["start"]);
    let result = started.and_then(|out| {
        let base = out.lines().last().unwrap_or_default().trim().to_string();
        let credentials = script(root, name, &["credentials"])?;
        let binary =
            crate::backend::build_binary(root, "accord-conformance", "accord-conformance")?;
        let reports = root.join("target/backends").join(name);
        std::fs::create_dir_all(&reports)?;
        let mut command = Command::new(binary);
        command
            .arg("--profile")
            .arg(path.join("profile.toml"))
            .arg("--base-url")
            .arg(&base)
            .arg("--junit")
            .arg(reports.join("junit.xml"))
            .arg("--html")
            .arg(reports.join("report.html"))
            .args(flags);
        for line in credentials.lines() {
            if let Some((k, v)) = line.split_once('=') {
                command.env(k.trim(), v.trim());
            }
        }
        let output = command.output().context("cannot run accord-conformance")?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        std::fs::write(reports.join("console.txt"), &stdout)?;
        eprintln!(
            "{name}: console output in {}",
            reports.join("console.txt").display()
        );
        Ok(stdout
            .lines()
            .rev()
            .find(|l| l.starts_with("conformance: "))
            .unwrap_or("the suite printed no summary")
            .to_string())
    });
    let stopped = script(root, name, &["stop"]);
    let summary = result?;
    stopped?;
    Ok(summary)
}

/// Runs the suite against each backend of `names` (all when empty); `flags` go to
/// accord-conformance. Prints one summary line per backend.
pub fn run(
    root: &Path,
    names: &[String],
    sources: Option<PathBuf>,
    flags: &[String],
) -> anyhow::Result<Vec<Outcome>> {
    let all = available(root);
    let names = if names.is_empty() {
        all.clone()
    } else {
        names.to_vec()
    };
    for n in &names {
        if !all.contains(n) {
            bail!(
                "no backend `{n}` in xtask/backends (there are: {})",
                all.join(", ")
            );
        }
    }
    let sources = sources.unwrap_or_else(|| PathBuf::from("/work/.mirror"));
    let mut outcomes = Vec::new();
    for name in &names {
        let summary = match one(root, name, &sources, flags) {
            Ok(s) => s,
            Err(e) => format!("could not run: {e:#}"),
        };
        println!("{name:<20} {summary}");
        outcomes.push(Outcome {
            name: name.clone(),
            summary,
        });
    }
    Ok(outcomes)
}
