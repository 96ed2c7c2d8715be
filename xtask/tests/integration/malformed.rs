//! Every malformed spec is refused with exit code 2, a located message, and no panic; one
//! whose meaning is plain despite a broken rule is read with a note, and refused by `--strict`.

use crate::{generate_spec, generate_spec_with, text, xtask};

/// Runs `generate --spec` on `fixtures/malformed/<file>` and checks the error names the file,
/// the JSON pointer and what is wrong.
fn check(file: &str, pointer: &str, message: &str) {
    check_with(file, &[], pointer, message);
}

fn check_with(file: &str, flags: &[&str], pointer: &str, message: &str) {
    let spec = crate::root().join("fixtures/malformed").join(file);
    let (output, out_dir) = generate_spec_with(&spec, flags);
    let stderr = text(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{file}: exit code, stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{file}: panicked:\n{stderr}");
    assert!(
        stderr.contains(file),
        "{file}: the error does not name the file:\n{stderr}"
    );
    assert!(
        stderr.contains(pointer),
        "{file}: the error does not name `{pointer}`:\n{stderr}"
    );
    assert!(
        stderr.contains(message),
        "{file}: the error does not say `{message}`:\n{stderr}"
    );
    assert!(
        std::fs::read_dir(out_dir.path()).unwrap().next().is_none(),
        "{file}: wrote output for a bad spec"
    );
}

#[test]
fn bad_yaml() {
    check("bad-yaml.yaml", "line 4 column 11", "not valid YAML");
}

#[test]
fn bad_json() {
    check("bad-json.json", "line 1 column 72", "not valid JSON");
}

#[test]
fn empty_file() {
    check("empty.yaml", "", "the file is empty");
}

#[test]
fn not_an_object() {
    check("not-an-object.yaml", "#:", "the document is not an object");
}

#[test]
fn swagger_1() {
    check(
        "swagger-1.yaml",
        "/swagger",
        "Swagger 1.2 documents are not supported",
    );
}

#[test]
fn unsupported_version() {
    check(
        "unsupported-version.yaml",
        "/openapi",
        "`4.0.0` is not supported",
    );
}

#[test]
fn dangling_ref() {
    check(
        "dangling-ref.yaml",
        "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
        "dangling $ref `#/components/schemas/Pet`",
    );
}

/// A `$ref` to another file is followed (the spec is bundled); one to a file that is not
/// there is located, naming the file it looked for.
#[test]
fn external_ref_to_a_missing_file() {
    check(
        "external-ref.yaml",
        "/paths/~1pets/get/responses/200/$ref",
        "$ref `common.yaml#/components/responses/Ok`: cannot read",
    );
}

/// A document that breaks a rule of the specification where its meaning is plain is read as
/// openapi-typescript and oasdiff read it: every target written, the repair noted at its
/// pointer; `--strict` refuses it with the same words, writing nothing.
fn repaired(file: &str, pointer: &str, message: &str) {
    let spec = crate::root().join("fixtures/malformed").join(file);
    let (output, out_dir) = generate_spec(&spec);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{file}:\n{stdout}{}",
        text(&output.stderr)
    );
    let note = format!("note: {pointer}: ");
    assert!(
        stdout
            .lines()
            .any(|l| l.contains(&note) && l.contains(message)),
        "{file}: no note `{note}...{message}`:\n{stdout}"
    );
    assert!(out_dir.path().join("typescript/index.d.ts").is_file());
    assert!(out_dir.path().join("rust-client/src/lib.rs").is_file());
    check_with(file, &["--strict"], pointer, message);
}

#[test]
fn missing_responses() {
    repaired(
        "missing-responses.yaml",
        "/paths/~1pets/get",
        "GET /pets documents no `responses`",
    );
}

/// What real documents do and a generator can name is not an error for `--spec`: a missing
/// or repeated operationId gets a name, noted at its pointer (the contract itself stays
/// strict: `drift::invalid_contract_fails_verify_with_exit_2`).
fn named(file: &str, note: &str) {
    let spec = crate::root().join("fixtures/malformed").join(file);
    let (output, _out) = generate_spec(&spec);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{file}:\n{stdout}{}",
        text(&output.stderr)
    );
    assert!(stdout.contains(note), "{file}: no note `{note}`:\n{stdout}");
}

#[test]
fn missing_operation_id() {
    named(
        "missing-operation-id.yaml",
        "/paths/~1pets/post: the operation has no operationId; POST /pets is named `post_pets`",
    );
}

#[test]
fn duplicate_operation_id() {
    named(
        "duplicate-operation-id.yaml",
        "/paths/~1b/get: operationId `same` is used twice; GET /b is named `same_2`",
    );
}

#[test]
fn undeclared_path_parameter() {
    repaired(
        "undeclared-path-parameter.yaml",
        "/paths/~1pets~1{pet_id}/get",
        "path parameter `pet_id` is not declared",
    );
}

#[test]
fn bad_status_code() {
    check(
        "bad-status-code.yaml",
        "/paths/~1pets/get/responses/ok",
        "`ok` is not a status code",
    );
}

#[test]
fn undefined_security_scheme() {
    repaired(
        "undefined-security-scheme.yaml",
        "/security/0",
        "security scheme `apiKey` is not defined",
    );
}

/// Not every malformation is fatal: a missing `info.title` is named, given a placeholder,
/// and every target is still written.
#[test]
fn missing_title_is_a_note_not_a_refusal() {
    let spec = crate::root().join("fixtures/malformed/missing-title.yaml");
    let (output, out_dir) = generate_spec(&spec);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("note: /info: `info.title` is missing; `API` is used"),
        "{stdout}"
    );
    assert!(out_dir.path().join("typescript/index.d.ts").is_file());
    assert!(out_dir.path().join("rust-server/src/lib.rs").is_file());
}

#[test]
fn bad_parameter_location() {
    check(
        "bad-parameter-location.yaml",
        "/paths/~1pets/get/parameters/0/in",
        "a body is a `requestBody`",
    );
}

#[test]
fn missing_file() {
    check("does-not-exist.yaml", "", "cannot read the file");
}

#[test]
fn usage_error_exits_2() {
    let output = xtask(&["generate", "--spec", "openapi/api.yaml"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("--out"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn self_containing_schema() {
    check(
        "self-containing-schema.yaml",
        "/components/schemas/Money/allOf/0/$ref",
        "schema `Money` requires itself",
    );
}
