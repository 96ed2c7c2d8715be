//! `accord`: accord in a team's own repository. One `accord.toml` at the root says where the
//! spec is (a file, a URL, or a command that prints it, such as a FastAPI app's
//! `app.openapi()`), where each target is generated, what the breaking-change gate compares
//! with, and how the conformance suite reaches the backend. `accord verify` is the CI gate;
//! `cargo xtask` runs the same generators, differ and suite inside accord's own workspace.
//!
//! Exit codes: 0 ok, 1 a check failed, 2 a usage or input error (a bad `accord.toml`, a spec
//! command that fails, a spec that does not load).

mod config;
mod spec;
mod team;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "accord",
    version,
    about = "Contract-first API checks for your own repository"
)]
struct Flags {
    /// The configuration (default: accord.toml in this folder or the nearest above it).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Writes a commented accord.toml (and a conformance profile) for this repository.
    Init {
        /// The spec, when it cannot be found: a file, an http(s) URL, or `cmd:COMMAND`.
        #[arg(long, value_name = "LOCATION")]
        spec: Option<String>,
    },
    /// Writes every configured target into its folder.
    Generate {
        /// Write each target into DIR/<target> instead of its configured folder.
        #[arg(long, value_name = "DIR")]
        into: Option<PathBuf>,
    },
    /// The gate: the spec loads, the generated files are up to date, no breaking change
    /// against the base revision, the TypeScript types compile, the conformance suite passes.
    Verify {
        /// The git revision to compare with (default: [diff] base, else the merge base with
        /// the default branch).
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// Leave out the conformance suite.
        #[arg(long)]
        no_conformance: bool,
    },
    /// What changed against the base revision, and which changes break clients.
    Diff {
        #[arg(long, value_name = "REV")]
        base: Option<String>,
    },
    /// How far accord gets on a folder of specs: per spec, whether each target is written and
    /// compiles (the Rust crates with cargo, the TypeScript with tsc), and what it leaves out.
    Reach {
        #[command(flatten)]
        args: xtask::reach::Args,
    },
    /// The conformance suite: with no arguments, as accord.toml configures it (starting the
    /// backend if it says how); otherwise the harness's own command line (`init`, `--profile`...).
    Conformance {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    // A Rust target's own process, which `generate` starts for each (as `cargo xtask` does).
    if args.get(1).map(String::as_str) == Some("generate") && args.iter().any(|a| a == "--child") {
        return team::exit(team::child(&args));
    }
    // One spec's every target into a folder, each in a process of its own: what `reach` runs
    // for each spec (as `cargo xtask generate --spec` is).
    if args.get(1).map(String::as_str) == Some("generate") && args.iter().any(|a| a == "--spec") {
        return team::exit(team::one_spec(&args));
    }
    let flags = Flags::parse();
    let result = match flags.command {
        Command::Conformance { args } if !args.is_empty() => {
            let mut argv = vec!["accord conformance".to_string()];
            argv.extend(args);
            return accord_conformance::cli::main(argv);
        }
        Command::Init { spec } => team::init(flags.config, spec.as_deref()),
        Command::Generate { into } => team::Team::open(flags.config.as_deref())
            .and_then(|team| team.generate(into.as_deref())),
        Command::Verify {
            base,
            no_conformance,
        } => team::Team::open(flags.config.as_deref())
            .and_then(|team| team.verify(base.as_deref(), !no_conformance)),
        Command::Diff { base } => {
            team::Team::open(flags.config.as_deref()).and_then(|team| team.diff(base.as_deref()))
        }
        Command::Conformance { .. } => {
            team::Team::open(flags.config.as_deref()).and_then(|team| team.conformance())
        }
        Command::Reach { args } => {
            let options = args.options(PathBuf::from(".accord/reach"));
            xtask::reach::run(&xtask::project_root(), &options).map(|_| ())
        }
    };
    team::exit(result)
}
