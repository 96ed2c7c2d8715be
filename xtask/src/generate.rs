//! `cargo xtask generate`: writes every artifact from the contract, or, with `--spec` and
//! `--out`, runs every target on another spec so a team can try accord on its own API.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use accord_codegen::{Note, Origin, Prepared, rust_client, rust_server, typescript};
use accord_spec::{Document, Spec};
use anyhow::Context;

use crate::artifacts::{self, write_if_changed};

/// Regenerates the checked-in artifacts of the project at `root`.
pub fn run(root: &Path) -> anyhow::Result<()> {
    let spec = artifacts::load_spec(root)?;
    let (files, notes) = artifacts::expected(&spec)?;
    print_notes("contract", &notes);
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

/// A target of `generate --spec`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    Typescript,
    RustClient,
    RustServer,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Typescript, Target::RustClient, Target::RustServer];

    pub fn name(self) -> &'static str {
        match self {
            Target::Typescript => "typescript",
            Target::RustClient => "rust-client",
            Target::RustServer => "rust-server",
        }
    }
}

/// Runs the `targets` (all when empty) on `spec_path`, each into its folder under `out`.
///
/// The TypeScript target runs here, first: it is fast and cannot crash. Each Rust target runs
/// in a child process of its own, both at once, with `time_limit` seconds each: a generator
/// that panics, overflows its stack or runs long is stopped and reported, and the others are
/// written all the same.
pub fn try_spec(
    spec_path: &Path,
    out: &Path,
    targets: &[Target],
    time_limit: u64,
    strict: bool,
) -> anyhow::Result<()> {
    let targets: Vec<Target> = if targets.is_empty() {
        Target::ALL.to_vec()
    } else {
        Target::ALL
            .into_iter()
            .filter(|t| targets.contains(t))
            .collect()
    };
    let started = Instant::now();
    // Loaded, normalized and checked, not typed: the TypeScript target reads the JSON, and
    // each Rust target types the document in its own process.
    let spec = Document::load(spec_path)?;
    if strict {
        spec.check_strict()?;
    }
    println!(
        "generate: loaded {} (OpenAPI {}, {} operations, {} schemas) in {:.2} s",
        spec_path.display(),
        spec.source_version,
        spec.operation_count(),
        spec.schema_count(),
        started.elapsed().as_secs_f64()
    );
    print_notes("spec", &spec.notes);

    // The Rust targets start first, in the background, so the TypeScript one costs no wait.
    let exe = std::env::current_exe().context("cannot find the xtask binary")?;
    let mut children = Vec::new();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for target in targets.iter().copied().filter(|t| *t != Target::Typescript) {
        // What the child prints goes to a file: a pipe nobody reads while waiting would
        // fill up and stall a child that notes much.
        let log_path = child_log(out, target);
        let log = std::fs::File::create(&log_path)
            .with_context(|| format!("cannot write {}", log_path.display()))?;
        let child = std::process::Command::new(&exe)
            .args(["generate", "--child", "--target", target.name(), "--spec"])
            .arg(spec_path)
            .arg("--out")
            .arg(out)
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .with_context(|| format!("cannot start the {} generator", target.name()))?;
        children.push((target, Instant::now(), child));
    }

    let mut failed = Vec::new();
    if targets.contains(&Target::Typescript) {
        let at = Instant::now();
        match write_typescript(&spec, spec_path, out) {
            Ok(dir) => println!(
                "generate: typescript  ok in {:.2} s: {}",
                at.elapsed().as_secs_f64(),
                dir.display()
            ),
            Err(e) => {
                println!("generate: typescript  failed: {e:#}");
                failed.push(Target::Typescript);
            }
        }
    }

    // The document is no longer needed here. Freeing a large one is a tenth of the
    // TypeScript target's time: while children run it costs no wait, and with none the
    // process ends now and the system takes its memory back at once.
    if children.is_empty() {
        std::mem::forget(spec);
    } else {
        drop(spec);
    }

    // Each child is reported as it ends (or is stopped at the time limit).
    let limit = Duration::from_secs(time_limit.max(1));
    let mut running = children;
    let bar = crate::progress(0, "");
    while !running.is_empty() {
        let names: Vec<&str> = running.iter().map(|(t, _, _)| t.name()).collect();
        bar.set_message(format!("generating {}", names.join(", ")));
        let mut still = Vec::new();
        for (target, at, mut child) in running {
            let status = match child.try_wait() {
                Ok(Some(status)) => Some(status),
                Ok(None) if at.elapsed() >= limit => {
                    let _ = child.kill();
                    None
                }
                Ok(None) => {
                    still.push((target, at, child));
                    continue;
                }
                Err(e) => {
                    println!(
                        "generate: {:<11} failed: cannot wait for it: {e}",
                        target.name()
                    );
                    failed.push(target);
                    continue;
                }
            };
            bar.suspend(|| report_child(target, at, child, status, out, time_limit, &mut failed));
        }
        running = still;
        if !running.is_empty() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    bar.finish_and_clear();
    println!(
        "generate: {} of {} target(s) written in {:.1} s",
        targets.len() - failed.len(),
        targets.len(),
        started.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        let names: Vec<&str> = failed.iter().map(|t| t.name()).collect();
        return Err(crate::ChecksFailed(format!(
            "not written: {}; the other targets were",
            names.join(", ")
        ))
        .into());
    }
    Ok(())
}

fn child_log(out: &Path, target: Target) -> PathBuf {
    out.join(format!(".{}.log", target.name()))
}

/// Prints what a finished (or stopped) target child printed, and its outcome.
fn report_child(
    target: Target,
    at: Instant,
    child: std::process::Child,
    status: Option<std::process::ExitStatus>,
    out: &Path,
    time_limit: u64,
    failed: &mut Vec<Target>,
) {
    let seconds = at.elapsed().as_secs_f64();
    let mut child = child;
    let _ = child.wait();
    let log = child_log(out, target);
    let printed = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    for line in printed.lines().filter(|l| !l.trim().is_empty()) {
        println!("{line}");
    }
    match status {
        Some(s) if s.success() => println!(
            "generate: {:<11} ok in {seconds:.1} s: {}",
            target.name(),
            out.join(target.name()).display()
        ),
        Some(s) => {
            let why = if s.code().is_some() {
                "see above".to_string()
            } else {
                format!(
                    "the generator crashed ({s}); typify recurses without end on some recursive schemas"
                )
            };
            println!(
                "generate: {:<11} failed after {seconds:.1} s: {why}",
                target.name()
            );
            failed.push(target);
        }
        None => {
            println!(
                "generate: {:<11} stopped: over the time limit of {time_limit} s (--time-limit)",
                target.name()
            );
            failed.push(target);
        }
    }
}

fn write_typescript(spec: &Document, spec_path: &Path, out: &Path) -> anyhow::Result<PathBuf> {
    let (source, command) = spec_origin(spec_path, out);
    let origin = Origin {
        source: &source,
        command: &command,
    };
    let types = typescript::generate(spec, &origin)?;
    print_notes("typescript", &types.notes);
    let dir = out.join(Target::Typescript.name());
    let declared = spec.operation_count();
    losses("typescript", declared, &types.notes, &origin, &dir)?;
    write_if_changed(&dir.join("index.d.ts"), &types.text)?;
    write_if_changed(
        &dir.join("package.json"),
        &types_manifest(&package_name(spec.title())),
    )?;
    Ok(dir)
}

/// Writes one Rust target for `spec_path` (the child process of [`try_spec`]).
pub fn one_target(
    root: &Path,
    spec_path: &Path,
    out: &Path,
    targets: &[Target],
) -> anyhow::Result<()> {
    let spec = Spec::load(spec_path)?;
    let (source, command) = spec_origin(spec_path, out);
    let origin = Origin {
        source: &source,
        command: &command,
    };
    let name = package_name(spec.title());
    // The Rust targets read one prepared model; the TypeScript one reads the spec as loaded.
    let declared = spec.operations().len();
    let prepared = if targets.iter().any(|t| *t != Target::Typescript) {
        let prepared = Prepared::new(&spec)?;
        // What preparing decided concerns what progenitor cannot express: the client's.
        if targets.contains(&Target::RustClient) {
            print_notes(Target::RustClient.name(), &prepared.notes);
        }
        Some(prepared)
    } else {
        None
    };
    for target in targets {
        let dir = out.join(target.name());
        match target {
            Target::Typescript => {
                write_typescript(&spec, spec_path, out)?;
            }
            Target::RustClient => {
                let Some(prepared) = &prepared else { continue };
                let client = rust_client::generate(prepared, &origin)?;
                print_notes("rust-client", &client.notes);
                let mut notes = prepared.notes.clone();
                notes.extend(client.notes.iter().cloned());
                losses("rust-client", declared, &notes, &origin, &dir)?;
                write_if_changed(
                    &dir.join("Cargo.toml"),
                    &client_manifest(&format!("{name}-client")),
                )?;
                write_if_changed(&dir.join("src/lib.rs"), &client.text)?;
            }
            Target::RustServer => {
                let Some(prepared) = &prepared else { continue };
                let server = rust_server::generate(prepared, &origin)?;
                print_notes("rust-server", &server.notes);
                losses("rust-server", declared, &server.notes, &origin, &dir)?;
                write_if_changed(
                    &dir.join("Cargo.toml"),
                    &server_manifest(
                        &format!("{name}-server"),
                        &root.join("crates/server-runtime"),
                    ),
                )?;
                write_if_changed(&dir.join("src/lib.rs"), &server.text)?;
            }
        }
    }
    Ok(())
}

/// Says once what a target left out: one summary line on the terminal (operations written of
/// those declared, the first operations left out, how many notes), and the same with every
/// note in the target's `README.md`, where a user of the generated crate or package looks.
fn losses(
    target: &str,
    declared: usize,
    notes: &[Note],
    origin: &Origin,
    dir: &Path,
) -> anyhow::Result<()> {
    let left: Vec<&Note> = notes
        .iter()
        .filter(|n| accord_codegen::leaves_operation_out(n))
        .collect();
    let written = declared.saturating_sub(left.len());
    let mut summary = format!("{written} of {declared} operations");
    if !left.is_empty() {
        let first: Vec<&str> = left.iter().take(3).map(|n| n.message.as_str()).collect();
        let _ = write!(
            summary,
            ", {} left out (first: {}{})",
            left.len(),
            first.join("; "),
            if left.len() > 3 { "; ..." } else { "" }
        );
    }
    let _ = write!(
        summary,
        "; {} note(s){}",
        notes.len(),
        if notes.is_empty() {
            ""
        } else {
            ", every one in README.md"
        }
    );
    println!("generate: {target}: {summary}");
    let mut readme = format!(
        "# {target}\n\nGenerated from `{}` by `{}`; do not edit it, change the spec and run the command again.\n\n## What it leaves out\n\n{summary}.\n",
        origin.source, origin.command
    );
    if !notes.is_empty() {
        readme.push_str("\nEvery note, located by its JSON pointer in the spec:\n\n");
        for note in notes {
            let at = if note.pointer.is_empty() {
                "#"
            } else {
                &note.pointer
            };
            let _ = writeln!(readme, "- `{at}`: {}", note.message);
        }
    }
    write_if_changed(&dir.join("README.md"), &readme)?;
    Ok(())
}

/// The source and regeneration command named in the header of files made by `--spec`.
/// `accord generate` names the spec as its `accord.toml` does and itself as the command
/// (through [`ORIGIN_SOURCE`] and [`ORIGIN_COMMAND`], which its target processes inherit).
fn spec_origin(spec_path: &Path, out: &Path) -> (String, String) {
    let source = std::env::var(ORIGIN_SOURCE).unwrap_or_else(|_| spec_path.display().to_string());
    let command = std::env::var(ORIGIN_COMMAND).unwrap_or_else(|_| {
        format!(
            "cargo xtask generate --spec {source} --out {}",
            out.display()
        )
    });
    (source, command)
}

/// The environment variables that name, in the generated files' header, where the spec came
/// from and which command regenerates them.
pub const ORIGIN_SOURCE: &str = "ACCORD_ORIGIN_SOURCE";
pub const ORIGIN_COMMAND: &str = "ACCORD_ORIGIN_COMMAND";

fn print_notes(target: &str, notes: &[Note]) {
    // One write for all of them: a document can have thousands of notes, and standard output
    // writes each line on its own.
    let mut text = String::new();
    for note in notes {
        let _ = writeln!(text, "generate: {target}: note: {note}");
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The package name stem from the API's title: `Stripe API` -> `stripe-api`.
fn package_name(title: &str) -> String {
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
    match name.chars().next() {
        None => "api".into(),
        Some(c) if c.is_ascii_digit() => format!("api-{name}"),
        Some(_) => name,
    }
}

fn client_manifest(name: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

# A workspace of its own, wherever the folder is.
[workspace]

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

fn server_manifest(name: &str, runtime: &Path) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

# A workspace of its own, wherever the folder is.
[workspace]

[dependencies]
accord-server-runtime = {{ path = {runtime:?} }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
chrono = {{ version = "0.4", features = ["serde"] }}
uuid = {{ version = "1", features = ["serde"] }}
regress = "0.12"
"#,
        runtime = runtime.display().to_string()
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
        name
    )
}
