//! `accord` in a scratch repository of a team's own, as a new user runs it: `init`, then
//! `generate` and `verify`; a breaking change, a stale generated file, a bad `accord.toml` and
//! a failing spec command each fail as they should, naming what to do.

mod common;
use common::git;

use std::path::Path;
use std::process::{Command, Output};

fn accord(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("accord runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A repository holding the petstore spec, initialized and generated, all committed on main.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/specs/petstore.yaml");
    std::fs::copy(spec, root.join("openapi.yaml")).unwrap();
    let init = accord(root, &["init"]);
    assert_eq!(init.status.code(), Some(0), "{}", text(&init));
    assert!(
        text(&init).contains("found openapi.yaml"),
        "{}",
        text(&init)
    );
    assert!(root.join("accord-profile.toml").is_file());
    let generated = accord(root, &["generate"]);
    assert_eq!(generated.status.code(), Some(0), "{}", text(&generated));
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "the API"]);
    dir
}

#[test]
fn init_generate_and_verify_pass_then_a_break_and_a_stale_file_fail() {
    let dir = repository();
    let root = dir.path();
    let ok = accord(root, &["verify"]);
    let out = text(&ok);
    assert_eq!(ok.status.code(), Some(0), "{out}");
    for line in [
        "verify: spec ",
        "verify: generated",
        "verify: breaking",
        "verify: typescript",
    ] {
        assert!(out.contains(line), "{line} missing in {out}");
    }
    assert!(out.contains("verify: passed"), "{out}");

    // A model change that breaks clients, on a branch.
    git(root, &["checkout", "-qb", "change"]);
    let spec = std::fs::read_to_string(root.join("openapi.yaml")).unwrap();
    let changed = spec.replacen(
        "        name:\n          type: string",
        "        name:\n          type: integer",
        1,
    );
    assert_ne!(spec, changed, "the fixture has Pet.name as a string");
    std::fs::write(root.join("openapi.yaml"), changed).unwrap();
    let regenerated = accord(root, &["generate"]);
    assert_eq!(regenerated.status.code(), Some(0), "{}", text(&regenerated));
    git(root, &["commit", "-qam", "name becomes a number"]);
    let broken = accord(root, &["verify"]);
    let out = text(&broken);
    assert_eq!(broken.status.code(), Some(1), "{out}");
    assert!(out.contains("verify: breaking     FAILED"), "{out}");
    assert!(out.contains("response.type_changed"), "{out}");
    assert!(out.contains("verify: generated    ok"), "{out}");

    // A generated file edited by hand (or not regenerated) is stale.
    let types = root.join("generated/api-types/index.d.ts");
    let mut edited = std::fs::read_to_string(&types).unwrap();
    edited.push_str("// edited\n");
    std::fs::write(&types, edited).unwrap();
    let stale = accord(root, &["verify", "--base", "HEAD"]);
    let out = text(&stale);
    assert_eq!(stale.status.code(), Some(1), "{out}");
    assert!(
        out.contains("1 stale: generated/api-types/index.d.ts; run `accord generate`"),
        "{out}"
    );
    assert!(out.contains("verify: breaking     ok"), "{out}");
}

#[test]
fn a_bad_configuration_or_spec_command_is_an_input_error_naming_it() {
    let dir = repository();
    let root = dir.path();
    let config = root.join("accord.toml");
    let good = std::fs::read_to_string(&config).unwrap();

    std::fs::write(
        &config,
        format!("{good}\n[conformance]\nprofil = \"p.toml\"\n"),
    )
    .unwrap();
    let typo = accord(root, &["verify"]);
    let lines = good.lines().count();
    assert_eq!(typo.status.code(), Some(2), "{}", text(&typo));
    assert!(
        text(&typo).contains(&format!(
            "accord.toml: line {}: unknown field `profil`",
            lines + 3
        )),
        "{}",
        text(&typo)
    );

    let command = good.replace(
        "path = \"openapi.yaml\"",
        "command = \"no-such-tool --print-spec\"",
    );
    std::fs::write(&config, command).unwrap();
    let missing = accord(root, &["verify"]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(
        text(&missing).contains("the spec command `no-such-tool --print-spec` failed"),
        "{}",
        text(&missing)
    );

    // A command whose output is the spec reads as the file did.
    let printed = good.replace("path = \"openapi.yaml\"", "command = \"cat openapi.yaml\"");
    std::fs::write(&config, printed).unwrap();
    let generated = accord(root, &["generate"]);
    assert_eq!(generated.status.code(), Some(0), "{}", text(&generated));
    let ok = accord(root, &["verify", "--base", "HEAD"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
}

/// `accord reach` over a folder: a spec accord reads is written and checked for every target,
/// a document that is no spec is counted as refused, and the summary says so.
#[test]
fn reach_reports_each_spec_of_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let petstore = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/specs/petstore.yaml");
    std::fs::copy(petstore, specs.join("petstore.yaml")).unwrap();
    std::fs::write(
        specs.join("broken.yaml"),
        "openapi: 3.0.3\ninfo: [not, a, map]\npaths: [not, a, map]\n",
    )
    .unwrap();
    let out = accord(dir.path(), &["reach", "specs", "--out", "reach-out"]);
    let text = text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("petstore.yaml") && l.contains(" ok ")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("broken.yaml") && l.contains("refused")),
        "{text}"
    );
    assert!(text.contains("reach: 2 specs; "), "{text}");
    assert!(text.contains("1 refused at load"), "{text}");
}

/// The TypeScript check runs the team's own `tsc` when the repository has one installed
/// (`node_modules/.bin/tsc` above the types), and says whose it ran.
#[test]
fn the_typescript_check_uses_the_teams_own_tsc() {
    let dir = repository();
    let root = dir.path();
    let ok = accord(root, &["verify", "--base", "HEAD"]);
    assert!(
        text(&ok).contains("index.d.ts (accord's TypeScript)"),
        "{}",
        text(&ok)
    );
    // A team's tsc that refuses everything, as a newer TypeScript might.
    let bin = root.join("node_modules/.bin");
    std::fs::create_dir_all(&bin).unwrap();
    let tsc = bin.join("tsc");
    std::fs::write(
        &tsc,
        "#!/bin/sh\necho \"index.d.ts(1,1): error TS9999: the team's TypeScript refuses this\"\nexit 2\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&tsc, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let refused = accord(root, &["verify", "--base", "HEAD"]);
    let out = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{out}");
    assert!(out.contains("error TS9999"), "{out}");
    assert!(
        out.contains("verify: typescript   FAILED tsc --strict --noEmit generated/api-types/index.d.ts (the team's node_modules/.bin/tsc)"),
        "{out}"
    );
}
