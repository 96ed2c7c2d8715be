//! `cargo xtask diff` as a CI gate uses it: exit codes, every report form, the allow-list and
//! `git:REF`.

use crate::{root, text, xtask};

/// The contract with `description` of `NewItem` made required: a breaking request change.
fn broken_contract(dir: &std::path::Path) -> std::path::PathBuf {
    let spec = std::fs::read_to_string(root().join("openapi/api.yaml")).unwrap();
    let edited = spec.replacen(
        "    NewItem:\n      type: object\n      required: [name]",
        "    NewItem:\n      type: object\n      required: [name, description]",
        1,
    );
    assert_ne!(spec, edited, "the edit applies");
    let path = dir.join("api.yaml");
    std::fs::write(&path, edited).unwrap();
    path
}

#[test]
fn the_same_spec_is_no_change() {
    let spec = root().join("openapi/api.yaml");
    let output = xtask(&[
        "diff",
        spec.to_str().unwrap(),
        spec.to_str().unwrap(),
        "--format",
        "text",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("diff: 0 breaking, 0 warning, 0 info"));
}

#[test]
fn a_breaking_change_fails_naming_the_rule_and_the_pointer_in_every_form() {
    let dir = tempfile::tempdir().unwrap();
    let new = broken_contract(dir.path());
    let old = root().join("openapi/api.yaml");
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());

    let output = xtask(&["diff", old, new, "--format", "text"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("request.property_made_required at #/components/schemas/NewItem/required"),
        "{stderr}"
    );
    let stdout = text(&output.stdout);
    assert!(stdout.contains("POST /api/v1/items"), "{stdout}");

    let json: serde_json::Value =
        serde_json::from_slice(&xtask(&["diff", old, new, "--format", "json"]).stdout).unwrap();
    assert_eq!(json["breaking"], 1);
    assert_eq!(
        json["findings"][0]["rule"],
        "request.property_made_required"
    );
    assert_eq!(
        json["findings"][0]["new"],
        "#/components/schemas/NewItem/required"
    );

    let markdown = text(&xtask(&["diff", old, new, "--format", "markdown"]).stdout);
    assert!(
        markdown.contains("| breaking | `request.property_made_required` |"),
        "{markdown}"
    );
    let junit = text(&xtask(&["diff", old, new, "--format", "junit"]).stdout);
    assert!(
        junit.contains("failures=\"1\"") && junit.contains("<failure"),
        "{junit}"
    );
    let github = text(&xtask(&["diff", old, new, "--format", "github"]).stdout);
    assert!(github.starts_with("::error file="), "{github}");
    let changelog = text(&xtask(&["diff", old, new, "--changelog"]).stdout);
    assert!(changelog.contains("## Breaking changes"), "{changelog}");
    assert!(
        changelog.contains("property `description` is now required"),
        "{changelog}"
    );
}

#[test]
fn an_allowed_break_passes_and_the_allow_list_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let new = broken_contract(dir.path());
    let old = root().join("openapi/api.yaml");
    let allow = dir.path().join("allow.txt");
    std::fs::write(
        &allow,
        "# deliberate breaks\nrequest.property_made_required #/components/schemas/NewItem/required every client sends it since v2\n",
    )
    .unwrap();
    let output = xtask(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--allow",
        allow.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("1 breaking change(s) allowed"));

    std::fs::write(
        &allow,
        "request.property_made_required #/components/schemas/NewItem/required\n",
    )
    .unwrap();
    let output = xtask(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--allow",
        allow.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("give the reason"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn git_revisions_load_the_contract() {
    let spec = root().join("openapi/api.yaml");
    let output = xtask(&["diff", "git:HEAD", spec.to_str().unwrap()]);
    // The working copy may differ from HEAD only by what is committed next; it loads.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        text(&output.stderr)
    );
    let output = xtask(&["diff", "git:no-such-revision", spec.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("git:no-such-revision"),
        "{}",
        text(&output.stderr)
    );
}

/// A document whose meaning is plain despite a broken rule (an operation without `responses`)
/// is diffed as its peers diff it, the repair said on standard error; `--strict` refuses it.
#[test]
fn a_repaired_document_is_diffed_and_strict_refuses_it() {
    let spec = root().join("fixtures/malformed/missing-responses.yaml");
    let spec = spec.to_str().unwrap();
    let output = xtask(&["diff", spec, spec, "--format", "text"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("read despite 1 break(s) of the OpenAPI specification")
            && stderr.contains("/paths/~1pets/get: GET /pets documents no `responses`"),
        "{stderr}"
    );
    let output = xtask(&["diff", spec, spec, "--strict"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("/paths/~1pets/get: GET /pets documents no `responses`"),
        "{stderr}"
    );
}

/// Two tightenings of one property are two findings: allowing the first lets only it through,
/// and an entry that names no change is a warning.
#[test]
fn allowing_one_tightening_lets_only_that_one_through() {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(root().join("openapi/api.yaml")).unwrap();
    let edited = spec.replacen(
        "        name:\n          type: string\n          minLength: 1\n          maxLength: 200\n        description:",
        "        name:\n          type: string\n          minLength: 1\n          maxLength: 100\n          pattern: \"^[a-z]+$\"\n        description:",
        1,
    );
    assert_ne!(spec, edited, "the edit applies");
    let new = dir.path().join("api.yaml");
    std::fs::write(&new, edited).unwrap();
    let old = root().join("openapi/api.yaml");
    let allow = dir.path().join("allow.txt");
    std::fs::write(
        &allow,
        "request.tightened #/components/schemas/NewItem/properties/name/maxLength names are short now\n\
         request.tightened #/components/schemas/NewItem/properties/title/maxLength no such change\n",
    )
    .unwrap();
    let output = xtask(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--allow",
        allow.to_str().unwrap(),
        "--format",
        "junit",
    ]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("failures=\"1\""), "{stdout}");
    assert!(stdout.contains("`pattern` is now"), "{stdout}");
    assert!(
        stderr.contains("`request.tightened #/components/schemas/NewItem/properties/title/maxLength` matches no change"),
        "{stderr}"
    );
}
