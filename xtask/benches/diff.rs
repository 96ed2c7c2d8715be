//! `cargo bench -p xtask --bench diff`: `cargo xtask diff` across successive published
//! versions of one real API (GitHub Enterprise Server 3.17, 3.18, 3.19 from npm's
//! `@octokit/openapi`, pinned in `packages/peers`, installed on first use), in the build
//! `cargo xtask` uses. Prints each pair's findings by severity, the breaking rules and the
//! wall time; fails only if a run crashes or a finding has no location.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod support;

fn main() {
    let modules = support::modules("@octokit/openapi/package.json");
    let xtask = support::xtask();
    let dir = modules.join("@octokit/openapi/generated");
    let versions: Vec<PathBuf> = ["ghes-3.17.json", "ghes-3.18.json", "ghes-3.19.json"]
        .iter()
        .map(|v| dir.join(v))
        .collect();
    println!("cargo xtask diff over GitHub Enterprise Server's published specs");
    println!(
        "{:<22} {:>9} {:>8} {:>6} {:>8}  breaking rules",
        "pair", "breaking", "warning", "info", "wall s"
    );
    for pair in versions.windows(2) {
        let started = Instant::now();
        let output = Command::new(&xtask)
            .arg("diff")
            .args([&pair[0], &pair[1]])
            .args(["--format", "json"])
            .output()
            .expect("xtask runs");
        let secs = started.elapsed().as_secs_f64();
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "diff crashed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("the JSON report");
        let findings = report["findings"].as_array().cloned().unwrap_or_default();
        assert!(
            findings
                .iter()
                .all(|f| f["old"].is_string() || f["new"].is_string()),
            "a finding without a location"
        );
        let mut rules: Vec<String> = findings
            .iter()
            .filter(|f| f["severity"] == "breaking")
            .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
            .collect();
        rules.sort();
        rules.dedup();
        let name = |p: &Path| {
            p.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        println!(
            "{:<22} {:>9} {:>8} {:>6} {:>8.2}  {}",
            format!("{} -> {}", name(&pair[0]), name(&pair[1])),
            report["breaking"].as_u64().unwrap_or(0),
            report["warning"].as_u64().unwrap_or(0),
            report["info"].as_u64().unwrap_or(0),
            secs,
            rules.join(", ")
        );
    }
}
