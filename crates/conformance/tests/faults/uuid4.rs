//! A parameter FastAPI types as pydantic's `UUID4` is `format: uuid4` in its spec (LNbits's
//! `usr` on every route). The run took it for free text, sent it empty as an ordinary value
//! and reported its refusal, `value is not a valid uuid`, as a constraint the spec leaves
//! unstated, seventeen times; it is a UUID's format, whose nil UUID is its edge.

use accord_conformance::rules::Rule;
use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Wallet, version: "1" }
paths:
  /api/v1/status:
    get:
      operationId: status
      parameters:
        - { name: usr, in: query, required: false, schema: { type: string, format: uuid4 } }
      responses:
        "200": { description: The status, content: { application/json: { schema: { type: object } } } }
        "422": { description: invalid, content: { application/json: { schema: { type: object, properties: { detail: { type: array, items: { type: object } } } } } } }
"##;

/// Refuses a `usr` that is no UUID with 400 (LNbits answers validation errors so); when
/// `broken`, crashes on the nil UUID.
struct Status {
    broken: bool,
}

impl Respond for Status {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path() != "/api/v1/status" {
            return ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"}));
        }
        let usr = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "usr")
            .map(|(_, v)| v.into_owned());
        match usr.as_deref() {
            None => ResponseTemplate::new(200).set_body_json(json!({})),
            Some("00000000-0000-0000-0000-000000000000") if self.broken => {
                ResponseTemplate::new(500).set_body_json(json!({"detail": "boom"}))
            }
            Some(u) if uuid::Uuid::parse_str(u).is_ok() => {
                ResponseTemplate::new(200).set_body_json(json!({}))
            }
            Some(_) => ResponseTemplate::new(400).set_body_json(json!({"detail": [
                {"loc": ["query", "usr"], "msg": "value is not a valid uuid", "type": "type_error.uuid"}
            ]})),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_uuid4_parameter_is_a_uuid_not_free_text() {
    let run = crate::tagged_run(SPEC, Status { broken: false }, "@boundary").await;
    assert!(!run.failed_by("", Rule::Boundary, "usr"), "{}", run.stdout);
    let broken = crate::tagged_run(SPEC, Status { broken: true }, "@boundary").await;
    assert!(
        broken.failed_by("", Rule::Boundary, "a server error (500) for the nil UUID"),
        "{}",
        broken.stdout
    );
}
