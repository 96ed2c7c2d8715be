//! An error envelope of the schema kind with a request id (`{"error", "message",
//! "request_id"}`, as the user's documents describe): the id must be the answer's
//! `X-Request-Id`, the one a user quotes from the error the frontend shows.

use accord_conformance::rules::Rule;
use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Correlated, version: 1.0.0 }
paths:
  /api/notes/{id}:
    get:
      operationId: get_note
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses:
        "200": { description: "", content: { application/json: { schema: { type: object } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
components:
  schemas:
    Error:
      type: object
      required: [error, message, request_id]
      properties:
        error: { type: string }
        message: { type: string }
        request_id: { type: string }
"##;

#[derive(Clone)]
struct Notes {
    /// The error's `request_id` is a new id, not the header's.
    mismatched: bool,
}

impl Respond for Notes {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let id = "3f6c1a";
        let body = json!({"error": "Not found", "message": "No such note",
            "request_id": if self.mismatched { "9d2e07" } else { id }});
        ResponseTemplate::new(404)
            .insert_header("x-request-id", id)
            .set_body_json(body)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_s_request_id_is_the_answer_s_x_request_id() {
    let tags = "@errors and not @writes";
    let correct = crate::tagged_run(SPEC, Notes { mismatched: false }, tags).await;
    assert!(
        !correct
            .stdout
            .contains("does not equal the X-Request-Id header"),
        "{}",
        correct.stdout
    );
    let broken = crate::tagged_run(SPEC, Notes { mismatched: true }, tags).await;
    assert!(
        broken.failed_by(
            "unknown route",
            Rule::Envelope,
            "the error's `request_id` (9d2e07) does not equal the X-Request-Id header (3f6c1a)"
        ),
        "{}",
        broken.stdout
    );
}
