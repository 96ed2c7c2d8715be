//! `cargo xtask reach DIR`: how far accord gets on every spec of a folder. Each spec goes
//! through `generate --spec` (every target, each with its time limit), then each Rust crate
//! is `cargo check`ed (one shared target folder, so dependencies build once) and each
//! TypeScript package goes through `tsc --strict --noEmit`. Prints one row per spec as it
//! finishes, then the summary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::Context;

/// How one target did on one spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Written and compiling (or type-checking).
    Ok,
    /// Written, but `cargo check` or `tsc` refused it.
    Broken,
    /// The generator reported it could not write the target.
    Failed,
    /// Stopped at the time limit.
    Slow,
    /// The generator panicked or crashed.
    Crashed,
    /// The spec did not load (an error naming where).
    Refused,
}

impl Outcome {
    fn cell(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Broken => "broken",
            Outcome::Failed => "failed",
            Outcome::Slow => "slow",
            Outcome::Crashed => "crashed",
            Outcome::Refused => "refused",
        }
    }
}

pub struct Row {
    pub spec: String,
    pub typescript: Outcome,
    pub client: Outcome,
    pub server: Outcome,
    pub seconds: f64,
    pub notes: usize,
    /// Operations the spec declares, and those the client and the server leave out (from
    /// each target's summary line; 0 when the target wrote none).
    pub declared: usize,
    pub client_left: usize,
    pub server_left: usize,
    pub detail: String,
}

/// `(written, declared)` from a target's summary line (`generate: rust-client: 839 of 845
/// operations, ...`).
fn written_of(text: &str, target: &str) -> Option<(usize, usize)> {
    let prefix = format!("generate: {target}: ");
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(&prefix)?;
        let (written, rest) = rest.split_once(" of ")?;
        let declared = rest.split_once(" operations")?.0;
        Some((written.parse().ok()?, declared.parse().ok()?))
    })
}

/// The command line of a reach run, shared by `cargo xtask reach` and `accord reach`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder of specs (searched recursively for *.json, *.yaml, *.yml).
    pub dir: PathBuf,
    /// Where the generated outputs go (default: target/reach-out here, .accord/reach for
    /// `accord`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seconds each Rust target may take per spec.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub time_limit: u64,
    /// Only N specs, spread evenly over the sorted list (or drawn at random with `--seed`).
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// Draw the `--sample` at random, reproducibly from this seed.
    #[arg(long, value_name = "SEED", requires = "sample")]
    pub seed: Option<u64>,
    /// Only generate: count what each target leaves out, without `cargo check` or `tsc`
    /// (seconds per spec instead of a minute; "ok" then means written, not compiled).
    #[arg(long)]
    pub no_check: bool,
}

impl Args {
    /// The run's options, the outputs under `default_out` unless `--out` names a folder.
    pub fn options(self, default_out: PathBuf) -> Options {
        Options {
            out: self.out.unwrap_or(default_out),
            dir: self.dir,
            time_limit: self.time_limit,
            sample: self.sample,
            seed: self.seed,
            check: !self.no_check,
        }
    }
}

/// Options of a reach run.
pub struct Options {
    pub dir: PathBuf,
    pub out: PathBuf,
    pub time_limit: u64,
    /// Only this many specs, picked evenly from the sorted list...
    pub sample: Option<usize>,
    /// ... or at random, reproducibly from this seed.
    pub seed: Option<u64>,
    /// Whether the written crates and packages are compiled and type-checked.
    pub check: bool,
}

/// The spec files under `dir`, sorted.
pub fn specs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml" | "yml")
            ) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// `n` of `all` drawn without replacement (a partial Fisher-Yates shuffle driven by
/// splitmix64), then sorted: the same seed draws the same specs on any machine.
fn draw(mut all: Vec<PathBuf>, n: usize, seed: u64) -> Vec<PathBuf> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for i in 0..n {
        let j = i + (next() % (all.len() - i) as u64) as usize;
        all.swap(i, j);
    }
    all.truncate(n);
    all.sort();
    all
}

pub fn run(root: &Path, options: &Options) -> anyhow::Result<Vec<Row>> {
    let mut all = specs(&options.dir)?;
    if all.is_empty() {
        anyhow::bail!(
            "{}: no spec (*.json, *.yaml, *.yml) found",
            options.dir.display()
        );
    }
    if let Some(n) = options.sample.filter(|n| *n > 0 && *n < all.len()) {
        all = match options.seed {
            Some(seed) => draw(all, n, seed),
            None => {
                let step = all.len() as f64 / n as f64;
                (0..n)
                    .map(|i| all[(i as f64 * step) as usize].clone())
                    .collect()
            }
        };
    }
    let exe = std::env::current_exe().context("cannot find the xtask binary")?;
    let tsc = if options.check {
        Some(crate::node::ensure_tooling(root)?)
    } else {
        None
    };
    let target_dir = root.join("target/reach");
    std::fs::create_dir_all(&options.out)?;
    println!(
        "reach: {} spec(s) from {}, {} s per target; {}",
        all.len(),
        options.dir.display(),
        options.time_limit,
        if options.check {
            format!("crates checked in {}", target_dir.display())
        } else {
            "generated only (--no-check): `ok` is written, not compiled".into()
        }
    );
    println!(
        "{:<44} {:<8} {:<8} {:<8} {:>7} {:>6} {:>5} {:>9}  detail",
        "spec", "ts", "client", "server", "secs", "notes", "ops", "out c/s"
    );
    let mut rows = Vec::new();
    let bar = crate::progress(all.len() as u64, "specs");
    for (i, spec) in all.iter().enumerate() {
        bar.set_message(
            spec.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        let name = spec
            .strip_prefix(&options.dir)
            .unwrap_or(spec)
            .display()
            .to_string();
        let out = options.out.join(format!("{i:04}"));
        let _ = std::fs::remove_dir_all(&out);
        let started = Instant::now();
        let generated = Command::new(&exe)
            .args(["generate", "--spec"])
            .arg(spec)
            .arg("--out")
            .arg(&out)
            .args(["--time-limit", &options.time_limit.to_string()])
            .stdin(Stdio::null())
            .output()
            .context("cannot run xtask generate")?;
        let seconds = started.elapsed().as_secs_f64();
        let text = String::from_utf8_lossy(&generated.stdout).into_owned()
            + &String::from_utf8_lossy(&generated.stderr);
        let notes = text.lines().filter(|l| l.contains(": note: ")).count();
        let client_written = written_of(&text, "rust-client");
        let server_written = written_of(&text, "rust-server");
        let declared = client_written
            .or(server_written)
            .or_else(|| written_of(&text, "typescript"))
            .map_or(0, |(_, d)| d);
        let left = |w: Option<(usize, usize)>| w.map_or(0, |(w, d)| d.saturating_sub(w));
        let (client_left, server_left) = (left(client_written), left(server_written));
        let outcome_of = |target: &str| -> Outcome {
            let prefix = format!("generate: {target:<11} ");
            match text.lines().find_map(|l| l.strip_prefix(&prefix)) {
                Some(rest) if rest.starts_with("ok") => Outcome::Ok,
                Some(rest) if rest.starts_with("stopped") => Outcome::Slow,
                Some(rest) if rest.contains("crashed") => Outcome::Crashed,
                Some(_) => Outcome::Failed,
                None if generated.status.code() == Some(2) => Outcome::Refused,
                None => Outcome::Crashed,
            }
        };
        let mut detail = String::new();
        if generated.status.code() == Some(2) {
            detail = text
                .lines()
                .find(|l| l.starts_with("xtask: error"))
                .unwrap_or_default()
                .chars()
                .take(160)
                .collect();
        }
        if text.contains("panicked at") {
            detail = format!("panic: {detail}");
        }
        let mut typescript = outcome_of("typescript");
        let mut client = outcome_of("rust-client");
        let mut server = outcome_of("rust-server");
        if let Some(tsc) = tsc.as_ref().filter(|_| typescript == Outcome::Ok) {
            let config = out.join("typescript/tsconfig.json");
            std::fs::write(
                &config,
                r#"{"compilerOptions":{"strict":true,"noEmit":true,"skipLibCheck":false,"target":"es2022","module":"esnext","moduleResolution":"bundler"},"files":["index.d.ts"]}"#,
            )?;
            let check = Command::new("node")
                .arg(tsc)
                .args(["--pretty", "false", "-p"])
                .arg(&config)
                .output()
                .context("cannot run node")?;
            if !check.status.success() {
                typescript = Outcome::Broken;
                first_error(&mut detail, "tsc", &check.stdout);
            }
        }
        // The two crates are checked at once, each in a target folder of its own (one
        // folder's lock would serialize them).
        let mut checks = Vec::new();
        for (outcome, dir) in [(client, "rust-client"), (server, "rust-server")] {
            if outcome != Outcome::Ok || !options.check {
                continue;
            }
            let child = Command::new("cargo")
                .args(["check", "--quiet", "--message-format", "short", "--offline"])
                .env("CARGO_TARGET_DIR", target_dir.join(dir))
                .current_dir(out.join(dir))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .context("cannot run cargo")?;
            checks.push((dir, child));
        }
        for (dir, child) in checks {
            let check = child.wait_with_output().context("cannot wait for cargo")?;
            if !check.status.success() {
                if dir == "rust-client" {
                    client = Outcome::Broken;
                } else {
                    server = Outcome::Broken;
                }
                first_error(&mut detail, dir, &check.stderr);
            }
        }
        let row = Row {
            spec: name,
            typescript,
            client,
            server,
            seconds,
            notes,
            declared,
            client_left,
            server_left,
            detail,
        };
        bar.inc(1);
        bar.suspend(|| {
            println!(
                "{:<44} {:<8} {:<8} {:<8} {:>7.1} {:>6} {:>5} {:>9}  {}",
                truncate(&row.spec, 44),
                row.typescript.cell(),
                row.client.cell(),
                row.server.cell(),
                row.seconds,
                row.notes,
                row.declared,
                format!("{}/{}", row.client_left, row.server_left),
                row.detail
            )
        });
        rows.push(row);
    }
    bar.finish_and_clear();
    summary(&rows, options.check);
    Ok(rows)
}

fn first_error(detail: &mut String, what: &str, output: &[u8]) {
    let text = String::from_utf8_lossy(output);
    let line = text
        .lines()
        .find(|l| l.contains("error"))
        .unwrap_or("(no message)");
    if !detail.is_empty() {
        detail.push_str(" | ");
    }
    detail.push_str(&format!("{what}: {}", truncate(line, 140)));
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let keep: String = s
            .chars()
            .rev()
            .take(n - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{keep}")
    }
}

/// The closing summary: per target, the share of specs whose output compiles.
pub fn summary(rows: &[Row], checked: bool) {
    let n = rows.len().max(1);
    let share = |pick: &dyn Fn(&Row) -> Outcome| {
        let ok = rows.iter().filter(|r| pick(r) == Outcome::Ok).count();
        format!("{ok}/{} ({:.0}%)", rows.len(), 100.0 * ok as f64 / n as f64)
    };
    let crashed = rows
        .iter()
        .filter(|r| {
            [r.typescript, r.client, r.server].contains(&Outcome::Crashed)
                || r.detail.starts_with("panic")
        })
        .count();
    let slow = rows
        .iter()
        .filter(|r| [r.typescript, r.client, r.server].contains(&Outcome::Slow))
        .count();
    let refused = rows
        .iter()
        .filter(|r| r.typescript == Outcome::Refused)
        .count();
    let slowest = rows.iter().map(|r| r.seconds).fold(0.0, f64::max);
    let declared: usize = rows.iter().map(|r| r.declared).sum();
    let pct = |n: usize| 100.0 * n as f64 / declared.max(1) as f64;
    let client_left: usize = rows.iter().map(|r| r.client_left).sum();
    let server_left: usize = rows.iter().map(|r| r.server_left).sum();
    println!(
        "reach: {declared} operations declared; left out of the client {client_left} ({:.1}%), of the server {server_left} ({:.1}%)",
        pct(client_left),
        pct(server_left)
    );
    let (ts, rs) = if checked {
        ("typescript (tsc --strict)", "compiles")
    } else {
        ("typescript written", "written (not compiled: --no-check)")
    };
    println!(
        "reach: {} specs; {ts} {}; rust client {rs} {}; rust server {rs} {}; \
         {crashed} crashed or panicked, {slow} over the time limit, {refused} refused at load; slowest {slowest:.1} s",
        rows.len(),
        share(&|r| r.typescript),
        share(&|r| r.client),
        share(&|r| r.server),
    );
}

#[cfg(test)]
mod tests {
    use super::written_of;

    #[test]
    fn a_target_s_summary_line_gives_what_it_wrote_of_what_was_declared() {
        let text = "generate: rust-client: note: #: left out operation `x` (...)\n\
                    generate: rust-client: 839 of 845 operations, 6 left out (first: ...); 3 note(s)\n\
                    generate: rust-server: 845 of 845 operations; 0 note(s)\n";
        assert_eq!(written_of(text, "rust-client"), Some((839, 845)));
        assert_eq!(written_of(text, "rust-server"), Some((845, 845)));
        assert_eq!(written_of(text, "typescript"), None);
    }
}
