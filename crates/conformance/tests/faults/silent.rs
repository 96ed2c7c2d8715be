//! A body of the wrong content type where the spec documents no refusal of a body at all:
//! it promises no 415, and a backend answering the 400 it answers an invalid body (Django
//! Ninja, Express) passes; one that takes the body (200) fails. A body that is not JSON at
//! all may get HTTP's 400 where the spec documents 422 for an invalid one.

use accord_conformance::rules::Rule;
use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Silent, version: 1.0.0 }
paths:
  /api/notes:
    post:
      operationId: create_note
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [text], properties: { text: { type: string } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { type: object } } } }
"##;

#[derive(Clone)]
struct Notes {
    /// Takes a body of any content type.
    takes_any: bool,
    /// Answers a method the path lacks, OPTIONS too, as it answers an unknown route (404),
    /// as listmonk's echo router does.
    lacks_as_unknown: bool,
}

/// [`Notes`] beside a sign-in (`email_login`), answering every method a path lacks as an
/// unknown route (Fastify's router), and taking a note's `text` of any type, made text
/// (Fastify's validator coerces a number into the string its schema asks for).
struct Coerced;

impl Respond for Coerced {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let not_found = || ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"}));
        match (request.method.as_str(), request.url.path()) {
            ("POST", "/auth/login") => crate::email_login::answer(&request.body),
            ("POST", "/api/notes") => {
                let body: serde_json::Value =
                    serde_json::from_slice(&request.body).unwrap_or_default();
                match body.get("text") {
                    Some(serde_json::Value::String(_) | serde_json::Value::Number(_)) => {
                        ResponseTemplate::new(201).set_body_json(json!({"id": 1}))
                    }
                    _ => ResponseTemplate::new(400)
                        .set_body_json(json!({"detail": "text is required"})),
                }
            }
            _ => not_found(),
        }
    }
}

impl Respond for Notes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path() != "/api/notes" {
            return ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"}));
        }
        if request.method.as_str() != "POST" && self.lacks_as_unknown {
            return ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"}));
        }
        if request.method.as_str() != "POST" {
            return ResponseTemplate::new(405)
                .insert_header("allow", "POST")
                .set_body_json(json!({"detail": "Method not allowed"}));
        }
        let json = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json && !self.takes_any {
            return ResponseTemplate::new(400)
                .set_body_json(json!({"detail": "Cannot parse request body"}));
        }
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        if !json || body.get("text").is_some_and(serde_json::Value::is_string) {
            return ResponseTemplate::new(201).set_body_json(json!({"id": 1}));
        }
        ResponseTemplate::new(400).set_body_json(json!({"detail": "Cannot parse request body"}))
    }
}

async fn errors(backend: Notes) -> crate::Run {
    crate::tagged_run(SPEC, backend, "@errors").await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_400_for_a_wrong_content_type_passes_where_the_spec_documents_no_refusal() {
    let run = errors(Notes {
        takes_any: false,
        lacks_as_unknown: false,
    })
    .await;
    assert!(!run.stdout.contains("expected 415"), "{}", run.stdout);
    let taken = errors(Notes {
        takes_any: true,
        lacks_as_unknown: false,
    })
    .await;
    assert!(
        taken.failed_by("wrong content type", Rule::ErrorsStatus, "got 201"),
        "{}",
        taken.stdout
    );
}

/// Where the spec documents 422 for a body it cannot take, a body that is not JSON at all
/// still may get 400 (as RESTEasy answers it before any validation), while a missing field
/// is held to the documented 422.
#[tokio::test(flavor = "multi_thread")]
async fn a_400_for_malformed_json_passes_where_the_spec_documents_422() {
    let spec = SPEC.replace(
        r#"        "201": "#,
        r#"        "422": { description: "", content: { application/json: { schema: { type: object } } } }
        "201": "#,
    );
    assert!(spec.contains(r#""422""#), "{spec}");
    let run = crate::tagged_run(
        &spec,
        Notes {
            takes_any: false,
            lacks_as_unknown: false,
        },
        "@errors",
    )
    .await;
    assert!(
        !run.failed_by("malformed JSON", Rule::ErrorsStatus, ""),
        "{}",
        run.stdout
    );
    assert!(
        run.failed_by(
            "missing a required field",
            Rule::ErrorsStatus,
            "expected 422, got 400"
        ),
        "{}",
        run.stdout
    );
}

/// Every method a path lacks answered 404 fails `errors.method`, and OPTIONS, answered
/// alike, no other scenario.
fn lacking_methods_fail_once(run: &crate::Run) {
    assert!(
        run.failed_by(
            "refuses the methods it does not document",
            Rule::ErrorsMethod,
            "404"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.failed_by("with the methods it has", Rule::ErrorsStatus, ""),
        "{}",
        run.stdout
    );
}

/// A backend that answers every method a path lacks as an unknown route (404), OPTIONS
/// among them, fails once, where those methods are sent (`errors.method`): its OPTIONS is
/// noted as answered alike, not failed a second time.
#[tokio::test(flavor = "multi_thread")]
async fn an_options_answered_as_every_lacking_method_is_judged_once() {
    let run = errors(Notes {
        takes_any: false,
        lacks_as_unknown: true,
    })
    .await;
    lacking_methods_fail_once(&run);
    assert!(
        run.stdout
            .contains("errors: OPTIONS on 1 path(s) was answered as the other methods they lack are (/api/notes (404))"),
        "{}",
        run.stdout
    );
}

/// Every method a path lacks answered 404, the sign-in's path too (which the scenario that
/// sends those methods leaves alone), and a body of a wrong type taken: each cause fails
/// once, where it is judged on every path or operation (`errors.method`,
/// `behaviour.negative`); OPTIONS on the sign-in's path and the error case's body are noted
/// as answered alike.
#[tokio::test(flavor = "multi_thread")]
async fn a_router_s_404s_and_a_coerced_body_each_fail_once() {
    let spec = format!("{SPEC}{}", crate::email_login::PATH);
    let server = crate::serving(Coerced).await;
    let run = crate::first_run_with(
        &spec,
        server.uri(),
        "@errors or (@behaviour and not @positive and not @boundary and not @writes and not @roles and not @expiry)",
        &crate::email_login::CREDENTIALS,
    )
    .await;
    lacking_methods_fail_once(&run);
    assert!(
        run.failed_by(
            "break one constraint",
            Rule::Negative,
            "create_note: wrong type /text: accepted with 201"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.failed_by("a field of a wrong type", Rule::ErrorsStatus, ""),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("/auth/login (404)"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "errors: create_note was answered 201, not 422 or 400: `Inputs that break one constraint are refused` judges it"
        ),
        "{}",
        run.stdout
    );
}

/// Its notes, refusing a body in RFC 9457 problems, and every method a path lacks, OPTIONS
/// too, with a 405 in plain text (Go's `ServeMux` under huma).
struct PlainMux;

impl Respond for PlainMux {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path() != "/api/notes" {
            return ResponseTemplate::new(404).set_body_raw(
                r#"{"title": "Not Found", "status": 404}"#,
                "application/problem+json",
            );
        }
        if request.method.as_str() != "POST" {
            return ResponseTemplate::new(405)
                .insert_header("allow", "POST")
                .set_body_raw("Method Not Allowed\n", "text/plain; charset=utf-8");
        }
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        if body.get("text").is_some_and(serde_json::Value::is_string) {
            return ResponseTemplate::new(201).set_body_json(json!({"id": 1}));
        }
        ResponseTemplate::new(422).set_body_raw(
            r#"{"title": "Unprocessable Entity", "status": 422, "detail": "text is required"}"#,
            "application/problem+json",
        )
    }
}

/// A 405 outside the envelope to every method a path lacks fails once, where those methods
/// are sent; the OPTIONS among them is noted as alike, not failed again.
#[tokio::test(flavor = "multi_thread")]
async fn a_plain_text_405_to_every_lacking_method_fails_once() {
    let spec = SPEC.replace(
        r#"        "201": "#,
        r#"        "422": { description: "", content: { application/problem+json: { schema: { type: object, properties: { title: { type: string }, status: { type: integer }, detail: { type: string } } } } } }
        "201": "#,
    );
    let run = crate::tagged_run(&spec, PlainMux, "@errors").await;
    assert!(
        run.failed_by(
            "refuses the methods it does not document",
            Rule::Envelope,
            "text/plain"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.verdict("with the methods it has"),
        "passed",
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("are outside the error envelope as the backend's other 405s are"),
        "{}",
        run.stdout
    );
}
