//! A 405's `Allow` sent as one header line per method, as go-chi sends it (`Allow: GET` and
//! `Allow: POST`): RFC 9110 reads the lines as one list, and the path's methods are all
//! there. A backend that sends only one of them leaves the other out.

use accord_conformance::rules::Rule;
use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Notes, version: 1.0.0 }
paths:
  /api/notes:
    get:
      operationId: list_notes
      responses:
        "200": { description: "", content: { application/json: { schema: { type: array, items: { type: object } } } } }
    post:
      operationId: create_note
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [text], properties: { text: { type: string } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { type: object } } } }
        "400": { description: invalid }
"##;

#[derive(Clone)]
struct Notes {
    /// Every method of the path on a line of its own, not only the first.
    every_line: bool,
}

impl Respond for Notes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path() != "/api/notes" {
            return ResponseTemplate::new(404).set_body_json(json!({"error": "Not Found"}));
        }
        match request.method.as_str() {
            "GET" => ResponseTemplate::new(200).set_body_json(json!([])),
            "POST" => {
                let body: serde_json::Value =
                    serde_json::from_slice(&request.body).unwrap_or_default();
                if body.get("text").is_some_and(serde_json::Value::is_string) {
                    ResponseTemplate::new(201).set_body_json(json!({"id": 1}))
                } else {
                    ResponseTemplate::new(400).set_body_json(json!({"error": "invalid"}))
                }
            }
            _ => {
                let answer = ResponseTemplate::new(405)
                    .append_header("allow", "GET")
                    .set_body_json(json!({"error": "Method Not Allowed"}));
                if self.every_line {
                    answer.append_header("allow", "POST")
                } else {
                    answer
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_allow_on_several_lines_is_one_list() {
    let run = crate::tagged_run(SPEC, Notes { every_line: true }, "@errors").await;
    assert!(!run.failed_by("", Rule::ErrorsAllow, ""), "{}", run.stdout);
    assert_eq!(
        run.verdict("Every path answers a method it does not document with the methods it has"),
        "passed",
        "{}",
        run.stdout
    );
    let run = crate::tagged_run(SPEC, Notes { every_line: false }, "@errors").await;
    assert!(
        run.failed_by("", Rule::ErrorsAllow, "leaves out POST"),
        "{}",
        run.stdout
    );
}
