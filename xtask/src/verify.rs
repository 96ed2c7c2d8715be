//! `cargo xtask verify`: the CI gate. Validates the contract, regenerates every artifact in
//! memory and fails on any stale file, then type-checks the outputs. It never writes.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::ChecksFailed;
use crate::artifacts::{self, COMMAND, SPEC};
use crate::node;

/// Runs every step; prints one line per step and fails with the steps that did not pass.
pub fn run(root: &Path) -> anyhow::Result<()> {
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
            "generated files are stale: {}; run `{COMMAND}` and commit the result",
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

    // The reference backend on free ports, checked by the whole conformance suite; the backend
    // is stopped when the run ends, whatever happens.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let junit = target.join("conformance-junit.xml");
    let flags = [
        "--strict".to_string(),
        "--junit".to_string(),
        junit.display().to_string(),
    ];
    match crate::conformance::run(root, &flags) {
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

    if failed.is_empty() {
        println!("verify: passed");
        Ok(())
    } else {
        Err(ChecksFailed(format!("verify failed: {}", failed.join(", "))).into())
    }
}

fn step(name: &str, ok: bool, detail: &str) {
    println!(
        "verify: {name:<12} {:<6} {detail}",
        if ok { "ok" } else { "FAILED" }
    );
}
