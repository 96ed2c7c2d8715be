//! What the `accord` tests share: git in a scratch repository, as a team's member.

use std::path::Path;
use std::process::Command;

/// Runs git in `dir` with a committer set; fails the test when git fails.
pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.email=team@example.com", "-c", "user.name=team"])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}
