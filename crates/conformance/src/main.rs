//! `accord-conformance --profile FILE [--base-url URL] [--tags EXPR] [--junit FILE] [--json FILE]
//! [--html FILE]
//! [--strict] [--seed N] [--read-only]`
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
    #[arg(long, value_name = "FILE")]
    profile: PathBuf,
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

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
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
    let options = accord_conformance::run::Options {
        profile: args.profile,
        base_url: args.base_url,
        tags: args.tags,
        junit: args.junit,
        json: args.json,
        html: args.html,
        strict: args.strict,
        features: args.features,
        concurrency: args.concurrency,
        seed: args.seed,
        read_only: args.read_only,
    };
    match runtime.block_on(accord_conformance::run::run(options)) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) => {
            eprintln!("accord-conformance: error: {e}");
            ExitCode::from(2)
        }
    }
}
