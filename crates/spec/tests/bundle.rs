//! A spec split over several files loads as one document with local references.

use std::path::{Path, PathBuf};

use accord_spec::{Spec, SpecError};
use serde_json::json;

mod common;

use common::{at, fixture};

#[test]
fn a_split_spec_is_bundled_into_one_document() {
    let spec = Spec::load(fixture("fixtures/specs/split.yaml")).unwrap();
    let pets = "/paths/~1pets";
    // A path item has no place in 3.0's components: copied in place.
    assert_eq!(at(&spec, &format!("{pets}/get/operationId")), "listPets");
    assert_eq!(
        at(&spec, "/paths/~1pets~1{petId}/get/operationId"),
        "showPetById"
    );
    // Everything else goes into components under its own name and is referred to.
    assert_eq!(
        at(&spec, &format!("{pets}/get/parameters/0")),
        &json!({"$ref": "#/components/parameters/limit"})
    );
    assert_eq!(
        at(&spec, &format!("{pets}/post/requestBody")),
        &json!({"$ref": "#/components/requestBodies/NewPet"})
    );
    assert_eq!(
        at(&spec, &format!("{pets}/get/responses/default")),
        &json!({"$ref": "#/components/responses/Error"})
    );
    assert_eq!(
        at(
            &spec,
            &format!("{pets}/get/responses/200/content/application~1json/schema/items")
        ),
        &json!({"$ref": "#/components/schemas/Pet"})
    );
    // One file referred to from three places is one schema.
    assert_eq!(
        at(
            &spec,
            "/components/requestBodies/NewPet/content/application~1json/schema"
        ),
        &json!({"$ref": "#/components/schemas/Pet"})
    );
    // A cycle across files stays a pair of references.
    assert_eq!(
        at(&spec, "/components/schemas/Pet/properties/owner"),
        &json!({"$ref": "#/components/schemas/Owner"})
    );
    assert_eq!(
        at(&spec, "/components/schemas/Owner/properties/pets/items"),
        &json!({"$ref": "#/components/schemas/Pet"})
    );
    // A pointer into the file itself; the name the root already uses for something else
    // is not taken over.
    assert_eq!(
        at(&spec, "/components/schemas/Pet/properties/tags/items"),
        &json!({"$ref": "#/components/schemas/Tag2"})
    );
    assert_eq!(
        at(&spec, "/components/schemas/Tag"),
        &json!({"type": "string"})
    );
    assert_eq!(
        at(&spec, "/components/schemas/Tag2/properties/label/type"),
        "string"
    );
    // A reference back into the root document.
    assert_eq!(
        at(
            &spec,
            "/components/responses/Error/content/application~1json/schema"
        ),
        &json!({"$ref": "#/components/schemas/Error"})
    );
    // Each file brought in is a note, named relative to the spec.
    let notes: Vec<String> = spec.notes.iter().map(ToString::to_string).collect();
    for file in [
        "split/paths/pets.yaml",
        "split/paths/pet.yaml",
        "split/schemas/Pet.yaml",
        "split/schemas/Owner.yaml",
        "split/parameters.yaml",
        "split/bodies.yaml",
        "split/responses.yaml",
    ] {
        assert!(
            notes.iter().any(|n| n.ends_with(&format!("`{file}`"))),
            "no note for {file}: {notes:#?}"
        );
    }
    // The typed model sees the three operations.
    assert_eq!(spec.operation_count(), 3);
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

/// A spec in `dir` whose one schema `A` is `$ref: reference`.
fn schema_ref(dir: &Path, name: &str, reference: &str) -> PathBuf {
    write(
        dir,
        name,
        &format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      $ref: '{reference}'\n"),
    )
}

fn problems(path: &Path) -> Vec<String> {
    match Spec::load(path) {
        Err(e @ SpecError::Invalid { .. }) => {
            e.problems().iter().map(ToString::to_string).collect()
        }
        other => panic!("expected located problems, got {other:?}"),
    }
}

#[test]
fn a_reference_that_cannot_be_followed_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "missing.yaml",
        &format!("{HEAD}paths:\n  /a:\n    $ref: paths/a.yaml\n"),
    );
    let found = problems(&spec);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("/paths/~1a/$ref: $ref `paths/a.yaml`: cannot read"),
        "{found:?}"
    );

    let spec = schema_ref(dir.path(), "remote.yaml", "https://example.com/a.yaml#/A");
    let found = problems(&spec);
    assert!(found[0].starts_with("/components/schemas/A/$ref: $ref `https://example.com/a.yaml#/A` names a remote document"), "{found:?}");

    write(dir.path(), "other.yaml", "A: {type: string}\n");
    let spec = schema_ref(dir.path(), "pointer.yaml", "other.yaml#/B");
    let found = problems(&spec);
    assert!(found[0].contains("nothing is at `/B`"), "{found:?}");

    write(dir.path(), "broken.yaml", "A: [unclosed\n");
    let spec = schema_ref(dir.path(), "syntax.yaml", "broken.yaml#/A");
    let found = problems(&spec);
    assert!(
        found[0].contains("broken.yaml: not valid YAML"),
        "{found:?}"
    );
}

#[test]
fn path_items_that_refer_to_themselves_are_refused_not_followed_forever() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "loop.yaml",
        "get:\n  callbacks:\n    again:\n      '{$request.body#/url}':\n        $ref: loop.yaml\n  responses: {'200': {description: ok}}\n",
    );
    let spec = write(
        dir.path(),
        "spec.yaml",
        &format!("{HEAD}paths:\n  /a:\n    $ref: loop.yaml\n"),
    );
    // The callback is a component; the path item inside it refers back to the file being
    // copied in place.
    let found = problems(&spec);
    assert!(
        found.iter().any(|p| p.contains("leads back to itself")),
        "{found:?}"
    );
}

#[test]
fn a_percent_encoded_file_name_is_read() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "my schemas.yaml", "Thing: {type: string}\n");
    let spec = schema_ref(dir.path(), "spec.yaml", "my%20schemas.yaml#/Thing");
    let spec = Spec::load(spec).unwrap();
    assert_eq!(
        at(&spec, "/components/schemas/A"),
        &json!({"$ref": "#/components/schemas/Thing"})
    );
    assert_eq!(
        at(&spec, "/components/schemas/Thing"),
        &json!({"type": "string"})
    );
}
