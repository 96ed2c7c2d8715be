//! `accord.toml`, the one file a team adds to its repository: where the spec is, which
//! targets are generated where, what the breaking-change gate compares against, and how the
//! conformance suite reaches the backend. Unknown keys and bad values are errors naming the
//! line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// The file's name, at the repository's root.
pub const FILE: &str = "accord.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub spec: SpecSource,
    #[serde(default)]
    pub generate: Generate,
    #[serde(default)]
    pub diff: Diff,
    pub conformance: Option<Conformance>,
}

/// Where the spec is: exactly one of a file, a URL or a command whose output is the spec.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecSource {
    pub path: Option<String>,
    pub url: Option<String>,
    pub command: Option<String>,
    /// Refuse a document that needs a repair to be read (a broken OpenAPI "MUST").
    #[serde(default)]
    pub strict: bool,
}

/// Each target's folder, relative to the repository's root; a target left out is not made.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Generate {
    pub typescript: Option<String>,
    pub rust_client: Option<String>,
    pub rust_server: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diff {
    /// The git revision the spec is compared with (default: the merge base with the default
    /// branch).
    pub base: Option<String>,
    /// An allow-list of accepted breaks: one `RULE-ID #/POINTER REASON` a line.
    pub allow: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conformance {
    /// The harness's profile (see `accord conformance init`).
    pub profile: String,
    /// Only scenarios matching this tag expression.
    pub tags: Option<String>,
    /// The backend's base URL, instead of the profile's.
    pub base_url: Option<String>,
    /// How the gate starts the backend; without it the backend must already be running.
    pub backend: Option<Backend>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backend {
    /// A shell command that serves the API in the foreground; stopped when the run ends.
    pub command: String,
    /// A URL that answers 2xx once the backend is ready.
    pub health: String,
    /// Environment variables for the command.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Seconds to wait for the health URL (default 60).
    #[serde(default = "default_wait")]
    pub wait: u64,
}

fn default_wait() -> u64 {
    60
}

/// A loaded configuration and the folder it is in (the repository's root).
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub root: PathBuf,
    pub path: PathBuf,
}

impl Loaded {
    /// `relative` under the root.
    pub fn at(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The targets configured, with their folders.
    pub fn targets(&self) -> Vec<(xtask::generate::Target, String)> {
        use xtask::generate::Target;
        let g = &self.config.generate;
        [
            (Target::Typescript, &g.typescript),
            (Target::RustClient, &g.rust_client),
            (Target::RustServer, &g.rust_server),
        ]
        .into_iter()
        .filter_map(|(t, dir)| dir.clone().map(|d| (t, d)))
        .collect()
    }
}

/// Finds `accord.toml` in `start` or the nearest folder above it.
pub fn find(start: &Path) -> anyhow::Result<PathBuf> {
    let mut here = Some(start);
    while let Some(dir) = here {
        let candidate = dir.join(FILE);
        if candidate.is_file() {
            return Ok(candidate);
        }
        here = dir.parent();
    }
    bail!(
        "no {FILE} in {} or above it; `accord init` writes one",
        start.display()
    )
}

/// Reads and checks the file at `path`.
pub fn load(path: &Path) -> anyhow::Result<Loaded> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let config = parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let root = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    Ok(Loaded {
        config,
        root,
        path: path.to_path_buf(),
    })
}

/// The line (1-based) where `needle` first starts a line, for errors about a section.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with(needle))
        .map_or(1, |n| n + 1)
}

/// Parses and checks the text of an `accord.toml`.
pub fn parse(text: &str) -> anyhow::Result<Config> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        match line {
            Some(line) => anyhow::anyhow!("line {line}: {}", e.message()),
            None => anyhow::anyhow!("{}", e.message()),
        }
    })?;
    let s = &config.spec;
    let given = [&s.path, &s.url, &s.command]
        .iter()
        .filter(|v| v.is_some())
        .count();
    if given != 1 {
        bail!(
            "line {}: [spec] needs exactly one of `path`, `url` or `command` ({given} given)",
            line_of(text, "[spec]")
        );
    }
    if let Some(url) = &s.url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        bail!(
            "line {}: [spec] url `{url}` is not an http(s) URL",
            line_of(text, "url")
        );
    }
    if config.generate.typescript.is_none()
        && config.generate.rust_client.is_none()
        && config.generate.rust_server.is_none()
    {
        bail!(
            "line {}: [generate] names no target: give `typescript`, `rust-client` or `rust-server` a folder",
            line_of(text, "[generate]")
        );
    }
    if let Some(c) = &config.conformance
        && let Some(b) = &c.backend
        && !(b.health.starts_with("http://") || b.health.starts_with("https://"))
    {
        bail!(
            "line {}: [conformance.backend] health `{}` is not an http(s) URL",
            line_of(text, "health"),
            b.health
        );
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_file_reads() {
        let c = parse("[spec]\npath = \"openapi.yaml\"\n[generate]\ntypescript = \"web/api\"\n")
            .unwrap();
        assert_eq!(c.spec.path.as_deref(), Some("openapi.yaml"));
        assert_eq!(c.generate.typescript.as_deref(), Some("web/api"));
    }

    #[test]
    fn errors_name_the_line() {
        let unknown =
            parse("[spec]\npath = \"a.yaml\"\n[generate]\ntypescript = \"t\"\ntypo = 1\n")
                .unwrap_err()
                .to_string();
        assert!(
            unknown.starts_with("line 5: unknown field `typo`"),
            "{unknown}"
        );
        let two =
            parse("[generate]\ntypescript = \"t\"\n\n[spec]\npath = \"a\"\nurl = \"http://x\"\n")
                .unwrap_err()
                .to_string();
        assert!(two.starts_with("line 4: [spec] needs exactly one"), "{two}");
        let none = parse("[spec]\npath = \"a\"\n[generate]\n")
            .unwrap_err()
            .to_string();
        assert!(
            none.starts_with("line 3: [generate] names no target"),
            "{none}"
        );
        let bad = parse("[spec]\npath = 3\n[generate]\ntypescript = \"t\"\n")
            .unwrap_err()
            .to_string();
        assert!(bad.starts_with("line 2: invalid type"), "{bad}");
    }
}
