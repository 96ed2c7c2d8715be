//! xtask's integration tests, one binary; each module says what it proves.

mod backend;
mod cli;
mod diff;
mod drift;
mod malformed;
mod tidy;
mod typescript;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The project root of this checkout.
pub fn root() -> PathBuf {
    xtask::project_root()
}

/// Runs the built `xtask` binary with `args`.
pub fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("the xtask binary runs")
}

/// Runs `generate --spec SPEC --out DIR` into a fresh temporary DIR.
pub fn generate_spec(spec: &Path) -> (Output, tempfile::TempDir) {
    generate_spec_with(spec, &[])
}

/// `generate --spec SPEC --out TEMP` with more `flags`.
pub fn generate_spec_with(spec: &Path, flags: &[&str]) -> (Output, tempfile::TempDir) {
    let out = tempfile::tempdir().expect("a temp dir");
    let mut args = vec![
        "generate",
        "--spec",
        spec.to_str().expect("a UTF-8 path"),
        "--out",
        out.path().to_str().expect("a UTF-8 path"),
    ];
    args.extend_from_slice(flags);
    let output = xtask(&args);
    (output, out)
}

/// Copies `relative` from the project root into `dir`, creating folders.
pub fn copy_into(dir: &Path, relative: &str) {
    let to = dir.join(relative);
    std::fs::create_dir_all(to.parent().expect("a parent")).expect("creatable dir");
    std::fs::copy(root().join(relative), to).expect("copyable file");
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
