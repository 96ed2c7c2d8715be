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
