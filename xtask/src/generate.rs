//! `cargo xtask generate`: writes every artifact from the contract, or, with `--spec` and
//! `--out`, runs every target on another spec so a team can try accord on its own API.

use std::path::Path;

use accord_codegen::{Note, Origin, rust_client, typescript};
use accord_spec::Spec;
use anyhow::Context;

use crate::artifacts::{self, write_if_changed};

/// Regenerates the checked-in artifacts of the project at `root`.
pub fn run(root: &Path) -> anyhow::Result<()> {
    let spec = artifacts::load_spec(root)?;
    let (files, notes) = artifacts::expected(&spec)?;
    print_notes(&notes);
    for file in &files {
        let wrote = write_if_changed(&root.join(&file.path), &file.text)?;
        println!(
            "generate: {:<9} {}",
            if wrote { "wrote" } else { "unchanged" },
            file.path.display()
        );
    }
    Ok(())
}

/// Runs every target on `spec_path`, writing a Rust client crate and a TypeScript package under `out`.
pub fn try_spec(spec_path: &Path, out: &Path) -> anyhow::Result<()> {
    let spec = Spec::load(spec_path)?;
    let (source, command) = spec_origin(spec_path, out);
    let origin = Origin {
        source: &source,
        command: &command,
    };
    println!(
        "generate: loaded {source} (OpenAPI {}, {} operations)",
        spec.source_version,
        spec.operations().len()
    );
    print_notes(&spec.notes);
    let mut written = Vec::new();
    // The Rust client is generated in a child process: typify can recurse without end on some
    // recursive schemas, and a stack overflow aborts the process instead of unwinding.
    let exe = std::env::current_exe().context("cannot find the xtask binary")?;
    let status = std::process::Command::new(exe)
        .args(["generate", "--rust-only", "--spec"])
        .arg(spec_path)
        .arg("--out")
        .arg(out)
        .status()
        .context("cannot start the Rust client generator")?;
    let rust_ok = status.success();
    match status.code() {
        Some(0) => written.push(out.join("rust-client")),
        Some(_) => eprintln!("generate: rust client skipped (see above)"),
        None => eprintln!(
            "generate: rust client skipped: the generator crashed ({status}); typify recurses without end on some \
             recursive allOf schemas; the TypeScript package is still written"
        ),
    }
    let types = typescript::generate(&spec, &origin).context("generating TypeScript types")?;
    print_notes(&types.notes);
    let dir = out.join("typescript");
    write_if_changed(&dir.join("index.d.ts"), &types.text)?;
    write_if_changed(
        &dir.join("package.json"),
        &types_manifest(&crate_name(spec.title())),
    )?;
    written.push(dir);
    for dir in written {
        println!("generate: wrote {}", dir.display());
    }
    if !rust_ok {
        return Err(crate::ChecksFailed(
            "the Rust client could not be generated; the TypeScript package was written".into(),
        )
        .into());
    }
    Ok(())
}

/// Writes only the Rust client crate for `spec_path` (the child process of [`try_spec`]).
pub fn rust_client_only(spec_path: &Path, out: &Path) -> anyhow::Result<()> {
    let spec = Spec::load(spec_path)?;
    let (source, command) = spec_origin(spec_path, out);
    let origin = Origin {
        source: &source,
        command: &command,
    };
    let client = rust_client::generate(&spec, &origin)
        .map_err(|e| anyhow::anyhow!("rust client skipped: {e}"))?;
    print_notes(&client.notes);
    let dir = out.join("rust-client");
    write_if_changed(
        &dir.join("Cargo.toml"),
        &client_manifest(&crate_name(spec.title())),
    )?;
    write_if_changed(&dir.join("src/lib.rs"), &client.text)?;
    Ok(())
}

/// The source and regeneration command named in the header of files made by `--spec`.
fn spec_origin(spec_path: &Path, out: &Path) -> (String, String) {
    let source = spec_path.display().to_string();
    let command = format!(
        "cargo xtask generate --spec {source} --out {}",
        out.display()
    );
    (source, command)
}

fn print_notes(notes: &[Note]) {
    for note in notes {
        println!("generate: note: {note}");
    }
}

fn crate_name(title: &str) -> String {
    let name: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let name = name
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if name.is_empty() {
        "api-client".into()
    } else {
        format!("{name}-client")
    }
}

fn client_manifest(name: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
progenitor-client = "0.15.1"
reqwest = {{ version = "0.13", default-features = false, features = ["json", "rustls", "query"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
chrono = {{ version = "0.4", features = ["serde"] }}
uuid = {{ version = "1", features = ["serde"] }}
regress = "0.12"
"#
    )
}

fn types_manifest(name: &str) -> String {
    format!(
        r#"{{
  "name": "{}-types",
  "version": "0.1.0",
  "private": true,
  "types": "./index.d.ts",
  "exports": {{ ".": {{ "types": "./index.d.ts" }} }}
}}
"#,
        name.trim_end_matches("-client")
    )
}
