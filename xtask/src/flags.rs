//! The command line of `cargo xtask`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// accord's project tasks.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    about,
    term_width = 0
)]
pub struct Flags {
    /// The project root to work on (default: this checkout).
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    #[command(subcommand)]
    pub task: Task,
}

#[derive(Debug, Subcommand)]
pub enum Task {
    /// Write every generated artifact from openapi/api.yaml, or run every target on another spec.
    Generate {
        /// A spec to try accord on (OpenAPI 3.0 or 3.1, or Swagger 2.0; YAML or JSON); needs --out.
        #[arg(long, value_name = "FILE", requires = "out")]
        spec: Option<PathBuf>,
        /// Where to write the TypeScript package, the Rust client crate and the Rust server
        /// crate for --spec (`typescript/`, `rust-client/`, `rust-server/`).
        #[arg(long, value_name = "DIR", requires = "spec")]
        out: Option<PathBuf>,
        /// The targets for --spec, comma-separated: typescript, rust-client, rust-server
        /// (default: all). Each runs on its own; one failing or slow never holds up another.
        #[arg(long, value_name = "LIST", value_delimiter = ',', requires = "spec")]
        target: Vec<crate::generate::Target>,
        /// Seconds each Rust target may take for --spec before it is stopped and reported.
        #[arg(long, value_name = "SECS", default_value_t = 120, requires = "spec")]
        time_limit: u64,
        /// Internal: run one target in this process (the child of --spec, so that a crash or
        /// an endless recursion of a generator cannot take the other targets down).
        #[arg(long, hide = true, requires = "spec")]
        child: bool,
        /// Refuse a --spec that breaks a rule of the OpenAPI specification, even where its
        /// meaning is plain and it would be read with a note (as the project's own contract is).
        #[arg(long, requires = "spec")]
        strict: bool,
    },
    /// The CI gate: validate the spec, fail on stale generated files, type-check the outputs,
    /// run the conformance suite against the reference backend. Never writes.
    Verify {
        /// The revision the contract is compared with for breaking changes (default: the
        /// merge base of HEAD and the default branch).
        #[arg(long, value_name = "REF")]
        base: Option<String>,
    },
    /// Run the conformance suite against real open-source backends (xtask/backends/NAME), each
    /// set up from its fetched source at a pinned commit and started on loopback. Not CI.
    Backends {
        /// The backends to run (default: all of xtask/backends).
        names: Vec<String>,
        /// Where the fetched repositories are, one OWNER+NAME folder each.
        #[arg(long, value_name = "DIR")]
        sources: Option<PathBuf>,
        /// Also run Schemathesis 4.32.5 (25 examples per operation) against each backend
        /// after the suite, and print what each tool found and its wall time side by side.
        #[arg(long)]
        beside_schemathesis: bool,
        /// Run with no profile: the one `accord-conformance init` derives from the spec
        /// (`--spec`), with only the credentials exported, as a new user's first run.
        #[arg(long)]
        init: bool,
        /// Also start each broken copy a backend's `broken.tsv` lists (its `backend.sh start`
        /// with `ACCORD_BROKEN=NAME`) and check that the suite fails it by the rule named
        /// there; exit 1 when one goes uncaught.
        #[arg(long)]
        broken: bool,
        /// accord-conformance flags for every run, after `--`.
        #[arg(last = true, value_name = "FLAGS")]
        flags: Vec<String>,
    },
    /// `accord verify` in the worked example, examples/fastapi-items: a FastAPI backend of the
    /// project's own with its accord.toml, as a team's repository has it. Its Python
    /// dependencies (pinned in backend/requirements.txt) go into a virtualenv under target/.
    Example,
    /// accord's breaking-change verdict beside oasdiff's (pinned, installed with `go install`
    /// into target/bench-tools/go) over oasdiff's own checker test pairs. Needs Go; not CI.
    Oasdiff,
    /// Run the conformance suite against a backend (default: the embedded reference backend).
    ///
    /// Takes accord-conformance's own flags (`--profile`, `--base-url`, `--tags`, `--junit`,
    /// `--json`, `--strict`; see `cargo run -p accord-conformance -- --help`). With
    /// `--profile`, the backend is the profile's `base_url` (or `--base-url`). Without it,
    /// fixtures/profiles/reference.toml, and the reference backend started on free ports
    /// unless `--base-url` is given.
    Conformance {
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "FLAGS"
        )]
        flags: Vec<String>,
    },
    /// What changed between two versions of a spec, and which changes break its clients.
    /// Exit 1 on a breaking change not in the allow-list.
    Diff {
        /// The old spec: a file, or `git:REF` for openapi/api.yaml at that revision.
        old: String,
        /// The new spec: a file, or `git:REF`.
        new: String,
        /// text, json, markdown (a pull-request comment), junit, github (annotations; the
        /// default under GitHub Actions).
        #[arg(long, value_enum)]
        format: Option<crate::diff::Format>,
        /// Write the release notes (every change in words, grouped by severity) instead.
        #[arg(long)]
        changelog: bool,
        /// Deliberate breaks: one `RULE-ID #/POINTER REASON` per line.
        #[arg(long, value_name = "FILE")]
        allow: Option<PathBuf>,
        /// Write the report here instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Refuse a spec that breaks a rule of the OpenAPI specification, even where its
        /// meaning is plain and it would be read with a note.
        #[arg(long)]
        strict: bool,
    },
    /// How far accord gets on every spec of a folder: every target generated, each Rust
    /// crate `cargo check`ed, each TypeScript package through `tsc --strict`; a table and a
    /// summary.
    Reach {
        #[command(flatten)]
        args: crate::reach::Args,
    },
    /// Run the reference backend and its object store until Ctrl-C, with a demo account.
    Serve {
        /// Address of the API.
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
        listen: String,
        /// Address of the embedded object store.
        #[arg(long, default_value = "127.0.0.1:9000", value_name = "ADDR")]
        storage_listen: String,
        /// Where records, keys and objects live (default: .accord/data in the checkout).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}
