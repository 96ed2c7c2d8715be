//! `cargo bench -p accord-conformance --bench behaviour`: the behaviour phase beside
//! Schemathesis, in one run, against one reference backend, at the same examples per
//! operation. Prints requests per second and wall time side by side; asserts nothing.
//!
//! Schemathesis 4.32.5 is installed from PyPI into `target/bench-tools/schemathesis` (a
//! virtual environment) on first use. `ACCORD_BENCH_EXAMPLES` sets the examples per
//! operation (default 10). Both tools run with their default phases and concurrency:
//! accord's positive, stateful, cross-user and negative checks (the expired-token wait left
//! out, since it measures the token's lifetime, not the tool), and Schemathesis's examples,
//! coverage, fuzzing and stateful phases with every check. Loopback only; both stop by
//! themselves.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

const SCHEMATHESIS: &str = "4.32.5";

struct Figures {
    tool: String,
    requests: u64,
    seconds: f64,
    outcome: String,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The pinned Schemathesis in a virtual environment of its own; the path of its `st`.
fn schemathesis() -> Result<PathBuf, String> {
    let venv = root().join("target/bench-tools/schemathesis");
    let st = venv.join("bin/st");
    let version = Command::new(&st).arg("--version").output();
    if version.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(SCHEMATHESIS)) {
        return Ok(st);
    }
    eprintln!(
        "bench: installing Schemathesis {SCHEMATHESIS} from PyPI into {}",
        venv.display()
    );
    let run = |program: &Path, args: &[&str]| -> Result<(), String> {
        let status = Command::new(program)
            .args(args)
            .status()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{} {args:?} failed ({status})", program.display()))
        }
    };
    run(
        Path::new("python3"),
        &["-m", "venv", &venv.to_string_lossy()],
    )?;
    run(
        &venv.join("bin/pip"),
        &[
            "install",
            "--quiet",
            &format!("schemathesis=={SCHEMATHESIS}"),
        ],
    )?;
    Ok(st)
}

fn main() {
    let examples: u32 = std::env::var("ACCORD_BENCH_EXAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let st = match schemathesis() {
        Ok(st) => st,
        Err(e) => {
            eprintln!("bench: Schemathesis is not available: {e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let running = reference_server::start(reference_server::Config::default())
            .await
            .expect("the reference backend starts");
        let api = running.api_url.clone();
        let spec = root().join("openapi/api.yaml");
        let dir = tempfile::tempdir().unwrap();
        let mut figures = Vec::new();

        // accord: the reference profile at the same examples per operation.
        let profile = dir.path().join("reference.toml");
        let text = std::fs::read_to_string(root().join("fixtures/profiles/reference.toml"))
            .unwrap()
            .replace(
                "spec = \"../../openapi/api.yaml\"",
                &format!("spec = {:?}", spec.display().to_string()),
            )
            .replace("examples = 10", &format!("examples = {examples}"));
        std::fs::write(&profile, text).unwrap();
        let url = api.clone();
        let started = Instant::now();
        let output = tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_accord-conformance"))
                .arg("--profile")
                .arg(profile)
                .arg("--base-url")
                .arg(url)
                .args(["--tags", "@behaviour and not @expiry", "--seed", "1"])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let wall = started.elapsed().as_secs_f64();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let summary = stdout
            .lines()
            .find_map(|l| l.strip_prefix("conformance: "))
            .unwrap_or("(no summary)")
            .to_string();
        let requests = summary
            .split("; ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        figures.push(Figures {
            tool: "accord behaviour phase".into(),
            requests,
            seconds: wall,
            outcome: summary.split(';').next().unwrap_or_default().to_string(),
        });

        // Schemathesis: signed in as a user of its own, every check, its default phases.
        let http = reqwest::Client::new();
        let account = json!({"email": "schemathesis@example.com", "password": "schemathesis-password-1"});
        let _ = http
            .post(format!("{api}/api/v1/auth/register"))
            .json(&account)
            .send()
            .await;
        let token: Value = http
            .post(format!("{api}/api/v1/auth/login"))
            .json(&account)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["access_token"].as_str().unwrap().to_string();
        let reports = dir.path().join("schemathesis");
        let (st_spec, st_url, st_reports) = (spec.clone(), api.clone(), reports.clone());
        let started = Instant::now();
        let output = tokio::task::spawn_blocking(move || {
            Command::new(&st)
                .arg("run")
                .arg(&st_spec)
                .args(["--url", &st_url])
                .args(["--max-examples", &examples.to_string()])
                .args(["--checks", "all", "--seed", "1", "--no-color"])
                .args(["--header", &format!("Authorization: Bearer {token}")])
                .args(["--report", "har", "--report-dir"])
                .arg(&st_reports)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let wall = started.elapsed().as_secs_f64();
        let har = std::fs::read_dir(&reports)
            .ok()
            .and_then(|mut d| d.find_map(|e| e.ok()))
            .and_then(|e| std::fs::read_to_string(e.path()).ok())
            .and_then(|t| serde_json::from_str::<Value>(&t).ok());
        let requests = har
            .as_ref()
            .and_then(|h| h["log"]["entries"].as_array())
            .map_or(0, |e| e.len() as u64);
        let stdout = String::from_utf8_lossy(&output.stdout);
        // Its closing summary: `Test cases: ...` and the `=== ... in N s ===` line.
        let outcome = stdout
            .lines()
            .filter(|l| {
                l.trim_start().starts_with("Test cases:")
                    || (l.starts_with('=') && l.contains(" in "))
            })
            .map(|l| l.trim_matches(|c: char| c == '=' || c.is_whitespace()))
            .collect::<Vec<_>>()
            .join("; ");
        let outcome = if outcome.is_empty() {
            format!("exit {:?}", output.status.code())
        } else {
            outcome
        };
        figures.push(Figures {
            tool: format!("Schemathesis {SCHEMATHESIS}"),
            requests,
            seconds: wall,
            outcome,
        });

        println!(
            "behaviour phase vs Schemathesis, reference backend on loopback, {examples} examples per operation"
        );
        println!(
            "{:<26} {:>9} {:>9} {:>10}  outcome",
            "tool", "requests", "wall s", "req/s"
        );
        for f in &figures {
            println!(
                "{:<26} {:>9} {:>9.2} {:>10.1}  {}",
                f.tool,
                f.requests,
                f.seconds,
                f.requests as f64 / f.seconds.max(1e-9),
                f.outcome
            );
        }
        let rate = |f: &Figures| f.requests as f64 / f.seconds.max(1e-9);
        if figures[1].requests > 0 {
            println!(
                "accord / Schemathesis: {:.1}x the requests per second, {:.1}x less wall time (goal: >= 5x the requests per second)",
                rate(&figures[0]) / rate(&figures[1]),
                figures[1].seconds / figures[0].seconds.max(1e-9)
            );
        } else {
            println!("Schemathesis sent no request the report counts:\n{stdout}");
        }
        running.stop().await;
    });
}
