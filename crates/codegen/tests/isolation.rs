//! An operation progenitor cannot handle is left out and named; the rest of the client is
//! generated. A body progenitor has a helper for in another form (text) is sent so, noted;
//! a `multipart/form-data` body is a typed form; OPTIONS is sent as OPTIONS; a `deepObject`
//! query parameter is written in its style, as are delimited ones and one described by JSON;
//! one described by XML leaves its operation out.

use accord_codegen::{Origin, Prepared, rust_client};
use accord_spec::Spec;

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /notes:
    post:
      operationId: post_note
      requestBody:
        required: true
        content:
          text/plain:
            schema:
              type: object
      responses:
        "204": {description: stored}
  /things:
    get:
      operationId: list_things
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: string}}
  /upload:
    post:
      operationId: upload
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema: {type: object}
      responses:
        "201": {description: stored}
    options:
      operationId: upload_options
      responses:
        "204": {description: the methods}
  /search:
    get:
      operationId: search
      parameters:
        - name: filter
          in: query
          required: true
          content:
            application/xml:
              schema: {type: object, properties: {a: {type: string}}}
      responses:
        "204": {description: found}
  /search/json:
    get:
      operationId: search_json
      parameters:
        - name: filter
          in: query
          required: true
          content:
            application/json:
              schema: {type: object, properties: {a: {type: string}}}
        - {name: ids, in: query, style: pipeDelimited, schema: {type: array, items: {type: integer}}}
      responses:
        "204": {description: found}
  /filtered:
    get:
      operationId: filtered
      parameters:
        - name: filter
          in: query
          required: true
          style: deepObject
          schema: {type: object, properties: {a: {type: string}}}
      responses:
        "204": {description: found}
"#;

#[test]
fn failing_operations_are_left_out_by_name() {
    let spec = Spec::parse(SPEC, "inline.yaml").unwrap();
    let origin = Origin {
        source: "inline.yaml",
        command: "test",
    };
    let prepared = Prepared::new(&spec).unwrap();
    let output = rust_client::generate(&prepared, &origin).expect("the rest still generates");
    // What preparing decided up front, then what the client run found.
    let notes: Vec<String> = prepared
        .notes
        .iter()
        .chain(&output.notes)
        .map(ToString::to_string)
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("POST /notes: the client takes the text body as a `String`")),
        "{notes:#?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("left out operation `search`") && n.contains("`content`")),
        "{notes:#?}"
    );
    // A query parameter described by JSON `content` goes as JSON text; a `pipeDelimited` one
    // as `1|2`.
    assert!(
        output.text.contains("JsonQuery::new(\"filter\", &filter)"),
        "{}",
        output.text
    );
    assert!(
        output.text.contains("Delimited::new(\"ids\", \"|\", &ids)"),
        "{}",
        output.text
    );
    // A deepObject query parameter is written as `filter[a]=...`.
    assert!(
        output.text.contains("DeepObject::new(\"filter\", &filter)"),
        "{}",
        output.text
    );
    assert!(
        !notes
            .iter()
            .any(|n| n.contains("left out operation `upload")),
        "{notes:#?}"
    );
    assert!(output.text.contains("pub async fn list_things"));
    assert!(output.text.contains("pub async fn post_note"));
    assert!(!output.text.contains("pub async fn search<"));
    assert!(!output.text.contains("pub async fn search("));
    assert!(output.text.contains("pub async fn search_json<"));
    // The form, encoded by the method itself, with its boundary in the content type.
    assert!(
        output.text.contains("body: &'a multipart::UploadForm,"),
        "{}",
        output.text
    );
    assert!(output.text.contains("pub struct UploadForm"));
    // OPTIONS under its own verb and path.
    assert!(
        output
            .text
            .contains(".request(::reqwest::Method::OPTIONS, url)"),
        "{}",
        output.text
    );
    assert!(
        output
            .text
            .contains("Sends an `OPTIONS` request to `/upload`")
    );
    assert!(!output.text.contains("__accord_method_"));
}

/// A server variable is no schema: its `default` stays, whatever its `enum` says (an empty
/// one, or one without the default), and the client is written.
#[test]
fn a_server_variable_is_not_read_as_a_schema() {
    for variable in ["{enum: [], default: a}", "{enum: [a], default: b}"] {
        let text = format!(
            r#"
openapi: 3.0.0
info: {{title: t, version: "1"}}
servers:
  - url: https://example.com/{{var}}
    variables:
      var: {variable}
paths:
  /things:
    get:
      operationId: list_things
      responses:
        "200": {{description: ok}}
"#
        );
        let spec = Spec::parse(&text, "inline.yaml").unwrap();
        let origin = Origin {
            source: "inline.yaml",
            command: "test",
        };
        let prepared = Prepared::new(&spec).unwrap();
        let output =
            rust_client::generate(&prepared, &origin).unwrap_or_else(|e| panic!("{variable}: {e}"));
        assert!(
            output.text.contains("pub async fn list_things"),
            "{variable}"
        );
    }
}

/// A property may be named like a keyword (`default`, `example`, `enum`): the walk over the
/// model enters it as a name, so a default its schema refuses is dropped there too, as it is
/// under any other name.
#[test]
fn a_property_named_like_a_keyword_is_walked_as_any_other() {
    let text = r#"
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /settings:
    get:
      operationId: get_settings
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  default: {type: integer, default: "inf"}
                  other: {type: integer, default: "inf"}
                  properties: {type: integer, default: "inf"}
                  example: {type: string, enum: [a-b, a_b]}
"#;
    let spec = Spec::parse(text, "inline.yaml").unwrap();
    let origin = Origin {
        source: "inline.yaml",
        command: "test",
    };
    let prepared = Prepared::new(&spec).unwrap();
    let output = rust_client::generate(&prepared, &origin).expect("the client is written");
    assert!(output.text.contains("pub async fn get_settings"));
    let dropped: Vec<String> = prepared
        .notes
        .iter()
        .map(ToString::to_string)
        .filter(|n| n.contains("does not fit its schema"))
        .collect();
    assert_eq!(dropped.len(), 3, "{dropped:#?}");
    assert!(
        prepared
            .notes
            .iter()
            .any(|n| n.to_string().contains("properties/example/enum")),
        "{:#?}",
        prepared.notes
    );
}
