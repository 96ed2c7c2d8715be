//! An error envelope the spec declares for one status only: a FastAPI backend whose spec
//! documents its 422 validation errors as `{"errors": [{"loc", "msg", "type"}]}` and
//! nothing else, and whose other errors come as `{"errors": ["Not Found"]}` (one handler
//! wraps both). What the spec says of a 401's or 404's body is the wrapper: a body that
//! keeps it and differs inside is one spec finding per status, not a failure of every
//! error scenario; one that breaks the wrapper itself still fails the envelope.

use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

use accord_conformance::rules::Rule;

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Things, version: 1.0.0 }
paths:
  /api/things:
    get:
      operationId: list_things
      security: [{ bearer: [] }]
      responses:
        "200":
          description: the things
          content:
            application/json:
              schema: { type: object, properties: { things: { type: array, items: { $ref: "#/components/schemas/Thing" } } } }
    post:
      operationId: create_thing
      security: [{ bearer: [] }]
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/NewThing" }
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Thing" }
        "422":
          description: Validation Error
          content:
            application/json:
              schema: { $ref: "#/components/schemas/HTTPValidationError" }
  /api/things/{thing_id}:
    get:
      operationId: get_thing
      security: [{ bearer: [] }]
      parameters:
        - { name: thing_id, in: path, required: true, schema: { type: integer } }
      responses:
        "200":
          description: the thing
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Thing" }
        "422":
          description: Validation Error
          content:
            application/json:
              schema: { $ref: "#/components/schemas/HTTPValidationError" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    NewThing:
      type: object
      required: [name]
      properties: { name: { type: string } }
    Thing:
      type: object
      required: [id, name]
      properties: { id: { type: integer }, name: { type: string } }
    HTTPValidationError:
      type: object
      properties:
        errors: { type: array, items: { $ref: "#/components/schemas/ValidationError" } }
    ValidationError:
      type: object
      required: [loc, msg, type]
      properties:
        loc: { type: array, items: { anyOf: [{ type: string }, { type: integer }] } }
        msg: { type: string }
        type: { type: string }
"##;

/// The backend: its errors other than validation's wrapped as `{"errors": [message]}`, or,
/// `flat`, as `{"errors": message}` (no list, where the spec's wrapper has one).
struct Things {
    flat: bool,
}

impl Things {
    fn error(&self, status: u16, message: &str) -> ResponseTemplate {
        let body = if self.flat {
            json!({ "errors": message })
        } else {
            json!({ "errors": [message] })
        };
        ResponseTemplate::new(status).set_body_json(body)
    }
}

impl Respond for Things {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path();
        let method = request.method.as_str();
        let signed_in = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some("Bearer thing-token");
        let known = path == "/api/things"
            || path
                .strip_prefix("/api/things/")
                .is_some_and(|id| !id.is_empty() && !id.contains('/'));
        if !known {
            return self.error(404, "Not Found");
        }
        let methods: &[&str] = if path == "/api/things" {
            &["GET", "POST"]
        } else {
            &["GET"]
        };
        if !methods.contains(&method) {
            return self
                .error(405, "Method Not Allowed")
                .insert_header("allow", methods.join(", ").as_str());
        }
        if !signed_in {
            return self
                .error(401, "authentication required")
                .insert_header("www-authenticate", "Bearer");
        }
        let invalid = |loc: &str, msg: &str| {
            ResponseTemplate::new(422).set_body_json(
                json!({"errors": [{"loc": ["body", loc], "msg": msg, "type": "value_error"}]}),
            )
        };
        match (method, path) {
            ("GET", "/api/things") => {
                ResponseTemplate::new(200).set_body_json(json!({"things": []}))
            }
            ("POST", _) => {
                let body: Option<serde_json::Value> = serde_json::from_slice(&request.body).ok();
                match body.as_ref().and_then(|b| b.get("name")) {
                    Some(serde_json::Value::String(name)) => {
                        ResponseTemplate::new(201).set_body_json(json!({"id": 1, "name": name}))
                    }
                    _ => invalid("name", "field required"),
                }
            }
            _ => match path["/api/things/".len()..].parse::<i64>() {
                Ok(_) => self.error(404, "Not Found"),
                Err(_) => invalid("thing_id", "value is not a valid integer"),
            },
        }
    }
}

async fn first_run(flat: bool) -> crate::Run {
    let server = crate::serving(Things { flat }).await;
    crate::first_run_with(
        SPEC,
        server.uri(),
        "@errors",
        &[("ACCORD_TOKEN", "thing-token")],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_envelope_declared_for_validation_only_is_one_finding_where_others_differ_inside_it() {
    let run = first_run(false).await;
    assert!(
        !run.stdout.contains("rule envelope"),
        "no error scenario fails for the wrapper's inside\n{}",
        run.stdout
    );
    for status in [401, 404] {
        assert!(
            run.stdout.contains(&format!(
                "finding rule spec: (every operation) {status} at /errors/0: the error envelope, which the spec declares for 422 only, differs inside its top level in a {status} answer: must be an object"
            )),
            "{status}\n{}",
            run.stdout
        );
    }
    // A wrapper of another shape is outside the envelope: each scenario fails.
    let flat = first_run(true).await;
    for scenario in ["unknown route", "without credentials", "missing resource"] {
        assert!(
            flat.failed_by(scenario, Rule::Envelope, "at /errors: "),
            "{scenario}\n{}",
            flat.stdout
        );
    }
}
