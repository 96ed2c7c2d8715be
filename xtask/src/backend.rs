//! Starting the reference backend (`crates/reference-server`) as a child process: for
//! `verify`, on free loopback ports with a temporary data directory, stopped when done
//! (including on failure); for `serve`, in the foreground until Ctrl-C.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};

/// A running reference backend; dropping it kills the process (and with it the store).
pub struct Backend {
    child: Child,
    pub api_url: String,
    pub storage_url: String,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Builds the reference server and returns its binary.
pub fn build(root: &Path) -> anyhow::Result<PathBuf> {
    build_binary(root, "reference-server", "reference-server")
}

/// Builds `bin` of `package` in the workspace at `root` and returns its path.
pub fn build_binary(root: &Path, package: &str, bin: &str) -> anyhow::Result<PathBuf> {
    cargo_build(root, package, bin, false)
}

/// [`build_binary`] optimized (`--release`): for a benchmark beside a peer tool, which is
/// itself an optimized build.
pub fn build_optimized(root: &Path, package: &str, bin: &str) -> anyhow::Result<PathBuf> {
    cargo_build(root, package, bin, true)
}

fn cargo_build(root: &Path, package: &str, bin: &str, release: bool) -> anyhow::Result<PathBuf> {
    let status = Command::new(cargo())
        .args(["build", "--quiet"])
        .args(release.then_some("--release"))
        .args(["--package", package, "--bin", bin, "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("{package} does not build");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let binary = target
        .join(if release { "release" } else { "debug" })
        .join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    if !binary.is_file() {
        bail!("{} is missing after the build", binary.display());
    }
    Ok(binary)
}

/// Starts the backend on free loopback ports with a temporary data directory; its logs go to
/// `log` (they never hold a secret).
pub fn start(root: &Path, log: Stdio) -> anyhow::Result<Backend> {
    start_with(root, log, &[])
}

/// As [`start`], configured further by `ACCORD_*` variables (`env`).
pub fn start_with(root: &Path, log: Stdio, env: &[(&str, &str)]) -> anyhow::Result<Backend> {
    let binary = build(root)?;
    let mut child = Command::new(&binary)
        .args(["--listen", "127.0.0.1:0", "--storage-listen", "127.0.0.1:0"])
        .env_remove("ACCORD_DATA_DIR")
        // Short-lived access tokens and a small allowed skew, so the suite sees one expire
        // within seconds (the reference profile says both).
        .env("ACCORD_ACCESS_TOKEN_TTL", "5")
        .env("ACCORD_TOKEN_LEEWAY", "2")
        .env_remove("ACCORD_S3_ENDPOINT")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let stdout = child
        .stdout
        .take()
        .context("no stdout from the reference server")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut backend = Backend {
        child,
        api_url: String::new(),
        storage_url: String::new(),
    };
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => {
                if let Some(url) = line.strip_prefix("reference-server: API") {
                    backend.api_url = url.trim().to_string();
                } else if let Some(url) = line.strip_prefix("reference-server: storage") {
                    backend.storage_url =
                        url.trim().split(' ').next().unwrap_or_default().to_string();
                } else if line.contains("ready") {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                bail!("the reference server did not start within 60 s")
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = backend.child.wait().ok();
                bail!("the reference server exited before it was ready ({status:?})");
            }
        }
    }
    if backend.api_url.is_empty() {
        bail!("the reference server did not print its URL");
    }
    Ok(backend)
}

/// `cargo xtask serve`: the backend in the foreground with a persistent data directory and
/// a demo account, until Ctrl-C.
pub fn serve(
    root: &Path,
    listen: &str,
    storage_listen: &str,
    data_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let binary = build(root)?;
    let data_dir = data_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join(".accord").join("data"));
    // Ctrl-C reaches the server too (same process group); it stops cleanly and so do we.
    let _ = ctrlc::set_handler(|| {});
    let status = Command::new(&binary)
        .args([
            "--listen",
            listen,
            "--storage-listen",
            storage_listen,
            "--demo",
            "--data-dir",
        ])
        .arg(&data_dir)
        .status()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(crate::ChecksFailed(format!("the reference server stopped with {status}")).into())
    }
}
