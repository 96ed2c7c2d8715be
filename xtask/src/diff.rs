//! `cargo xtask diff OLD NEW`: what changed between two versions of a spec and which changes
//! break the API's clients (`accord-diff`). OLD and NEW are files, or `git:REF` for the
//! contract (`openapi/api.yaml`) at a git revision. Exit 1 on any breaking change not in the
//! allow-list, 0 otherwise, 2 for a spec that does not load.

use std::path::{Path, PathBuf};
use std::process::Command;

use accord_diff::{Report, Severity};
use accord_spec::Spec;
use anyhow::{Context, bail};

use crate::ChecksFailed;

/// The report's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Junit,
    /// GitHub Actions annotations (`::error file=...::`), the default under GitHub Actions.
    Github,
}

pub struct Options {
    pub old: String,
    pub new: String,
    pub format: Option<Format>,
    pub changelog: bool,
    pub allow: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// Refuse a spec that needed a repair to be read.
    pub strict: bool,
}

/// Loads `FILE` or `git:REF` (the contract at that revision).
pub fn load(root: &Path, source: &str) -> anyhow::Result<Spec> {
    match source.strip_prefix("git:") {
        Some(rev) => {
            let spec = crate::artifacts::SPEC;
            let output = Command::new("git")
                .args(["show", &format!("{rev}:{spec}")])
                .current_dir(root)
                .output()
                .context("cannot run git")?;
            if !output.status.success() {
                bail!(
                    "git:{rev}: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                );
            }
            let text = String::from_utf8(output.stdout).context("the spec is not UTF-8")?;
            Ok(Spec::parse(&text, format!("{spec}@{rev}"))?)
        }
        None => Ok(Spec::load(source)?),
    }
}

/// One allowed break: a rule id and a location (`#/...` in either document), with a reason.
#[derive(Debug, Clone)]
pub struct Allowed {
    pub rule: String,
    pub pointer: String,
    pub reason: String,
}

/// Reads an allow-list: one `RULE-ID #/POINTER REASON...` per line; `#` starts a comment
/// line (a pointer starts with `#/`, never with `# `).
pub fn allow_list(path: &Path) -> anyhow::Result<Vec<Allowed>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("# ") || line == "#" {
            continue;
        }
        let mut parts = line.splitn(3, char::is_whitespace);
        let (Some(rule), Some(pointer)) = (parts.next(), parts.next()) else {
            bail!(
                "{}:{}: expected `RULE-ID #/POINTER REASON`",
                path.display(),
                n + 1
            );
        };
        let reason = parts.next().unwrap_or("").trim().to_string();
        if !accord_diff::Rule::ALL.iter().any(|r| r.id() == rule) {
            bail!("{}:{}: unknown rule `{rule}`", path.display(), n + 1);
        }
        if !pointer.starts_with("#/") {
            bail!(
                "{}:{}: `{pointer}` is not a location such as #/components/schemas/Item",
                path.display(),
                n + 1
            );
        }
        if reason.is_empty() {
            bail!(
                "{}:{}: give the reason for allowing this break",
                path.display(),
                n + 1
            );
        }
        out.push(Allowed {
            rule: rule.into(),
            pointer: pointer.into(),
            reason,
        });
    }
    Ok(out)
}

/// Whether the allow-list entry `a` names the finding `f` (its rule, and its pointer in either
/// document).
fn covers(a: &Allowed, f: &accord_diff::Finding) -> bool {
    a.rule == f.rule.id()
        && [&f.old, &f.new]
            .iter()
            .any(|p| p.as_deref().is_some_and(|p| format!("#{p}") == a.pointer))
}

/// The breaking findings no allow-list entry covers.
pub fn unallowed<'r>(report: &'r Report, allowed: &[Allowed]) -> Vec<&'r accord_diff::Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.severity() == Severity::Breaking)
        .filter(|f| !allowed.iter().any(|a| covers(a, f)))
        .collect()
}

/// The allow-list entries that name no change of `report`: stale, or a typo (a warning).
pub fn stale<'a>(report: &Report, allowed: &'a [Allowed]) -> Vec<&'a Allowed> {
    allowed
        .iter()
        .filter(|a| !report.findings.iter().any(|f| covers(a, f)))
        .collect()
}

pub fn junit(report: &Report, failing: &[&accord_diff::Finding]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"accord diff\" tests=\"{}\" failures=\"{}\">\n",
        report.findings.len(),
        failing.len()
    );
    for f in &report.findings {
        let name = format!(
            "{} {}",
            f.rule.id(),
            f.new.as_deref().or(f.old.as_deref()).unwrap_or("")
        );
        out.push_str(&format!(
            "  <testcase classname=\"{}\" name=\"{}\">",
            esc(f.severity().as_str()),
            esc(&name)
        ));
        if failing.iter().any(|g| std::ptr::eq(*g, f)) {
            out.push_str(&format!(
                "<failure message=\"{}\">{}: {}</failure>",
                esc(&f.message),
                esc(&f.operations.join(", ")),
                esc(f.rule.what())
            ));
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("</testsuite>\n");
    out
}

pub fn github(report: &Report, failing: &[&accord_diff::Finding], file: &str) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let level = if failing.iter().any(|g| std::ptr::eq(*g, f)) {
            "error"
        } else if f.severity() == Severity::Info {
            "notice"
        } else {
            "warning"
        };
        out.push_str(&format!(
            "::{level} file={file},title={}::{} ({}) at #{}\n",
            f.rule.id(),
            f.message.replace('\n', " "),
            f.operations.join(", "),
            f.new.as_deref().or(f.old.as_deref()).unwrap_or("")
        ));
    }
    out
}

pub fn run(root: &Path, options: &Options) -> anyhow::Result<()> {
    let old = load(root, &options.old).with_context(|| format!("loading {}", options.old))?;
    let new = load(root, &options.new).with_context(|| format!("loading {}", options.new))?;
    let (old, new) = if options.strict {
        (old.strict()?, new.strict()?)
    } else {
        for (source, spec) in [(&options.old, &old), (&options.new, &new)] {
            if !spec.repaired.is_empty() {
                eprintln!(
                    "diff: {source}: read despite {} break(s) of the OpenAPI specification (--strict refuses it):",
                    spec.repaired.len()
                );
                for problem in &spec.repaired {
                    eprintln!("  {problem}");
                }
            }
        }
        (old, new)
    };
    let report = accord_diff::diff(&old, &new);
    let allowed = match &options.allow {
        Some(path) => allow_list(path)?,
        None => Vec::new(),
    };
    let failing = unallowed(&report, &allowed);
    for a in stale(&report, &allowed) {
        eprintln!(
            "diff: warning: the allow-list entry `{} {}` matches no change (stale, or a typo)",
            a.rule, a.pointer
        );
    }
    let format = options
        .format
        .unwrap_or(if std::env::var_os("GITHUB_ACTIONS").is_some() {
            Format::Github
        } else {
            Format::Text
        });
    let text = if options.changelog {
        report.changelog()
    } else {
        match format {
            Format::Text => report.text(),
            Format::Json => serde_json::to_string_pretty(&report.json())? + "\n",
            Format::Markdown => report.markdown(),
            Format::Junit => junit(&report, &failing),
            Format::Github => {
                github(&report, &failing, options.new.trim_start_matches("git:"))
                    + &report.summary()
                    + "\n"
            }
        }
    };
    match &options.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    let allowed_count = report.count(Severity::Breaking) - failing.len();
    if allowed_count > 0 {
        eprintln!("diff: {allowed_count} breaking change(s) allowed by the allow-list");
    }
    if !failing.is_empty() {
        let first = failing[0];
        return Err(ChecksFailed(format!(
            "{} breaking change(s); the first: {} at #{}: {}",
            failing.len(),
            first.rule.id(),
            first.new.as_deref().or(first.old.as_deref()).unwrap_or(""),
            first.message
        ))
        .into());
    }
    Ok(())
}
