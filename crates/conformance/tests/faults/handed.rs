//! A token handed out for any user id (`GET /auth/{user_id}`, answered as text, Connexion's
//! JWT example): no resource a frontend reads, so a made-up id answered 200 is what the
//! spec says, and the run has no read by id to ask for a missing resource. The same route
//! documented as answering a JSON object is one, and its 200 for a made-up id fails.

use accord_conformance::rules::Rule;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Tokens, version: "1" }
paths:
  /auth/{user_id}:
    get:
      operationId: generateToken
      parameters:
        - { name: user_id, in: path, required: true, schema: { type: integer }, example: 12 }
      responses:
        "200":
          description: a token for the user
          content: { text/plain: { schema: { type: string } } }
"##;

/// Answers any id with a token, as text or, where `json`, as an object.
struct Handed {
    json: bool,
}

impl Respond for Handed {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match request.url.path().strip_prefix("/auth/") {
            Some(_) if self.json => {
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"token": "t"}))
            }
            Some(_) => ResponseTemplate::new(200).set_body_raw("t", "text/plain"),
            None => {
                ResponseTemplate::new(404).set_body_json(serde_json::json!({"detail": "not found"}))
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_handed_out_for_any_id_is_no_resource_to_miss() {
    let missing = "a request for a missing resource";
    let run = crate::tagged_run(SPEC, Handed { json: false }, "@errors").await;
    assert_eq!(run.verdict(missing), "skipped", "{}", run.stdout);
    assert!(
        run.stdout
            .contains("the spec has no GET of a resource by id"),
        "{}",
        run.stdout
    );
    let spec = SPEC.replace(
        "content: { text/plain: { schema: { type: string } } }",
        "content: { application/json: { schema: { type: object, properties: { token: { type: string } } } } }",
    );
    let run = crate::tagged_run(&spec, Handed { json: true }, "@errors").await;
    assert!(
        run.failed_by(missing, Rule::ErrorsStatus, "expected 404, got 200"),
        "{}",
        run.stdout
    );
}
