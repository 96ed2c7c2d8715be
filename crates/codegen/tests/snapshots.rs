//! Snapshots of every target over the contract and every spec under `fixtures/specs/`.
//!
//! The Rust client and server snapshots are compiled by the `codegen-output` crate and the TypeScript
//! snapshots are type-checked with `tsc --strict` by xtask's tests, so a snapshot that
//! does not build fails the test suite. Update them with `INSTA_UPDATE=always cargo test -p accord-codegen`.

use std::path::{Path, PathBuf};

use accord_codegen::{
    CodegenError, Note, Origin, Output, Prepared, rust_client, rust_server, typescript,
};
use accord_spec::Spec;

const COMMAND: &str = "INSTA_UPDATE=always cargo test -p accord-codegen";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The contract and every fixture spec, as (snapshot name, path relative to the root).
fn specs() -> Vec<(String, String)> {
    let mut out = vec![("api".to_string(), "openapi/api.yaml".to_string())];
    let mut fixtures: Vec<_> = std::fs::read_dir(root().join("fixtures/specs"))
        .expect("fixtures/specs exists")
        .map(|e| {
            e.expect("readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".json"))
        .collect();
    fixtures.sort();
    for name in fixtures {
        let stem = name
            .rsplit_once('.')
            .map(|(s, _)| s)
            .unwrap_or(&name)
            .to_string();
        out.push((stem, format!("fixtures/specs/{name}")));
    }
    out
}

/// A target run: its output, after the notes of preparing the spec for it (none for
/// TypeScript, which reads the spec as loaded).
type Run = fn(&Spec, &Origin<'_>) -> Result<(Vec<Note>, Output), CodegenError>;

fn check(target: &str, generate: Run) {
    let specs = specs();
    assert!(
        specs.len() >= 9,
        "expected the contract and at least 8 fixture specs"
    );
    for (stem, path) in specs {
        let spec =
            Spec::load(root().join(&path)).unwrap_or_else(|e| panic!("{path} must load: {e}"));
        let origin = Origin {
            source: &path,
            command: COMMAND,
        };
        let (prepared, output) = generate(&spec, &origin).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (_, again) = generate(&spec, &origin).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(
            output.text, again.text,
            "{path}: {target} output is not deterministic"
        );
        let notes: Vec<String> = spec
            .notes
            .iter()
            .chain(&prepared)
            .chain(&output.notes)
            .map(ToString::to_string)
            .collect();
        insta::with_settings!({ snapshot_suffix => stem.clone(), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(target, output.text);
            insta::assert_snapshot!(format!("{target}_notes"), notes.join("\n"));
        });
    }
}

#[test]
fn rust_client_snapshots() {
    check("rust_client", |spec, origin| {
        let prepared = Prepared::new(spec)?;
        let output = rust_client::generate(&prepared, origin)?;
        Ok((prepared.notes, output))
    });
}

#[test]
fn rust_server_snapshots() {
    // The notes of preparing concern what progenitor cannot express: the client's.
    check("rust_server", |spec, origin| {
        let output = rust_server::generate(&Prepared::new(spec)?, origin)?;
        Ok((Vec::new(), output))
    });
}

#[test]
fn typescript_snapshots() {
    check("typescript", |spec, origin| {
        Ok((Vec::new(), typescript::generate(spec, origin)?))
    });
}
