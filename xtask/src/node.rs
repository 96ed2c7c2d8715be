//! The Node tooling that type-checks TypeScript: TypeScript 5.9 and openapi-fetch, pinned
//! in `packages/api-types/package-lock.json` and installed with `npm ci` on first use.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use anyhow::{Context, bail};

/// The npm package whose devDependencies hold the tooling.
pub const PACKAGE: &str = "packages/api-types";
const TYPESCRIPT_VERSION: &str = "5.9.3";

/// Installs the pinned tooling unless it is already there; returns the path of `tsc`'s script.
pub fn ensure_tooling(root: &Path) -> anyhow::Result<PathBuf> {
    // Tests call this from several threads; one `npm ci` at a time.
    static INSTALL: Mutex<()> = Mutex::new(());
    let _guard = INSTALL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = root.join(PACKAGE);
    let tsc = dir.join("node_modules/typescript/bin/tsc");
    let installed = std::fs::read_to_string(dir.join("node_modules/typescript/package.json"))
        .is_ok_and(|p| p.contains(&format!("\"version\": \"{TYPESCRIPT_VERSION}\"")))
        && dir
            .join("node_modules/openapi-fetch/package.json")
            .is_file();
    if installed {
        return Ok(tsc);
    }
    eprintln!(
        "xtask: installing TypeScript {TYPESCRIPT_VERSION} and openapi-fetch into {PACKAGE}/node_modules (npm ci)"
    );
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .status()
        .context("cannot run npm; install Node.js 20 or newer with npm")?;
    if !status.success() {
        bail!(
            "`npm ci` in {PACKAGE} failed ({status}); check the network access to the npm registry"
        );
    }
    Ok(tsc)
}

/// Runs `tsc --strict --noEmit -p CONFIG`; returns whether it passed and what it printed.
pub fn tsc(root: &Path, config: &Path) -> anyhow::Result<(bool, String)> {
    let tsc = ensure_tooling(root)?;
    let output = Command::new("node")
        .arg(&tsc)
        .args(["--strict", "--noEmit", "--pretty", "false", "-p"])
        .arg(config)
        .output()
        .context("cannot run node; install Node.js 20 or newer")?;
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Ok((output.status.success(), text))
}

/// The frontend runtime package: `@accord/api-fetch`.
pub const API_FETCH: &str = "packages/api-fetch";

/// Type-checks `@accord/api-fetch` with its typed-client test, compiles it to
/// `target/api-fetch/dist`, and runs its unit tests with Node's test runner there. Returns
/// whether all passed, what they printed, and the runner's summary line.
pub fn api_fetch(root: &Path) -> anyhow::Result<(bool, String, String)> {
    let dir = root.join(API_FETCH);
    let (typed, mut text) = tsc(root, &dir.join("tsconfig.test.json"))?;
    if !typed {
        return Ok((false, text, "type check failed".into()));
    }
    let tsc = ensure_tooling(root)?;
    let build = Command::new("node")
        .arg(&tsc)
        .args(["--pretty", "false", "-p"])
        .arg(dir.join("tsconfig.json"))
        .output()
        .context("cannot run node; install Node.js 20 or newer")?;
    text.push_str(&String::from_utf8_lossy(&build.stdout));
    if !build.status.success() {
        return Ok((false, text, "build failed".into()));
    }
    let dist = root.join("target/api-fetch/dist");
    // The unit tests only (`test/*.test.mjs`): the browser page beside them is not one.
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("test"))
        .with_context(|| format!("cannot read {API_FETCH}/test"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    let tests = Command::new("node")
        .args(["--test", "--test-reporter=spec"])
        .args(&files)
        .env("ACCORD_API_FETCH_DIST", &dist)
        .output()
        .context("cannot run node --test")?;
    let out = String::from_utf8_lossy(&tests.stdout).into_owned();
    let pass = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("ℹ pass "))
        .unwrap_or("?")
        .to_string();
    let fail = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("ℹ fail "))
        .unwrap_or("?")
        .to_string();
    text.push_str(&out);
    text.push_str(&String::from_utf8_lossy(&tests.stderr));
    Ok((
        tests.status.success(),
        text,
        format!("{pass} passed, {fail} failed"),
    ))
}
