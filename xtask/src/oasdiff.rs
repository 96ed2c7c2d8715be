//! `cargo xtask oasdiff`: accord's breaking-change verdict beside oasdiff's over oasdiff's
//! own checker test pairs. oasdiff (Go) is installed pinned with `go install
//! github.com/oasdiff/oasdiff@v1.39.0` into `target/bench-tools/go`, and its module source,
//! fetched by `go mod download` from the Go module proxy, holds the pairs
//! (`data/checker/NAME_base.yaml` beside `NAME_revision.yaml`); nothing of it is committed.
//! Never part of CI: it needs Go and the proxy.
//!
//! For each pair: whether each tool calls it breaking (oasdiff: a finding of level ERR;
//! accord: a finding of severity breaking), the rule ids of each, and the wall time of each.
//! Prints the agreement, then every disagreement; the whole table goes to
//! `target/oasdiff/pairs.tsv`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::Value;

/// The pinned peer.
pub const VERSION: &str = "v1.39.0";
const MODULE: &str = "github.com/oasdiff/oasdiff";

/// One pair's verdicts.
struct Row {
    name: String,
    oasdiff: Verdict,
    accord: Verdict,
}

struct Verdict {
    /// `None`: the tool refused the pair (its message).
    breaking: Result<bool, String>,
    ids: Vec<String>,
    seconds: f64,
}

/// The Go environment of the pinned tools: everything under `target/bench-tools/go`.
fn go(root: &Path) -> Command {
    let gopath = root.join("target/bench-tools/go");
    let mut command = Command::new("go");
    command
        .env("GOPATH", &gopath)
        .env("GOBIN", gopath.join("bin"))
        .env("GOFLAGS", "-modcacherw");
    command
}

/// The oasdiff binary and the folder of its module's source, installed on first use.
fn install(root: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let binary = root.join("target/bench-tools/go/bin/oasdiff");
    let current = Command::new(&binary)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(&VERSION[1..]));
    if !current {
        eprintln!("oasdiff: go install {MODULE}@{VERSION}");
        let status = go(root)
            .args(["install", &format!("{MODULE}@{VERSION}")])
            .status()
            .context("cannot run go (oasdiff is installed with it)")?;
        if !status.success() {
            bail!("go install {MODULE}@{VERSION} failed");
        }
    }
    let output = go(root)
        .args(["mod", "download", "-json", &format!("{MODULE}@{VERSION}")])
        .output()
        .context("cannot run go")?;
    let info: Value = serde_json::from_slice(&output.stdout)
        .with_context(|| format!("go mod download {MODULE}@{VERSION}: no JSON"))?;
    let dir = info["Dir"]
        .as_str()
        .with_context(|| format!("go mod download {MODULE}@{VERSION}: no Dir"))?;
    Ok((binary, PathBuf::from(dir)))
}

/// The checker's pairs: `(name, base, revision)`, sorted by name.
fn pairs(source: &Path) -> anyhow::Result<Vec<(String, PathBuf, PathBuf)>> {
    let dir = source.join("data/checker");
    let mut out = Vec::new();
    for entry in
        std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
    {
        let path = entry?.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix("_base.yaml"))
        else {
            continue;
        };
        let revision = dir.join(format!("{name}_revision.yaml"));
        if revision.is_file() {
            out.push((name.to_string(), path.clone(), revision));
        }
    }
    out.sort();
    Ok(out)
}

fn oasdiff_verdict(binary: &Path, base: &Path, revision: &Path) -> Verdict {
    let started = Instant::now();
    let output = Command::new(binary)
        .arg("breaking")
        .arg(base)
        .arg(revision)
        .args(["-f", "json"])
        .output();
    let seconds = started.elapsed().as_secs_f64();
    let parsed = output.map_err(|e| e.to_string()).and_then(|o| {
        serde_json::from_slice::<Value>(&o.stdout).map_err(|_| {
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .next()
                .unwrap_or("no output")
                .to_string()
        })
    });
    match parsed {
        Ok(findings) => {
            let errors: Vec<String> = findings
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["level"].as_u64() == Some(3))
                .filter_map(|f| f["id"].as_str().map(String::from))
                .collect();
            Verdict {
                breaking: Ok(!errors.is_empty()),
                ids: dedup(errors),
                seconds,
            }
        }
        Err(e) => Verdict {
            breaking: Err(e),
            ids: Vec::new(),
            seconds,
        },
    }
}

fn accord_verdict(base: &Path, revision: &Path) -> Verdict {
    let started = Instant::now();
    let loaded = accord_spec::Spec::load(base)
        .and_then(|old| accord_spec::Spec::load(revision).map(|new| accord_diff::diff(&old, &new)));
    let seconds = started.elapsed().as_secs_f64();
    match loaded {
        Ok(report) => {
            let ids: Vec<String> = report
                .findings
                .iter()
                .filter(|f| f.severity() == accord_diff::Severity::Breaking)
                .map(|f| f.rule.id().to_string())
                .collect();
            Verdict {
                breaking: Ok(report.has_breaking()),
                ids: dedup(ids),
                seconds,
            }
        }
        Err(e) => Verdict {
            breaking: Err(e.to_string().lines().next().unwrap_or_default().to_string()),
            ids: Vec::new(),
            seconds,
        },
    }
}

fn dedup(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids.dedup();
    ids
}

fn show(v: &Verdict) -> String {
    match &v.breaking {
        Ok(true) => format!("breaking ({})", v.ids.join(", ")),
        Ok(false) => "not breaking".into(),
        Err(e) => format!("refused: {e}"),
    }
}

pub fn run(root: &Path) -> anyhow::Result<()> {
    let (binary, source) = install(root)?;
    let pairs = pairs(&source)?;
    if pairs.is_empty() {
        bail!("no pairs under {}/data/checker", source.display());
    }
    eprintln!(
        "oasdiff: {} pairs of oasdiff {VERSION}'s checker tests ({})",
        pairs.len(),
        source.join("data/checker").display()
    );
    let rows: Vec<Row> = pairs
        .iter()
        .map(|(name, base, revision)| Row {
            name: name.clone(),
            oasdiff: oasdiff_verdict(&binary, base, revision),
            accord: accord_verdict(base, revision),
        })
        .collect();
    let agree = rows
        .iter()
        .filter(|r| matches!((&r.oasdiff.breaking, &r.accord.breaking), (Ok(a), Ok(b)) if a == b))
        .count();
    let refused = |f: fn(&Row) -> &Verdict| rows.iter().filter(|r| f(r).breaking.is_err()).count();
    let time = |f: fn(&Row) -> &Verdict| rows.iter().map(|r| f(r).seconds).sum::<f64>();
    let mut table = String::from("pair\toasdiff\taccord\toasdiff s\taccord s\n");
    for r in &rows {
        table.push_str(&format!(
            "{}\t{}\t{}\t{:.3}\t{:.3}\n",
            r.name,
            show(&r.oasdiff),
            show(&r.accord),
            r.oasdiff.seconds,
            r.accord.seconds
        ));
    }
    let out = root.join("target/oasdiff");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("pairs.tsv"), table)?;
    println!(
        "{:<12} {:>8} {:>9} {:>8}",
        "tool", "refused", "breaking", "wall s"
    );
    for (tool, f) in [
        ("oasdiff", (|r: &Row| &r.oasdiff) as fn(&Row) -> &Verdict),
        ("accord", |r: &Row| &r.accord),
    ] {
        let breaking = rows
            .iter()
            .filter(|r| matches!(f(r).breaking, Ok(true)))
            .count();
        println!(
            "{tool:<12} {:>8} {:>9} {:>8.2}",
            refused(f),
            breaking,
            time(f)
        );
    }
    println!(
        "agreement: {agree} of {} pairs on breaking or not (table: {})",
        rows.len(),
        out.join("pairs.tsv").display()
    );
    for r in rows
        .iter()
        .filter(|r| !matches!((&r.oasdiff.breaking, &r.accord.breaking), (Ok(a), Ok(b)) if a == b))
    {
        println!(
            "differ: {:<55} oasdiff {}; accord {}",
            r.name,
            show(&r.oasdiff),
            show(&r.accord)
        );
    }
    Ok(())
}
