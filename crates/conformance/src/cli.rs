//! The command line, shared by the `accord-conformance` binary and `accord conformance`:
//! `accord-conformance (--profile FILE | --spec LOCATION) [--base-url URL] [--tags EXPR] [--junit FILE] [--json FILE]
//! [--html FILE] [--strict] [--seed N] [--read-only]`, and
//! `accord-conformance init --spec LOCATION [--base-url URL] [--out FILE]`: a first profile
//! read from the spec.
//!
//! Exit codes: 0 every scenario passed, 1 a check failed (or, with --strict, was skipped),
//! 2 a usage, profile or spec error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Checks a backend for what breaks frontends: auth, refresh, CORS, error envelopes, uploads.
#[derive(Debug, Parser)]
#[command(name = "accord-conformance", version)]
struct Args {
    /// The profile of the environment (TOML).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "spec",
        conflicts_with = "spec"
    )]
    profile: Option<PathBuf>,
    /// No profile: the one `init` would write from this spec (a file or URL) is used, and
    /// the sections whose credentials are not in the environment are skipped.
    #[arg(long, value_name = "LOCATION")]
    spec: Option<String>,
    /// The backend's base URL, instead of the profile's.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Only scenarios matching this tag expression, for example `@auth or @cors`.
    #[arg(long, value_name = "EXPR")]
    tags: Option<String>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write a Cucumber JSON report here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report here: the summary by tag and rule, each failure
    /// with its redacted exchanges and the minimal failing request.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write every scenario's verdict with the rule it failed, and the spec findings, as JSON.
    #[arg(long, value_name = "FILE")]
    results: Option<PathBuf>,
    /// Fail the run when a scenario is skipped for lack of a profile section.
    #[arg(long)]
    strict: bool,
    /// Run the features of this folder instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    features: Option<PathBuf>,
    /// Scenarios run at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// The seed of the behaviour phase's generated inputs (printed by every run).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Only safe methods in the behaviour phase and no scenario that writes: for production.
    #[arg(long)]
    read_only: bool,
}

/// Writes a commented profile derived from the spec: the login, registration, refresh and
/// logout operations, where the token is, how it travels, the error envelope, and which
/// features apply. Fill in the credentials (environment variables) and your origins.
#[derive(Debug, Parser)]
#[command(name = "accord-conformance init", version)]
struct InitArgs {
    /// The spec: a file or an http(s) URL (written into the profile as given).
    #[arg(long, value_name = "LOCATION")]
    spec: String,
    /// The backend's base URL (default: the spec's first absolute server).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Write the profile here instead of standard output (never over an existing file).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn init(runtime: &tokio::runtime::Runtime, args: Vec<String>) -> ExitCode {
    let args = match parsed::<InitArgs>(args.into_iter().skip(1)) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let spec = match runtime.block_on(crate::run::load_spec(&args.spec)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("accord-conformance init: error: {e}");
            return ExitCode::from(2);
        }
    };
    // A local spec is named relative to the profile's folder, as the profile reads it.
    let location = match &args.out {
        Some(out) if !args.spec.starts_with("http://") && !args.spec.starts_with("https://") => {
            relative_to_profile(out, &args.spec)
        }
        _ => args.spec.clone(),
    };
    let text = crate::init::profile(&spec.document, &location, args.base_url.as_deref());
    match &args.out {
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Some(path) if path.exists() => {
            eprintln!(
                "accord-conformance init: error: {} exists; init never overwrites a profile",
                path.display()
            );
            ExitCode::from(2)
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                eprintln!("accord-conformance init: wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!(
                    "accord-conformance init: error: cannot write {}: {e}",
                    path.display()
                );
                ExitCode::from(2)
            }
        },
    }
}

/// `spec` as the profile at `out` names it: relative to the profile's folder when it lies
/// under it, else absolute.
fn relative_to_profile(out: &std::path::Path, spec: &str) -> String {
    let Ok(spec_path) = std::fs::canonicalize(spec) else {
        return spec.to_string();
    };
    let folder = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    match std::fs::canonicalize(folder) {
        Ok(folder) => spec_path
            .strip_prefix(&folder)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| spec_path.display().to_string()),
        Err(_) => spec_path.display().to_string(),
    }
}

/// The command line as `T`; the exit code when it is not one (2, or 0 for `--help`).
fn parsed<T: Parser>(args: impl IntoIterator<Item = String>) -> Result<T, ExitCode> {
    T::try_parse_from(args).map_err(|e| {
        let _ = e.print();
        if e.use_stderr() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        }
    })
}

/// Runs the command line `args` (the program's name first); the exit code.
pub fn main(args: Vec<String>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("accord-conformance: error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.get(1).map(String::as_str) == Some("init") {
        return init(&runtime, args);
    }
    let args = match parsed::<Args>(args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let options = crate::run::Options {
        profile: args.profile,
        spec: args.spec,
        base_url: args.base_url,
        tags: args.tags,
        junit: args.junit,
        json: args.json,
        html: args.html,
        results: args.results,
        strict: args.strict,
        features: args.features,
        concurrency: args.concurrency,
        seed: args.seed,
        read_only: args.read_only,
    };
    match runtime.block_on(crate::run::run(options)) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) => {
            eprintln!("accord-conformance: error: {e}");
            ExitCode::from(2)
        }
    }
}
