//! The generated artifacts of the project: where each lives and the text it must hold.
//!
//! `generate` writes these and `verify` compares them; both call [`expected`], so the two
//! can never disagree about what is generated from what.

use std::path::{Path, PathBuf};

use accord_codegen::{Note, Origin, Prepared, rust_client, rust_server, rust_types, typescript};
use accord_spec::Spec;
use anyhow::Context;

/// The contract, relative to the project root.
pub const SPEC: &str = "openapi/api.yaml";
/// The command that regenerates every artifact.
pub const COMMAND: &str = "cargo xtask generate";

/// One generated file: its path relative to the project root and its expected text.
#[derive(Debug)]
pub struct Artifact {
    pub path: PathBuf,
    pub text: String,
}

/// Loads the contract of the project at `root`.
pub fn load_spec(root: &Path) -> anyhow::Result<Spec> {
    Ok(Spec::load(root.join(SPEC))?.strict()?)
}

/// Every artifact generated from the contract, with the notes of each target.
pub fn expected(spec: &Spec) -> anyhow::Result<(Vec<Artifact>, Vec<Note>)> {
    let origin = Origin {
        source: SPEC,
        command: COMMAND,
    };
    let prepared = Prepared::new(spec).context("preparing the contract for the Rust targets")?;
    let model = rust_types::generate(&prepared, &origin).context("generating crates/api-types")?;
    let client = rust_client::generate_using(&prepared, &origin, &model, "api_types")
        .context("generating crates/api-client")?;
    let server = rust_server::generate_using(&prepared, &origin, &model, "api_types")
        .context("generating crates/api-server")?;
    let types = typescript::generate(spec, &origin).context("generating packages/api-types")?;
    let envelope = typescript::error_envelope(spec, &origin);
    let mut notes = prepared.notes;
    notes.extend(model.output.notes);
    notes.extend(client.notes);
    notes.extend(server.notes);
    notes.extend(types.notes);
    let artifacts = vec![
        Artifact {
            path: "crates/api-types/src/generated/mod.rs".into(),
            text: model.output.text,
        },
        Artifact {
            path: "crates/api-client/src/generated/mod.rs".into(),
            text: client.text,
        },
        Artifact {
            path: "crates/api-server/src/generated/mod.rs".into(),
            text: server.text,
        },
        Artifact {
            path: "packages/api-types/generated/index.d.ts".into(),
            text: types.text,
        },
        Artifact {
            path: "packages/api-fetch/src/generated/envelope.ts".into(),
            text: envelope.text,
        },
    ];
    Ok((artifacts, notes))
}

/// The artifacts whose file under `root` is missing or differs from the expected text.
pub fn stale<'a>(root: &Path, artifacts: &'a [Artifact]) -> Vec<&'a Artifact> {
    artifacts
        .iter()
        .filter(|a| {
            std::fs::read_to_string(root.join(&a.path))
                .map(|t| normalize_newlines(&t) != a.text)
                .unwrap_or(true)
        })
        .collect()
}

/// Writes `text` to `path` unless it already holds it; returns whether it wrote.
pub fn write_if_changed(path: &Path, text: &str) -> anyhow::Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|t| t == text) {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(true)
}

fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}
