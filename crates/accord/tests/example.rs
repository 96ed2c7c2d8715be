//! `accord verify` on a copy of the worked example (`examples/fastapi-items`) in a scratch git
//! repository, as its team runs it: the FastAPI backend's spec is `app.openapi()`, the backend
//! is started for the conformance suite. The clean copy passes; a broken copy of the backend
//! fails the conformance step naming the rule; a model change that breaks clients, committed
//! on a branch, fails the breaking step naming the rule. The backend's Python dependencies are
//! installed from PyPI into target/example-venv on first use.

mod common;
use common::git;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".accord" || name == "__pycache__" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// The example in a fresh repository, committed on main.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy(&root().join(xtask::example::FOLDER), dir.path());
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "the notes API"]);
    dir
}

fn verify(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let bin = xtask::example::python_env(&root()).expect("the example's virtualenv");
    let mut command = Command::new(env!("CARGO_BIN_EXE_accord"));
    command.arg("verify").args(extra).current_dir(dir);
    xtask::example::in_env(&mut command, &bin);
    let out: Output = command.output().expect("accord runs");
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn the_example_passes_and_its_broken_copies_fail_naming_the_rule() {
    let repo = repository();
    let (code, out) = verify(repo.path(), &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("verify: passed"), "{out}");
    assert!(out.contains(" 0 failed, "), "{out}");

    // Anyone signed in reads anyone's note: the cross-user check fails, naming its rule.
    let notes = repo.path().join("backend/notes.py");
    edit(
        &notes,
        "if note is None or note.owner_id != user[\"id\"]:",
        "if note is None:",
    );
    let (code, out) = verify(repo.path(), &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("verify: conformance  FAILED"), "{out}");
    assert!(out.contains("rule behaviour.cross_user_read"), "{out}");
    git(repo.path(), &["checkout", "-q", "--", "backend/notes.py"]);

    // A field removed from the note a client reads, regenerated and committed on a branch.
    git(repo.path(), &["checkout", "-q", "-b", "drop-pinned"]);
    edit(
        &notes,
        "    pinned: bool\n    owner_id: str",
        "    owner_id: str",
    );
    edit(
        &notes,
        "created = Note(id=str(uuid.uuid4()), owner_id=user[\"id\"], **note.model_dump())",
        "created = Note(id=str(uuid.uuid4()), owner_id=user[\"id\"], title=note.title, body=note.body)",
    );
    let bin = xtask::example::python_env(&root()).unwrap();
    let mut generate = Command::new(env!("CARGO_BIN_EXE_accord"));
    generate.arg("generate").current_dir(repo.path());
    xtask::example::in_env(&mut generate, &bin);
    assert!(generate.status().unwrap().success());
    git(repo.path(), &["commit", "-q", "-am", "drop pinned"]);
    let (code, out) = verify(repo.path(), &["--base", "main", "--no-conformance"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("verify: breaking     FAILED"), "{out}");
    assert!(
        out.contains("response.property_removed") && out.contains("`pinned` removed"),
        "{out}"
    );
}
