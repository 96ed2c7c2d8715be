//! A spec that secures only its deletes and updates and leaves the create open (utoipa's
//! to-do example: an API key on `DELETE` and `PUT`, none on `POST /todos`): the error
//! scenarios of a broken body go to the open create, as the signed-in frontend's bodies
//! do, rather than being skipped for want of a secured operation with a body.

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.1.0
info: { title: Todos, version: 1.0.0 }
components:
  securitySchemes:
    api_key: { type: apiKey, in: header, name: todo_apikey }
  schemas:
    Error:
      type: object
      required: [error]
      properties: { error: { type: string } }
paths:
  /todos:
    post:
      operationId: createTodo
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [value]
              properties: { value: { type: string }, done: { type: boolean } }
      responses:
        "201": { description: created, content: { application/json: { schema: { type: object } } } }
        "400": { description: invalid, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
        "415": { description: not JSON, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
        "422": { description: invalid, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /todos/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    delete:
      operationId: deleteTodo
      security: [{ api_key: [] }]
      responses:
        "200": { description: deleted }
        "401": { description: no key, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
        "404": { description: not found, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
"##;

/// The create, refusing what is not a to-do in the envelope (`plain`: in plain text).
struct Todos {
    plain: bool,
}

impl Respond for Todos {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let error = |status: u16| {
            if self.plain {
                ResponseTemplate::new(status).set_body_raw("invalid body", "text/plain")
            } else {
                ResponseTemplate::new(status).set_body_json(json!({"error": "invalid body"}))
            }
        };
        match (request.method.as_str(), request.url.path()) {
            ("POST", "/todos") => {
                let json = request
                    .headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("application/json"));
                if !json {
                    return error(415);
                }
                let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
                    return error(400);
                };
                if !body.get("value").is_some_and(Value::is_string) {
                    return error(422);
                }
                ResponseTemplate::new(201).set_body_json(json!({"id": 1, "value": body["value"]}))
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"error": "not found"})),
        }
    }
}

async fn run(plain: bool) -> crate::Run {
    run_with(SPEC, plain).await
}

async fn run_with(spec: &str, plain: bool) -> crate::Run {
    let server = crate::serving(Todos { plain }).await;
    crate::first_run_with(
        spec,
        server.uri(),
        "@errors",
        &[("ACCORD_TOKEN", "utoipa-rocks")],
    )
    .await
}

const MALFORMED: &str = "a body of malformed JSON is answered 400";

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_body_goes_to_the_open_create_where_no_secured_operation_takes_one() {
    let correct = run(false).await;
    for scenario in [
        MALFORMED,
        "a body with a wrong content type is answered 415",
        "a body missing a required field is answered 422",
        "a body with a field of a wrong type is answered 422",
    ] {
        assert_eq!(
            correct.verdict(scenario),
            "passed",
            "{scenario}: {}",
            correct.stdout
        );
    }
    let plain = run(true).await;
    assert_eq!(plain.verdict(MALFORMED), "failed", "{}", plain.stdout);
}

/// Plain-text refusals where the create documents its 400 and not its 415 (Hono's
/// validator and body parser): one is held to the declared 400, the other to the profile's
/// envelope, in other words, but both are the same `text/plain`: one cause, judged once,
/// where the malformed JSON is.
#[tokio::test(flavor = "multi_thread")]
async fn plain_text_refusals_judged_by_other_declarations_are_one_cause() {
    let undocumented_415 = SPEC.replace(
        "        \"415\": { description: not JSON, content: { application/json: { schema: { $ref: \"#/components/schemas/Error\" } } } }\n",
        "",
    );
    assert_ne!(undocumented_415, SPEC);
    let plain = run_with(&undocumented_415, true).await;
    assert_eq!(plain.verdict(MALFORMED), "failed", "{}", plain.stdout);
    assert!(
        !plain.failed_by(
            "a body with a wrong content type is answered 415",
            accord_conformance::rules::Rule::Envelope,
            ""
        ),
        "{}",
        plain.stdout
    );
    assert!(
        plain
            .stdout
            .contains("a body with a wrong content type is answered outside the error envelope as a body of malformed JSON is"),
        "{}",
        plain.stdout
    );
}
