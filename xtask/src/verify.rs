//! `cargo xtask verify`: the CI gate. Validates the contract, regenerates every artifact in
//! memory and fails on any stale file, then type-checks the outputs. It never writes.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::ChecksFailed;
use crate::artifacts::{self, COMMAND, SPEC};
use crate::node;

/// What the lint step runs, in order.
const LINT: &str = "cargo fmt --all --check, cargo clippy --workspace --all-targets -D warnings";

/// Runs rustfmt's check and clippy with warnings denied over the whole workspace; `None` when
/// both pass, else which failed (their own output went to the terminal).
fn lint(root: &Path) -> anyhow::Result<Option<String>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = root.join("Cargo.toml");
    let fmt = Command::new(&cargo)
        .args(["fmt", "--all", "--check", "--manifest-path"])
        .arg(&manifest)
        .status()
        .context("cannot run cargo fmt")?;
    if !fmt.success() {
        return Ok(Some(
            "cargo fmt --all --check: unformatted files (run `cargo fmt --all`)".into(),
        ));
    }
    let clippy = Command::new(&cargo)
        .args([
            "clippy",
            "--quiet",
            "--workspace",
            "--all-targets",
            "--manifest-path",
        ])
        .arg(&manifest)
        .args(["--", "-D", "warnings"])
        .status()
        .context("cannot run cargo clippy")?;
    Ok((!clippy.success())
        .then(|| "cargo clippy --workspace --all-targets -D warnings: warnings above".into()))
}

/// Runs every step; prints one line per step and fails with the steps that did not pass.
pub fn run(root: &Path, base: Option<&str>) -> anyhow::Result<()> {
    let spec = artifacts::load_spec(root).with_context(|| "verify: spec       FAILED")?;
    let schemas = spec
        .openapi
        .components
        .as_ref()
        .map_or(0, |c| c.schemas.len());
    step(
        "spec",
        true,
        &format!(
            "{SPEC}: OpenAPI {}, {} operations, {schemas} schemas",
            spec.source_version,
            spec.operations().len()
        ),
    );

    let breaking_ok = breaking(root, &spec, base);

    let (files, _) = artifacts::expected(&spec)?;
    let stale = artifacts::stale(root, &files);
    if !stale.is_empty() {
        let list: Vec<String> = stale.iter().map(|a| a.path.display().to_string()).collect();
        step(
            "generated",
            false,
            &format!("{} stale: {}", list.len(), list.join(", ")),
        );
        step("rust", false, "skipped: the generated files are stale");
        step(
            "typescript",
            false,
            "skipped: the generated files are stale",
        );
        return Err(ChecksFailed(format!(
            "{}generated files are stale: {}; run `{COMMAND}` and commit the result",
            if breaking_ok {
                ""
            } else {
                "the contract breaks its clients; "
            },
            list.join(", ")
        ))
        .into());
    }
    step(
        "generated",
        true,
        &format!("{} files up to date", files.len()),
    );

    let mut failed = Vec::new();
    if !breaking_ok {
        failed.push("breaking");
    }
    let rust = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "check",
            "--quiet",
            "--package",
            "api-types",
            "--package",
            "api-client",
            "--package",
            "api-server",
            "--manifest-path",
        ])
        .arg(root.join("Cargo.toml"))
        .status()
        .context("cannot run cargo")?;
    step(
        "rust",
        rust.success(),
        "cargo check -p api-types -p api-client -p api-server",
    );
    if !rust.success() {
        failed.push("rust");
    }

    let lint = lint(root)?;
    step("lint", lint.is_none(), lint.as_deref().unwrap_or(LINT));
    if lint.is_some() {
        failed.push("lint");
    }

    let config = root.join(node::PACKAGE).join("tsconfig.json");
    let (ok, output) = node::tsc(root, &config)?;
    if !ok {
        eprint!("{output}");
        failed.push("typescript");
    }
    step(
        "typescript",
        ok,
        &format!("tsc --strict --noEmit -p {}/tsconfig.json", node::PACKAGE),
    );

    let (ok, output, summary) = node::api_fetch(root)?;
    if !ok {
        eprint!("{output}");
        failed.push("api-fetch");
    }
    step(
        "api-fetch",
        ok,
        &format!("{}: tsc --strict, node --test: {summary}", node::API_FETCH),
    );

    // The reference backend on free ports, checked by the whole conformance suite; the backend
    // is stopped when the run ends, whatever happens.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let junit = target.join("conformance-junit.xml");
    let default_flags = [
        "--strict".to_string(),
        "--tags".to_string(),
        crate::conformance::DEFAULT_TAGS.to_string(),
        "--junit".to_string(),
        junit.display().to_string(),
    ];
    // The same backend in cookie mode, with double-submit CSRF tokens and a tight login
    // limit: the features that configuration exists for.
    let cookie_junit = target.join("conformance-cookies-junit.xml");
    let cookie_flags = [
        "--strict".to_string(),
        "--tags".to_string(),
        crate::conformance::COOKIE_TAGS.to_string(),
        "--junit".to_string(),
        cookie_junit.display().to_string(),
    ];
    // Both configurations at once, each with a backend of its own on free ports; what each
    // printed is shown after, one after the other.
    crate::backend::build_binary(root, "accord-conformance", "accord-conformance")?;
    crate::backend::build(root)?;
    eprintln!("verify: conformance  running the reference backend's two configurations at once");
    let ((default_run, default_out), (cookie_run, cookie_out)) = std::thread::scope(|scope| {
        let cookies = scope.spawn(|| {
            crate::conformance::run_captured(
                root,
                crate::conformance::COOKIE_PROFILE,
                crate::conformance::COOKIE_MODE,
                &cookie_flags,
            )
        });
        let default = crate::conformance::run_captured(
            root,
            crate::conformance::REFERENCE_PROFILE,
            &[],
            &default_flags,
        );
        let cookies = cookies.join().unwrap_or_else(|_| {
            (
                Err(anyhow::anyhow!("the cookie-mode run panicked")),
                String::new(),
            )
        });
        (default, cookies)
    });
    print!("{default_out}");
    match default_run {
        Ok(()) => step(
            "conformance",
            true,
            &format!(
                "reference backend, {} (JUnit: {})",
                crate::conformance::REFERENCE_PROFILE,
                junit.display()
            ),
        ),
        Err(e) => {
            step("conformance", false, &format!("{e:#}"));
            failed.push("conformance");
        }
    }
    print!("{cookie_out}");
    match cookie_run {
        Ok(()) => step(
            "conformance",
            true,
            &format!(
                "reference backend in cookie mode, {} ({})",
                crate::conformance::COOKIE_PROFILE,
                crate::conformance::COOKIE_TAGS
            ),
        ),
        Err(e) => {
            step("conformance", false, &format!("cookie mode: {e:#}"));
            failed.push("conformance (cookie mode)");
        }
    }

    outcome(&failed)
}

/// The gate's last line: `verify: passed`, or the steps that failed (exit code 1).
pub fn outcome(failed: &[&str]) -> anyhow::Result<()> {
    if failed.is_empty() {
        println!("verify: passed");
        Ok(())
    } else {
        Err(ChecksFailed(format!("verify failed: {}", failed.join(", "))).into())
    }
}

/// Allowed breaks of the contract: `RULE-ID #/POINTER REASON` per line.
pub const ALLOW_LIST: &str = "openapi/breaking-allowed.txt";

/// The revision to compare the contract with: `base`, or the merge base of HEAD and the
/// default branch (origin's, else `main` or `master`); `None` outside a git checkout.
pub fn base_revision(root: &Path, base: Option<&str>) -> Option<String> {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    if let Some(base) = base {
        return Some(base.to_string());
    }
    let default = [
        "origin/HEAD",
        "origin/main",
        "main",
        "origin/master",
        "master",
    ]
    .into_iter()
    .find(|r| git(&["rev-parse", "--verify", "--quiet", r]).is_some())?;
    git(&["merge-base", "HEAD", default])
}

/// The `breaking` step: the contract against its version at the base revision. No base (not
/// a git checkout, no default branch, the contract new at the base) is a note, not a failure.
fn breaking(root: &Path, spec: &accord_spec::Spec, base: Option<&str>) -> bool {
    let Some(rev) = base_revision(root, base) else {
        step(
            "breaking",
            true,
            "note: no base revision (not a git checkout, or no default branch); not compared",
        );
        return true;
    };
    let short: String = rev.chars().take(12).collect();
    let old = match crate::diff::load(root, &format!("git:{rev}")) {
        Ok(old) => old,
        Err(e) => {
            let ok = base.is_none();
            step(
                "breaking",
                ok,
                &format!("note: {SPEC} at {short} does not load ({e:#}); not compared"),
            );
            return ok;
        }
    };
    let report = accord_diff::diff(&old, spec);
    let allowed = match std::fs::metadata(root.join(ALLOW_LIST)) {
        Ok(_) => match crate::diff::allow_list(&root.join(ALLOW_LIST)) {
            Ok(a) => a,
            Err(e) => {
                step("breaking", false, &format!("{e:#}"));
                return false;
            }
        },
        Err(_) => Vec::new(),
    };
    let failing = crate::diff::unallowed(&report, &allowed);
    if failing.is_empty() {
        step(
            "breaking",
            true,
            &format!(
                "{SPEC} against {short}: {}",
                report.summary().trim_start_matches("diff: ")
            ),
        );
        return true;
    }
    for f in &failing {
        eprintln!(
            "verify: breaking: {} at #{}: {} ({})",
            f.rule.id(),
            f.new.as_deref().or(f.old.as_deref()).unwrap_or(""),
            f.message,
            f.operations.join(", ")
        );
    }
    let first = failing[0];
    step(
        "breaking",
        false,
        &format!(
            "{} breaking change(s) against {short}, first {} at #{}; allow deliberate ones in {ALLOW_LIST}",
            failing.len(),
            first.rule.id(),
            first.new.as_deref().or(first.old.as_deref()).unwrap_or("")
        ),
    );
    false
}

/// One line of the gate: the step, ok or FAILED, and what it checked.
pub fn step(name: &str, ok: bool, detail: &str) {
    println!(
        "verify: {name:<12} {:<6} {detail}",
        if ok { "ok" } else { "FAILED" }
    );
}
