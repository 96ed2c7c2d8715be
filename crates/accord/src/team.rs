//! The commands over a team's `accord.toml`: generate, verify, diff, conformance and init,
//! each printing its steps as `cargo xtask verify` does.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use xtask::ChecksFailed;
use xtask::generate::{ORIGIN_COMMAND, ORIGIN_SOURCE, Target};
use xtask::verify::step;

use crate::config::{self, Loaded};
use crate::spec::{self, Obtained, WORK};

/// The exit code of a command's outcome, its error printed.
pub fn exit(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("accord: error: {error:#}");
            ExitCode::from(xtask::exit_code(&error))
        }
    }
}

/// One Rust target in a process of its own: `generate --child --target X --spec S --out O`.
pub fn child(args: &[String]) -> anyhow::Result<()> {
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .with_context(|| format!("{flag} is missing"))
    };
    let target = match value("--target")?.as_str() {
        "typescript" => Target::Typescript,
        "rust-client" => Target::RustClient,
        "rust-server" => Target::RustServer,
        other => bail!("unknown target `{other}`"),
    };
    xtask::generate::one_target(
        &xtask::project_root(),
        Path::new(&value("--spec")?),
        Path::new(&value("--out")?),
        &[target],
    )
}

/// `generate --spec S --out O [--time-limit N]`: every target of one spec, as `reach` asks.
pub fn one_spec(args: &[String]) -> anyhow::Result<()> {
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let spec = value("--spec").context("--spec is missing")?;
    let out = value("--out").context("--out is missing")?;
    let time_limit = match value("--time-limit") {
        Some(n) => n
            .parse()
            .with_context(|| format!("--time-limit: `{n}` is not a number of seconds"))?,
        None => 120,
    };
    xtask::generate::try_spec(Path::new(&spec), Path::new(&out), &[], time_limit, false)
}

/// The team's own `tsc`: `node_modules/.bin/tsc` in `from` or a folder above it, up to
/// `root`.
fn team_tsc(root: &Path, from: &Path) -> Option<PathBuf> {
    let root = root.canonicalize().ok()?;
    let mut dir = from.canonicalize().ok()?;
    loop {
        let tsc = dir.join("node_modules/.bin/tsc");
        if tsc.is_file() {
            return Some(tsc);
        }
        if dir == root || !dir.pop() || !dir.starts_with(&root) {
            return None;
        }
    }
}

pub struct Team {
    loaded: Loaded,
}

impl Team {
    /// Reads `accord.toml` (`path`, or the nearest one from the current folder up).
    pub fn open(path: Option<&Path>) -> anyhow::Result<Team> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None => config::find(&std::env::current_dir()?)?,
        };
        Ok(Team {
            loaded: config::load(&path)?,
        })
    }

    /// Writes each configured target into `DIR/<target>` (`into`), or into its folder.
    pub fn generate(&self, into: Option<&Path>) -> anyhow::Result<()> {
        let spec = spec::obtain(&self.loaded)?;
        match into {
            Some(dir) => self.generate_into(&spec, dir),
            None => {
                let out = self.loaded.at(WORK).join("generated");
                self.generate_into(&spec, &out)?;
                for (target, folder) in self.loaded.targets() {
                    let from = out.join(target.name());
                    let to = self.loaded.at(&folder);
                    let copied = copy_tree(&from, &to)?;
                    println!(
                        "generate: {:<11} {copied} file(s) in {folder}",
                        target.name()
                    );
                }
                Ok(())
            }
        }
    }

    fn generate_into(&self, spec: &Obtained, out: &Path) -> anyhow::Result<()> {
        let targets: Vec<Target> = self.loaded.targets().into_iter().map(|(t, _)| t).collect();
        // SAFETY of the environment: set before any thread is started, read by the target
        // processes this one starts.
        unsafe {
            std::env::set_var(ORIGIN_SOURCE, &spec.label);
            std::env::set_var(ORIGIN_COMMAND, "accord generate");
        }
        xtask::generate::try_spec(
            &spec.file,
            out,
            &targets,
            300,
            self.loaded.config.spec.strict,
        )
    }

    /// The gate.
    pub fn verify(&self, base: Option<&str>, conformance: bool) -> anyhow::Result<()> {
        let mut failed: Vec<&str> = Vec::new();
        let spec = match spec::obtain(&self.loaded) {
            Ok(s) => s,
            Err(e) => {
                step("spec", false, &format!("{e:#}"));
                return Err(e);
            }
        };
        let document = accord_spec::Document::load(&spec.file).and_then(|d| {
            if self.loaded.config.spec.strict {
                d.check_strict()?;
            }
            Ok(d)
        });
        match &document {
            Ok(d) => step(
                "spec",
                true,
                &format!(
                    "{}: OpenAPI {}, {} operations, {} schemas{}",
                    spec.label,
                    d.source_version,
                    d.operation_count(),
                    d.schema_count(),
                    if d.notes.is_empty() {
                        String::new()
                    } else {
                        format!(", {} note(s)", d.notes.len())
                    }
                ),
            ),
            Err(e) => {
                step("spec", false, &format!("{}: {e}", spec.label));
                bail!("{}: {e}", spec.label);
            }
        }

        // Generated files: made afresh in a process of their own, compared with the folders.
        let fresh = self.loaded.at(WORK).join("verify");
        let _ = std::fs::remove_dir_all(&fresh);
        let exe = std::env::current_exe().context("cannot find the accord binary")?;
        let made = Command::new(&exe)
            .arg("--config")
            .arg(&self.loaded.path)
            .args(["generate", "--into"])
            .arg(&fresh)
            .output()
            .context("cannot run accord generate")?;
        if !made.status.success() {
            print!("{}", String::from_utf8_lossy(&made.stdout));
            step(
                "generated",
                false,
                "the targets could not be generated (above)",
            );
            failed.push("generated");
        } else {
            let mut stale = Vec::new();
            for (target, folder) in self.loaded.targets() {
                stale.extend(differing(
                    &fresh.join(target.name()),
                    &self.loaded.at(&folder),
                    &folder,
                )?);
            }
            if stale.is_empty() {
                step("generated", true, "every target up to date");
            } else {
                step(
                    "generated",
                    false,
                    &format!(
                        "{} stale: {}; run `accord generate` and commit the result",
                        stale.len(),
                        stale.join(", ")
                    ),
                );
                failed.push("generated");
            }
        }

        if !self.breaking(base, &spec)? {
            failed.push("breaking");
        }

        if let Some((_, folder)) = self
            .loaded
            .targets()
            .into_iter()
            .find(|(t, _)| *t == Target::Typescript)
        {
            let types = self.loaded.at(&folder).join("index.d.ts");
            let tsconfig = self.loaded.at(WORK).join("tsconfig.json");
            std::fs::write(
                &tsconfig,
                format!(
                    "{{\"compilerOptions\":{{\"strict\":true,\"noEmit\":true,\"types\":[]}},\"files\":[{:?}]}}\n",
                    types
                        .canonicalize()
                        .unwrap_or(types.clone())
                        .display()
                        .to_string()
                ),
            )?;
            // The team's own TypeScript when the repository has one installed (the nearest
            // node_modules/.bin/tsc from the types' folder up to the root), else accord's.
            let own = team_tsc(&self.loaded.root, &self.loaded.at(&folder));
            let (ok, output, which) = match &own {
                Some(tsc) => {
                    let output = Command::new(tsc)
                        .args(["--strict", "--noEmit", "--pretty", "false", "-p"])
                        .arg(&tsconfig)
                        .output()
                        .with_context(|| format!("cannot run {}", tsc.display()))?;
                    let text = String::from_utf8_lossy(&output.stdout).into_owned()
                        + &String::from_utf8_lossy(&output.stderr);
                    let shown = tsc
                        .strip_prefix(&self.loaded.root)
                        .unwrap_or(tsc)
                        .display()
                        .to_string();
                    (output.status.success(), text, format!("the team's {shown}"))
                }
                None => {
                    let (ok, text) = xtask::node::tsc(&xtask::project_root(), &tsconfig)?;
                    (ok, text, "accord's TypeScript".to_string())
                }
            };
            if !ok {
                eprint!("{output}");
                failed.push("typescript");
            }
            step(
                "typescript",
                ok,
                &format!("tsc --strict --noEmit {folder}/index.d.ts ({which})"),
            );
        }

        if conformance && self.loaded.config.conformance.is_some() {
            match self.conformance() {
                Ok(()) => step("conformance", true, "every scenario passed"),
                Err(e) => {
                    step("conformance", false, &format!("{e:#}"));
                    failed.push("conformance");
                }
            }
        }
        xtask::verify::outcome(&failed)
    }

    /// The `breaking` step: the spec against the base revision's, with the allow-list.
    fn breaking(&self, base: Option<&str>, spec: &Obtained) -> anyhow::Result<bool> {
        let base = base.or(self.loaded.config.diff.base.as_deref());
        let Some(rev) = xtask::verify::base_revision(&self.loaded.root, base) else {
            step(
                "breaking",
                true,
                "note: no base revision (not a git checkout, or no default branch); not compared",
            );
            return Ok(true);
        };
        let short: String = rev.chars().take(12).collect();
        let old_text = match spec::at_revision(&self.loaded, &rev) {
            Ok(Some(text)) => text,
            Ok(None) => {
                step(
                    "breaking",
                    true,
                    &format!("note: no spec at {short} to compare with"),
                );
                return Ok(true);
            }
            Err(e) => {
                step("breaking", false, &format!("the spec at {short}: {e:#}"));
                return Ok(false);
            }
        };
        let old_file = self.loaded.at(WORK).join(format!(
            "base-spec.{}",
            if old_text.trim_start().starts_with('{') {
                "json"
            } else {
                "yaml"
            }
        ));
        std::fs::write(&old_file, &old_text)?;
        let options = xtask::diff::Options {
            old: old_file.display().to_string(),
            new: spec.file.display().to_string(),
            format: None,
            changelog: false,
            allow: self
                .loaded
                .config
                .diff
                .allow
                .as_ref()
                .map(|a| self.loaded.at(a)),
            output: None,
            strict: self.loaded.config.spec.strict,
        };
        match xtask::diff::run(&self.loaded.root, &options) {
            Ok(()) => {
                step("breaking", true, &format!("{} against {short}", spec.label));
                Ok(true)
            }
            Err(e) if e.downcast_ref::<ChecksFailed>().is_some() => {
                step(
                    "breaking",
                    false,
                    &format!("{} against {short}: {e:#}", spec.label),
                );
                Ok(false)
            }
            Err(e) => {
                step("breaking", false, &format!("{e:#}"));
                Ok(false)
            }
        }
    }

    /// What changed against the base revision.
    pub fn diff(&self, base: Option<&str>) -> anyhow::Result<()> {
        let spec = spec::obtain(&self.loaded)?;
        if self.breaking(base, &spec)? {
            Ok(())
        } else {
            Err(ChecksFailed("the spec breaks its clients".into()).into())
        }
    }

    /// The conformance suite as `[conformance]` says, the backend started and stopped.
    pub fn conformance(&self) -> anyhow::Result<()> {
        let Some(c) = &self.loaded.config.conformance else {
            bail!("{}: no [conformance] section", self.loaded.path.display());
        };
        let _backend = match &c.backend {
            Some(b) => Some(Backend::start(&self.loaded, b)?),
            None => None,
        };
        let mut argv = vec![
            "accord conformance".to_string(),
            "--profile".to_string(),
            self.loaded.at(&c.profile).display().to_string(),
        ];
        if let Some(url) = &c.base_url {
            argv.extend(["--base-url".to_string(), url.clone()]);
        }
        if let Some(tags) = &c.tags {
            argv.extend(["--tags".to_string(), tags.clone()]);
        }
        let code = accord_conformance::cli::main(argv);
        if code == ExitCode::SUCCESS {
            Ok(())
        } else if code == ExitCode::from(1) {
            Err(ChecksFailed("the conformance suite failed".into()).into())
        } else {
            bail!("the conformance suite could not run (usage, profile or spec error)")
        }
    }
}

/// The files of `fresh` that `folder` lacks or holds otherwise, named under `label`.
fn differing(fresh: &Path, folder: &Path, label: &str) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for rel in files(fresh)? {
        let new = std::fs::read(fresh.join(&rel))?;
        let old = std::fs::read(folder.join(&rel)).ok();
        if old.as_deref() != Some(new.as_slice()) {
            out.push(format!("{label}/{}", rel.display()));
        }
    }
    Ok(out)
}

/// Every file under `dir`, relative to it, sorted.
fn files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(dir.join(&rel))
            .with_context(|| format!("cannot read {}", dir.join(&rel).display()))?
        {
            let entry = entry?;
            let path = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Copies every file of `from` into `to`; how many.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<usize> {
    let list = files(from)?;
    for rel in &list {
        let target = to.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from.join(rel), &target)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    Ok(list.len())
}

/// The backend the gate started: its process group is stopped when this is dropped.
struct Backend {
    child: Child,
}

impl Backend {
    fn start(loaded: &Loaded, b: &config::Backend) -> anyhow::Result<Backend> {
        use std::os::unix::process::CommandExt;
        let work = loaded.at(WORK);
        std::fs::create_dir_all(&work)?;
        let log_path = work.join("backend.log");
        let log = std::fs::File::create(&log_path)?;
        let child = Command::new("sh")
            .args(["-c", &b.command])
            .current_dir(&loaded.root)
            .envs(&b.env)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start the backend `{}`", b.command))?;
        let mut backend = Backend { child };
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = backend.child.try_wait() {
                bail!(
                    "the backend `{}` stopped ({status}) before {} answered; its output is in {}",
                    b.command,
                    b.health,
                    log_path.display()
                );
            }
            if http
                .get(&b.health)
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                println!(
                    "conformance: backend up in {:.1} s ({})",
                    started.elapsed().as_secs_f64(),
                    b.health
                );
                return Ok(backend);
            }
            if started.elapsed() > Duration::from_secs(b.wait) {
                bail!(
                    "the backend `{}` did not answer {} within {} s; its output is in {}",
                    b.command,
                    b.health,
                    b.wait,
                    log_path.display()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// Names a spec file in this repository, if one is named like one.
fn find_spec(root: &Path) -> Option<String> {
    let names = [
        "openapi.yaml",
        "openapi.yml",
        "openapi.json",
        "swagger.yaml",
        "swagger.json",
        "api.yaml",
    ];
    let folders = ["", "openapi", "api", "docs", "spec", "specs", "backend"];
    for folder in folders {
        for name in names {
            let rel = if folder.is_empty() {
                name.to_string()
            } else {
                format!("{folder}/{name}")
            };
            if root.join(&rel).is_file() {
                return Some(rel);
            }
        }
    }
    None
}

/// A FastAPI application in this repository: the folder to import from (the first above the
/// file that is no package, relative to the root) and the module that creates
/// `app = FastAPI(...)` (`backend/app/main.py` -> `backend`, `app.main`).
fn find_fastapi(root: &Path) -> Option<(String, String)> {
    let mut stack = vec![(root.to_path_buf(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if depth < 3
                    && !name.starts_with('.')
                    && !["node_modules", "target", "venv", "__pycache__"].contains(&name.as_str())
                {
                    stack.push((path, depth + 1));
                }
            } else if name.ends_with(".py")
                && std::fs::read_to_string(&path)
                    .is_ok_and(|t| t.lines().any(|l| l.starts_with("app = FastAPI(")))
            {
                // Up through the packages (folders with `__init__.py`).
                let mut top = path.parent()?.to_path_buf();
                while top.join("__init__.py").is_file() && top != root {
                    top = top.parent()?.to_path_buf();
                }
                let rel = path.strip_prefix(&top).ok()?.with_extension("");
                let module: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let folder = top.strip_prefix(root).ok()?.display().to_string();
                return Some((folder, module.join(".")));
            }
        }
    }
    None
}

/// Writes a commented `accord.toml` (never over one) and a conformance profile beside it.
pub fn init(path: Option<PathBuf>, spec_hint: Option<&str>) -> anyhow::Result<()> {
    let path = path.unwrap_or_else(|| PathBuf::from(config::FILE));
    if path.exists() {
        bail!("{} exists; init never overwrites it", path.display());
    }
    let root = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let (spec_line, why) = match spec_hint {
        Some(s) if s.starts_with("http://") || s.starts_with("https://") => {
            (format!("url = {s:?}"), "as given".to_string())
        }
        Some(s) => match s.strip_prefix("cmd:") {
            Some(cmd) => (format!("command = {cmd:?}"), "as given".to_string()),
            None => (format!("path = {s:?}"), "as given".to_string()),
        },
        None => match (find_spec(&root), find_fastapi(&root)) {
            (Some(file), _) => (format!("path = {file:?}"), format!("found {file}")),
            (None, Some((folder, module))) => {
                let cd = if folder.is_empty() {
                    String::new()
                } else {
                    format!("cd {folder} && ")
                };
                (
                    format!(
                        "command = {:?}",
                        format!(
                            "{cd}python -c 'import json, {module} as m; print(json.dumps(m.app.openapi()))'"
                        )
                    ),
                    format!(
                        "the FastAPI app in {module} builds it at run time; `python` must be the one with its dependencies (activate its virtualenv first)"
                    ),
                )
            }
            (None, None) => bail!(
                "no spec found (openapi.yaml, openapi.json... or a FastAPI app); give --spec FILE, --spec URL or --spec 'cmd:COMMAND'"
            ),
        },
    };
    let text = format!(
        r#"# accord's configuration for this repository; `accord verify` is the gate.

[spec]
# Where the spec is: one of `path` (a file), `url`, or `command` (whose output is the spec).
# ({why})
{spec_line}
# Refuse a document that needs a repair to be read (a broken OpenAPI "MUST").
strict = false

[generate]
# Each target's folder; accord owns the files it writes there. `accord generate` writes them,
# `accord verify` fails when a committed one is stale.
typescript = "generated/api-types"
# rust-client = "generated/api-client"
# rust-server = "generated/api-server"

[diff]
# The revision the spec is compared with (default: the merge base with the default branch).
# base = "origin/main"
# Accepted breaks, one `RULE-ID #/POINTER REASON` a line.
# allow = "openapi-breaking-allowed.txt"

# The conformance suite against the running backend. `accord init` wrote a first profile
# (accord-profile.toml): fill in its credentials and origins, then uncomment this section.
# [conformance]
# profile = "accord-profile.toml"
# [conformance.backend]
# command = "uvicorn app.main:app --port 8000"
# health = "http://127.0.0.1:8000/docs"
# env = {{ DATABASE_URL = "sqlite:///./accord.db" }}
# wait = 60
"#
    );
    config::parse(&text).context("the written configuration does not read back")?;
    std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
    println!("init: wrote {} ({why})", path.display());
    // What accord makes for itself (fetched specs, fresh targets, logs) is never committed.
    let ignore = root.join(".gitignore");
    let ignored = std::fs::read_to_string(&ignore).unwrap_or_default();
    if !ignored
        .lines()
        .any(|l| l.trim() == ".accord/" || l.trim() == "/.accord/")
    {
        let sep = if ignored.is_empty() || ignored.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        std::fs::write(&ignore, format!("{ignored}{sep}.accord/\n"))?;
        println!("init: added .accord/ to {}", ignore.display());
    }
    // The profile from the spec, when the spec can be read now.
    let profile = root.join("accord-profile.toml");
    if !profile.exists() {
        let loaded = config::load(&path)?;
        match spec::obtain(&loaded).and_then(|s| Ok((accord_spec::Document::load(&s.file)?, s))) {
            Ok((doc, s)) => {
                let location = if loaded.config.spec.path.is_some() {
                    s.label.clone()
                } else {
                    s.file
                        .strip_prefix(&root)
                        .unwrap_or(&s.file)
                        .display()
                        .to_string()
                };
                let text = accord_conformance::init::profile(&doc.document, &location, None);
                std::fs::write(&profile, text)?;
                println!("init: wrote {} (from the spec)", profile.display());
            }
            Err(e) => println!("init: no profile written: the spec cannot be read now ({e:#})"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fastapi_app_is_imported_from_above_its_packages() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("backend/app");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(app.join("__init__.py"), "").unwrap();
        std::fs::write(
            app.join("main.py"),
            "from fastapi import FastAPI\n\napp = FastAPI(title=\"x\")\n",
        )
        .unwrap();
        assert_eq!(
            find_fastapi(dir.path()),
            Some(("backend".to_string(), "app.main".to_string()))
        );
        assert_eq!(find_spec(dir.path()), None);
        std::fs::write(dir.path().join("openapi.json"), "{}").unwrap();
        assert_eq!(find_spec(dir.path()).as_deref(), Some("openapi.json"));
    }
}
