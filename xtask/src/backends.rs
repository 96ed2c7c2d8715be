//! `cargo xtask backends [NAME...]`: the conformance suite against real open-source backends
//! that nobody here wrote, each run on loopback from its own source and dependencies by
//! `xtask/backends/NAME/backend.sh` (`setup SOURCE`, `start`, `stop`, `credentials`), with
//! the profile a new user writes (`xtask/backends/NAME/profile.toml`). The sources are the
//! repositories at the commit each script pins, found under `--sources` (one
//! `OWNER+NAME` folder each, as the search tool's `fetch` lays them out). Never part of CI:
//! it needs those sources, PostgreSQL and the package registries. `reference` is accord's own
//! reference backend, built from this workspace (`REPOSITORY=local`), with the profile
//! `verify` uses (`PROFILE=...`), so the side-by-side covers it too.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// How `run` runs the suite: the flags passed on, whether Schemathesis runs beside it, and
/// whether the profile is the one `init` derives from the spec rather than the one written.
pub struct Mode {
    pub flags: Vec<String>,
    pub peer: bool,
    pub init: bool,
    /// Also start each broken copy the backend's `broken.tsv` lists and check that the
    /// suite fails it by the rule it names.
    pub broken: bool,
}

/// One broken copy of a backend (a line of its `broken.tsv`: the name `backend.sh start`
/// takes in `ACCORD_BROKEN`, the rule that must fail, and text the failure must hold).
struct Broken {
    name: String,
    rule: String,
    detail: String,
}

/// The broken copies `dir/broken.tsv` lists (none without one).
fn broken_copies(dir: &Path) -> Vec<Broken> {
    std::fs::read_to_string(dir.join("broken.tsv"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split('\t');
            Some(Broken {
                name: parts.next()?.trim().to_string(),
                rule: parts.next()?.trim().to_string(),
                detail: parts.next().unwrap_or("").trim().to_string(),
            })
        })
        .collect()
}

/// Whether the suite's console output `stdout` fails `b`'s rule with its detail: a step
/// failure (`rule NAME: ...`) or, for `spec`, a spec finding.
fn caught(stdout: &str, b: &Broken) -> bool {
    let marker = if b.rule == "spec" {
        "finding rule spec: ".to_string()
    } else {
        format!("rule {}: ", b.rule)
    };
    // A failure's line and the problems listed under it (`- ...`).
    let mut within = false;
    for line in stdout.lines() {
        let item = line.trim_start().starts_with("- ");
        if line.contains(&marker) {
            within = true;
        } else if !item {
            within = false;
        }
        if within && line.contains(&b.detail) {
            return true;
        }
    }
    false
}

/// One backend's run: its name and the suite's summary line (or why it could not run).
pub struct Outcome {
    pub name: String,
    pub summary: String,
}

/// The pinned peer tool of `--beside-schemathesis`.
const SCHEMATHESIS: &str = "4.32.5";

/// The features whose checks a fuzzer such as Schemathesis makes too (generated inputs,
/// responses against the spec, authentication, methods and `Allow`), without the wait for a
/// token to expire (it measures the backend's token lifetime, not the tool). The rest of the
/// suite (CORS, refresh, cookies, uploads, rate limits, WebSocket) checks what no fuzzer looks
/// for; its wall time is shown apart.
const FUZZER_SCOPE: &str = "(@behaviour or @auth or @errors) and not @expiry";

/// What one tool found on one backend, for the side-by-side table.
struct Found {
    tool: String,
    seconds: f64,
    classes: Vec<String>,
}

/// The pinned Schemathesis in `target/bench-tools/schemathesis` (the benchmark's), installed
/// from PyPI on first use; the path of its `st`.
fn schemathesis(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = root.join("target/bench-tools/schemathesis");
    let st = venv.join("bin/st");
    let current = Command::new(&st)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(SCHEMATHESIS));
    if !current {
        eprintln!(
            "installing Schemathesis {SCHEMATHESIS} from PyPI into {}",
            venv.display()
        );
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()?
            .success()
            && Command::new(venv.join("bin/pip"))
                .args([
                    "install",
                    "--quiet",
                    &format!("schemathesis=={SCHEMATHESIS}"),
                ])
                .status()?
                .success();
        if !ok {
            bail!("cannot install Schemathesis {SCHEMATHESIS}");
        }
    }
    Ok(st)
}

/// The failure classes accord's console names: each failing rule once, and the findings.
fn accord_classes(stdout: &str) -> Vec<String> {
    let mut rules: Vec<String> = Vec::new();
    for line in stdout.lines() {
        let line = line.trim_start();
        let rest = line
            .strip_prefix("Check failed: ")
            .or_else(|| line.strip_prefix("- "))
            .unwrap_or_default();
        if let Some(rule) = rest.strip_prefix("rule ").and_then(|r| r.split(':').next())
            && !rules.iter().any(|r| r == rule)
        {
            rules.push(rule.to_string());
        }
    }
    rules.sort();
    // The summary's count: the console prints the findings of one cause on many
    // operations as one line.
    let findings: usize = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("conformance: "))
        .and_then(|l| l.split("; ").find(|p| p.ends_with(" spec finding(s)")))
        .and_then(|p| p.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if findings > 0 {
        rules.push(format!("spec findings: {findings}"));
    }
    rules
}

/// Runs Schemathesis against the started backend `name` with the token its script gives.
fn beside(root: &Path, name: &str, base: &str) -> anyhow::Result<Found> {
    let st = schemathesis(root)?;
    // Its time includes its sign-in, as accord's does its own (on the fresh backend, a
    // sign-up and a sign-in: a password hash each).
    let started = std::time::Instant::now();
    let token = script(root, name, &["token"])?;
    let mut lines = token.lines();
    let header = lines.next().unwrap_or_default().trim().to_string();
    let spec = lines.next().unwrap_or_default().trim().to_string();
    // Schemathesis keeps a `.schemathesis/` cache in its working folder: under target/.
    // An open API (its script gives an empty header line) is called without one.
    let header: Vec<&str> = if header.is_empty() {
        vec![]
    } else {
        vec!["-H", &header]
    };
    let output = Command::new(&st)
        .current_dir(root.join("target"))
        .args(["run", &spec, "--url", base])
        .args(header)
        .args(["--max-examples", "25"])
        .output()
        .context("cannot run Schemathesis")?;
    let seconds = started.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let reports = root.join("target/backends").join(name);
    std::fs::create_dir_all(&reports)?;
    std::fs::write(reports.join("schemathesis.txt"), &text)?;
    let mut classes: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("❌ ST") || l.starts_with("❌ Server error"))
        .map(|l| l.trim_start_matches("❌ ").to_string())
        .collect();
    if classes.is_empty() {
        classes.push("no failure".into());
    }
    Ok(Found {
        tool: format!("Schemathesis {SCHEMATHESIS}"),
        seconds,
        classes,
    })
}

/// Stops the backend `name` and starts it again, on a fresh database (each script's `start`
/// lays one down).
fn restart(root: &Path, name: &str) -> anyhow::Result<()> {
    eprintln!("{name}: starting afresh");
    script(root, name, &["stop"])?;
    script(root, name, &["start"])?;
    Ok(())
}

/// The spec a profile names (`spec = "..."`), relative to the profile's folder.
fn profile_spec(profile: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(profile)
        .with_context(|| format!("cannot read {}", profile.display()))?;
    let spec = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("spec").map(str::trim))
        .and_then(|l| l.strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_string())
        .with_context(|| format!("{}: names no `spec`", profile.display()))?;
    if spec.contains("://") {
        return Ok(spec);
    }
    let dir = profile.parent().unwrap_or(Path::new("."));
    Ok(dir.join(spec).display().to_string())
}

fn script_value(script: &str, key: &str) -> Option<String> {
    script
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(|v| v.trim().trim_matches('"').to_string())
}

/// The backends of `xtask/backends/`, by name.
pub fn available(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("xtask/backends"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("backend.sh").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn script(root: &Path, name: &str, args: &[&str]) -> anyhow::Result<String> {
    script_broken(root, name, args, None)
}

/// [`script`], with `ACCORD_BROKEN` set to `broken` (the broken copy `start` starts).
fn script_broken(
    root: &Path,
    name: &str,
    args: &[&str],
    broken: Option<&str>,
) -> anyhow::Result<String> {
    let path = root.join("xtask/backends").join(name).join("backend.sh");
    // The backends' work folders (sources, dependencies, databases) under target/, where
    // their profiles find the specs the scripts lay there.
    let output = Command::new("bash")
        .arg(&path)
        .args(args)
        .env("ACCORD_BACKENDS_DIR", root.join("target/backends-work"))
        .env("ACCORD_BROKEN", broken.unwrap_or(""))
        .output()
        .with_context(|| format!("cannot run {}", path.display()))?;
    if !output.status.success() {
        bail!(
            "{name}: `backend.sh {}` failed ({}):\n{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn one(
    root: &Path,
    name: &str,
    sources: &Path,
    mode: &Mode,
    table: &mut Vec<(String, Found)>,
) -> anyhow::Result<String> {
    let path = root.join("xtask/backends").join(name);
    let text = std::fs::read_to_string(path.join("backend.sh"))?;
    let repository = script_value(&text, "REPOSITORY")
        .with_context(|| format!("{name}: backend.sh names no REPOSITORY"))?;
    // `REPOSITORY=local`: built from this workspace, nothing fetched.
    let source = if repository == "local" {
        root.to_path_buf()
    } else {
        sources.join(repository.replace('/', "+")).join("repo")
    };
    // `PROFILE=PATH` (from the workspace root) names a profile kept elsewhere.
    let profile = match script_value(&text, "PROFILE") {
        Some(p) => root.join(p),
        None => path.join("profile.toml"),
    };
    if !source.exists() {
        bail!(
            "{name}: {} is missing: fetch {repository} first (or give --sources)",
            source.display()
        );
    }
    eprintln!("{name}: setting up from {}", source.display());
    script(root, name, &["setup", &source.display().to_string()])?;
    eprintln!("{name}: starting");
    let started = script(root, name, &["start"]);
    let result = started.and_then(|out| {
        let base = out.lines().last().unwrap_or_default().trim().to_string();
        let credentials = script(root, name, &["credentials"])?;
        // Beside Schemathesis the suite runs optimized, as the peer does (the first such run
        // builds it: minutes); otherwise the debug build the other commands share.
        let binary = if mode.peer {
            crate::backend::build_optimized(root, "accord-conformance", "accord-conformance")?
        } else {
            crate::backend::build_binary(root, "accord-conformance", "accord-conformance")?
        };
        // A run with the derived profile keeps its reports apart from the written one's.
        let reports = root.join("target/backends").join(if mode.init {
            format!("{name}-init")
        } else {
            name.to_string()
        });
        std::fs::create_dir_all(&reports)?;
        // One run of the suite: its console output and wall time.
        let suite = |tags: Option<&str>, reports: &Path| -> anyhow::Result<(String, f64)> {
            std::fs::create_dir_all(reports)?;
            let mut command = Command::new(&binary);
            if mode.init {
                // No profile: the spec the written one names, read as `init` reads it.
                command.arg("--spec").arg(profile_spec(&profile)?);
            } else {
                command.arg("--profile").arg(&profile);
            }
            command
                .arg("--base-url")
                .arg(&base)
                .arg("--junit")
                .arg(reports.join("junit.xml"))
                .arg("--html")
                .arg(reports.join("report.html"))
                .args(&mode.flags);
            if let Some(tags) = tags {
                command.arg("--tags").arg(tags);
            }
            for line in credentials.lines() {
                if let Some((k, v)) = line.split_once('=') {
                    command.env(k.trim(), v.trim());
                }
            }
            let started = std::time::Instant::now();
            let output = command.output().context("cannot run accord-conformance")?;
            let seconds = started.elapsed().as_secs_f64();
            Ok((
                String::from_utf8_lossy(&output.stdout).into_owned(),
                seconds,
            ))
        };
        let (stdout, seconds) = suite(None, &reports)?;
        if mode.peer {
            table.push((
                name.to_string(),
                Found {
                    tool: "accord, whole suite".into(),
                    seconds,
                    classes: accord_classes(&stdout),
                },
            ));
            // What a fuzzer checks, alone: the comparison the goal is judged on. Each tool
            // meets a backend started afresh, as the whole suite did: a list that an earlier
            // run filled answers slower (Baby Buddy's records, which no run can delete all
            // of), and its data would decide which tool looks faster.
            restart(root, name)?;
            let (scoped, seconds) = suite(Some(FUZZER_SCOPE), &reports.join("fuzzer-scope"))?;
            std::fs::write(reports.join("fuzzer-scope/console.txt"), &scoped)?;
            table.push((
                name.to_string(),
                Found {
                    tool: "accord, fuzzer's scope".into(),
                    seconds,
                    classes: accord_classes(&scoped),
                },
            ));
            restart(root, name)?;
            match beside(root, name, &base) {
                Ok(found) => table.push((name.to_string(), found)),
                Err(e) => eprintln!("{name}: Schemathesis could not run: {e:#}"),
            }
        }
        std::fs::write(reports.join("console.txt"), &stdout)?;
        eprintln!(
            "{name}: console output in {}",
            reports.join("console.txt").display()
        );
        let mut summary = stdout
            .lines()
            .rev()
            .find(|l| l.starts_with("conformance: "))
            .unwrap_or("the suite printed no summary")
            .to_string();
        // Each broken copy, started in turn: the rule it names must fail.
        for b in broken_copies(&path).iter().filter(|_| mode.broken) {
            eprintln!("{name}: starting the broken copy `{}`", b.name);
            script(root, name, &["stop"])?;
            script_broken(root, name, &["start"], Some(&b.name))?;
            let (out, _) = suite(None, &reports.join(format!("broken-{}", b.name)))?;
            let verdict = if caught(&out, b) { "caught" } else { "MISSED" };
            summary.push_str(&format!(
                "\n  broken copy `{}`: {verdict} (rule {}{})",
                b.name,
                b.rule,
                if b.detail.is_empty() {
                    String::new()
                } else {
                    format!(": {}", b.detail)
                }
            ));
        }
        Ok(summary)
    });
    let stopped = script(root, name, &["stop"]);
    let summary = result?;
    stopped?;
    Ok(summary)
}

/// Runs the suite against each backend of `names` (all when empty); `flags` go to
/// accord-conformance. Prints one summary line per backend.
pub fn run(
    root: &Path,
    names: &[String],
    sources: Option<PathBuf>,
    mode: &Mode,
) -> anyhow::Result<Vec<Outcome>> {
    let all = available(root);
    // A backend whose script says `BY_NAME=1` (NetBox: a thousand operations, a quarter of
    // an hour) runs only when named.
    let names = if names.is_empty() {
        all.iter()
            .filter(|n| {
                let by_name =
                    std::fs::read_to_string(root.join("xtask/backends").join(n).join("backend.sh"))
                        .ok()
                        .and_then(|s| script_value(&s, "BY_NAME"))
                        .is_some_and(|v| v == "1");
                if by_name {
                    println!("{n}: left out; it runs when named (cargo xtask backends {n})");
                }
                !by_name
            })
            .cloned()
            .collect()
    } else {
        names.to_vec()
    };
    for n in &names {
        if !all.contains(n) {
            bail!(
                "no backend `{n}` in xtask/backends (there are: {})",
                all.join(", ")
            );
        }
    }
    // By default the snapshots sit beside the checkout, in `../.mirror`.
    let sources = sources.unwrap_or_else(|| root.join("..").join(".mirror"));
    let mut outcomes = Vec::new();
    let mut table = Vec::new();
    for name in &names {
        let summary = match one(root, name, &sources, mode, &mut table) {
            Ok(s) => s,
            Err(e) => format!("could not run: {e:#}"),
        };
        println!("{name:<20} {summary}");
        outcomes.push(Outcome {
            name: name.clone(),
            summary,
        });
    }
    if mode.peer {
        println!(
            "\n{:<18} {:<24} {:>7}  failure classes found",
            "backend", "tool", "wall s"
        );
        for (name, found) in &table {
            println!(
                "{name:<18} {:<24} {:>7.1}  {}",
                found.tool,
                found.seconds,
                found.classes.join("; ")
            );
        }
        println!(
            "\nwall time of accord's fuzzer scope ({FUZZER_SCOPE}) / Schemathesis's, each on the backend started afresh (goal: at most 1/3):"
        );
        for name in &names {
            let time = |tool: &str| {
                table
                    .iter()
                    .find(|(n, f)| n == name && f.tool.starts_with(tool))
                    .map(|(_, f)| f.seconds)
            };
            if let (Some(ours), Some(theirs)) = (time("accord, fuzzer"), time("Schemathesis")) {
                println!(
                    "{name:<18} {ours:.1} s / {theirs:.1} s = {:.2}",
                    ours / theirs.max(1e-9)
                );
            }
        }
    }
    let missed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.summary.contains(": MISSED ("))
        .map(|o| o.name.as_str())
        .collect();
    if !missed.is_empty() {
        bail!(
            "a broken copy went uncaught on {}: see `MISSED` above",
            missed.join(", ")
        );
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::{Broken, accord_classes, caught};

    /// A broken copy is caught by a step failure of its rule holding its detail, or for
    /// `spec` by a spec finding; the same rule failing for another cause is no catch.
    #[test]
    fn a_broken_copy_is_caught_by_its_rule_and_detail() {
        let console = "\
      Check failed: rule behaviour.boundary: 2 problem(s):
        - create: a server error (500) for a NUL character (body /make) the schema admits
        - rule envelope: the error's Content-Type is missing
finding rule spec: must be an integer: 3 findings, one per operation and status
";
        let b = |rule: &str, detail: &str| Broken {
            name: "x".into(),
            rule: rule.into(),
            detail: detail.into(),
        };
        assert!(caught(console, &b("envelope", "")));
        assert!(caught(console, &b("spec", "must be an integer")));
        assert!(caught(console, &b("behaviour.boundary", "")));
        assert!(caught(
            console,
            &b("behaviour.boundary", "NUL character (body /make)")
        ));
        assert!(!caught(console, &b("behaviour.boundary", "limit")));
        assert!(!caught(console, &b("auth.status", "")));
    }

    /// Each failing rule once, and the findings as the summary counts them: the console
    /// prints a cause met on many operations as one line.
    #[test]
    fn the_classes_are_the_failing_rules_and_the_summary_s_findings() {
        let console = "\
      Check failed: rule behaviour.boundary: 2 problem(s):
        - rule envelope: the error's Content-Type is missing
      Check failed: rule behaviour.boundary: 1 problem(s):
finding rule spec: is required: 6 findings, one per operation and status: a 400 at /type (1), ...
finding rule spec: list 404: status 404 is not documented (documented: 200) (3 exchange(s))
conformance: 1 passed, 2 failed, 0 skipped; 7 spec finding(s); 40 requests in 0.2 s
";
        assert_eq!(
            accord_classes(console),
            ["behaviour.boundary", "envelope", "spec findings: 7"]
        );
    }
}
