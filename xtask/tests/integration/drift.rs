//! A spec changed without regenerating makes `verify` fail, name each stale file and the
//! command to run, and write nothing.

use xtask::artifacts;

use crate::{copy_into, text, xtask};

const GENERATED: &[&str] = &[
    "crates/api-types/src/generated/mod.rs",
    "crates/api-client/src/generated/mod.rs",
    "crates/api-server/src/generated/mod.rs",
    "packages/api-types/generated/index.d.ts",
    "packages/api-fetch/src/generated/envelope.ts",
];

fn project_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    copy_into(dir.path(), artifacts::SPEC);
    for file in GENERATED {
        copy_into(dir.path(), file);
    }
    dir
}

#[test]
fn checked_in_artifacts_match_the_contract() {
    let spec = artifacts::load_spec(&crate::root()).expect("the contract loads");
    let (files, _) = artifacts::expected(&spec).expect("the contract generates");
    let stale: Vec<_> = artifacts::stale(&crate::root(), &files)
        .iter()
        .map(|a| a.path.display().to_string())
        .collect();
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}; run `cargo xtask generate`"
    );
    let listed: Vec<String> = files.iter().map(|a| a.path.display().to_string()).collect();
    assert_eq!(listed, GENERATED);
}

#[test]
fn changed_spec_fails_verify_and_names_the_files() {
    let dir = project_copy();
    let spec_path = dir.path().join(artifacts::SPEC);
    let spec = std::fs::read_to_string(&spec_path).unwrap();
    let changed = spec.replacen(
        "    Health:\n      type: object\n",
        "    Health:\n      type: object\n      description: changed\n",
        1,
    );
    // A schema change reaches the model types and the TypeScript; an operation change the client.
    let changed = changed.replacen(
        "summary: Liveness probe\n",
        "summary: Liveness probe of the service\n",
        1,
    );
    assert_ne!(spec, changed, "the fixture edit must apply");
    std::fs::write(&spec_path, changed).unwrap();
    let before: Vec<String> = GENERATED
        .iter()
        .map(|f| std::fs::read_to_string(dir.path().join(f)).unwrap())
        .collect();

    let output = xtask(&["--root", dir.path().to_str().unwrap(), "verify"]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(
        output.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    // The error envelope of api-fetch (the last) depends on the error schema only.
    for file in &GENERATED[..GENERATED.len() - 1] {
        assert!(
            stdout.contains(file) && stderr.contains(file),
            "{file} not named:\n{stdout}\n{stderr}"
        );
    }
    assert!(stderr.contains("run `cargo xtask generate`"), "{stderr}");
    assert!(stdout.contains("verify: generated    FAILED"), "{stdout}");
    let after: Vec<String> = GENERATED
        .iter()
        .map(|f| std::fs::read_to_string(dir.path().join(f)).unwrap())
        .collect();
    assert_eq!(before, after, "verify wrote a file");
}

#[test]
fn hand_edited_artifact_is_stale() {
    let dir = project_copy();
    let edited = dir.path().join(GENERATED[2]);
    let mut text = std::fs::read_to_string(&edited).unwrap();
    text.push_str("export type Extra = string;\n");
    std::fs::write(&edited, text).unwrap();
    let spec = artifacts::load_spec(dir.path()).unwrap();
    let (files, _) = artifacts::expected(&spec).unwrap();
    let stale: Vec<String> = artifacts::stale(dir.path(), &files)
        .iter()
        .map(|a| a.path.display().to_string())
        .collect();
    assert_eq!(stale, vec![GENERATED[2].to_string()]);
}

#[test]
fn invalid_contract_fails_verify_with_exit_2() {
    let dir = project_copy();
    let spec_path = dir.path().join(artifacts::SPEC);
    let spec = std::fs::read_to_string(&spec_path).unwrap();
    std::fs::write(
        &spec_path,
        spec.replacen("      operationId: health\n", "", 1),
    )
    .unwrap();
    let output = xtask(&["--root", dir.path().to_str().unwrap(), "verify"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("/paths/~1healthz/get: the operation has no operationId")
            && stderr.contains("give it an operationId of its own"),
        "{stderr}"
    );
}

/// A breaking edit of the contract on a branch: `verify` fails the `breaking` step, naming
/// the rule and the pointer, against the merge base with `main`.
#[test]
fn a_breaking_edit_on_a_branch_fails_verify_naming_the_rule_and_the_pointer() {
    let dir = project_copy();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args([
                "-c",
                "user.email=ci@example.com",
                "-c",
                "user.name=ci",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git runs");
        assert!(
            status.status.success(),
            "git {args:?}: {}",
            text(&status.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "contract"]);
    git(&["checkout", "-q", "-b", "feature"]);
    let path = dir.path().join(artifacts::SPEC);
    let spec = std::fs::read_to_string(&path).unwrap();
    let edited = spec.replacen(
        "    NewItem:\n      type: object\n      required: [name]",
        "    NewItem:\n      type: object\n      required: [name, description]",
        1,
    );
    assert_ne!(spec, edited);
    std::fs::write(&path, edited).unwrap();
    git(&["commit", "-q", "-am", "description required"]);

    let output = xtask(&["--root", dir.path().to_str().unwrap(), "verify"]);
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("verify: breaking     FAILED 1 breaking change(s) against"),
        "{stdout}"
    );
    assert!(
        stdout.contains("request.property_made_required at #/components/schemas/NewItem/required"),
        "{stdout}"
    );
    assert!(
        stderr.contains("the contract breaks its clients"),
        "{stderr}"
    );

    // The same break, allowed with a reason, passes the step.
    std::fs::write(
        dir.path().join("openapi/breaking-allowed.txt"),
        "request.property_made_required #/components/schemas/NewItem/required agreed with every client team\n",
    )
    .unwrap();
    let output = xtask(&["--root", dir.path().to_str().unwrap(), "verify"]);
    let stdout = text(&output.stdout);
    assert!(stdout.contains("verify: breaking     ok"), "{stdout}");
}

/// Outside a git checkout the comparison is a note, never a failure.
#[test]
fn no_base_revision_is_a_note() {
    let dir = project_copy();
    let output = xtask(&["--root", dir.path().to_str().unwrap(), "verify"]);
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("verify: breaking     ok     note: no base revision"),
        "{stdout}"
    );
}
