//! A spec that secures no operation (Django REST framework's own schema generator writes no
//! `security`), for a backend that refuses every request without its token (403, as DRF's
//! session authentication answers). The run must find that out, say it once as a spec
//! finding, and run the token checks on every operation rather than skip them; a backend
//! that takes any token after its `Token` word must fail them. Its API's root (`GET /api/`,
//! its version, as Jupyter Server's) answers anyone, and is no sign that the rest is open.

use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.2
info: { title: Notes, version: "" }
paths:
  /api/:
    get:
      operationId: apiRoot
      responses:
        "200": { description: "", content: { application/json: { schema: { type: object, properties: { version: { type: string } } } } } }
  /api/notes/:
    get:
      operationId: listNotes
      responses:
        "200": { description: "", content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Note" } } } } }
    post:
      operationId: createNote
      requestBody:
        content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
  /api/notes/{id}/:
    parameters:
      - { name: id, in: path, required: true, schema: { type: string } }
    get:
      operationId: retrieveNote
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
    delete:
      operationId: destroyNote
      responses:
        "204": { description: "" }
components:
  schemas:
    Note:
      type: object
      required: [note]
      properties:
        id: { type: integer, readOnly: true }
        note: { type: string, minLength: 1, maxLength: 100 }
        age: { type: integer, readOnly: true, description: how many reads the note has had }
"##;

/// The tokens the profile's commands print.
const FIRST: &str = "first-token";
const SECOND: &str = "second-token";

#[derive(Clone, Default)]
struct Notes {
    /// (id, owner's token, text)
    notes: Arc<Mutex<Vec<(i64, String, String)>>>,
    /// The last id given: ids are never reused.
    last: Arc<Mutex<i64>>,
    /// Takes any token after `Token`: a check of the word, not of the token.
    any_token: bool,
    /// Refuses no token with 403, as DRF does where session authentication comes first.
    forbidden: bool,
    /// Reads a note without any token (an open read the spec cannot tell from the others).
    open_read: bool,
    /// Reads back, the count of reads so far: a note's `age` changes by itself.
    reads: Arc<Mutex<i64>>,
    /// Answers a method a path does not have 404, as a missing resource, to a caller it
    /// knows (a visitor is refused first, whatever the method).
    method_404: bool,
    /// Routes before it asks for credentials: a path it does not have is 404 to anyone.
    routes_first: bool,
}

impl Notes {
    fn refuse(&self) -> ResponseTemplate {
        let detail = json!({"detail": "Authentication credentials were not provided."});
        if self.forbidden {
            return ResponseTemplate::new(403).set_body_json(detail);
        }
        ResponseTemplate::new(401)
            .insert_header("www-authenticate", "Token")
            .set_body_json(detail)
    }
}

impl Respond for Notes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let token = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Token "))
            .map(str::to_string);
        if request.method.as_str() == "GET" && request.url.path() == "/api/" {
            return ResponseTemplate::new(200).set_body_json(json!({"version": "1"}));
        }
        if self.routes_first && request.url.path() == "/api/" {
            return ResponseTemplate::new(405)
                .insert_header("allow", "GET")
                .set_body_json(json!({"detail": "Method not allowed."}));
        }
        if self.routes_first && !request.url.path().starts_with("/api/notes/") {
            return ResponseTemplate::new(404).set_body_json(json!({"detail": "Not found."}));
        }
        let open = self.open_read
            && request.method.as_str() == "GET"
            && request.url.path().trim_matches('/').split('/').count() == 3;
        let Some(who) = token
            .filter(|t| self.any_token || t == FIRST || t == SECOND)
            .or_else(|| open.then(String::new))
        else {
            return self.refuse();
        };
        let mut notes = self.notes.lock().unwrap();
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let id = segments.get(2).and_then(|x| x.parse::<i64>().ok());
        let mine = |n: &&(i64, String, String)| n.1 == who && Some(n.0) == id;
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["api", "notes"]) => ResponseTemplate::new(200).set_body_json(
                notes
                    .iter()
                    .filter(|n| n.1 == who)
                    .map(|n| json!({"id": n.0, "note": n.2}))
                    .collect::<Vec<_>>(),
            ),
            ("POST", ["api", "notes"]) => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                let Some(text) = body
                    .get("note")
                    .and_then(Value::as_str)
                    .filter(|t| (1..=100).contains(&t.chars().count()) && !t.contains('\0'))
                else {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"note": ["This field is required."]}));
                };
                let id = {
                    let mut last = self.last.lock().unwrap();
                    *last += 1;
                    *last
                };
                notes.push((id, who.clone(), text.to_string()));
                ResponseTemplate::new(201).set_body_json(json!({"id": id, "note": text}))
            }
            ("GET", ["api", "notes", _]) => match notes.iter().find(mine) {
                Some(n) => {
                    let mut reads = self.reads.lock().unwrap();
                    *reads += 1;
                    ResponseTemplate::new(200)
                        .set_body_json(json!({"id": n.0, "note": n.2, "age": *reads}))
                }
                None => ResponseTemplate::new(404).set_body_json(json!({"detail": "Not found."})),
            },
            ("DELETE", ["api", "notes", _]) => {
                let before = notes.len();
                notes.retain(|n| !(n.1 == who && Some(n.0) == id));
                if notes.len() == before {
                    return ResponseTemplate::new(404)
                        .set_body_json(json!({"detail": "Not found."}));
                }
                ResponseTemplate::new(204)
            }
            (method, ["api", ..]) if !self.method_404 => {
                let allow = if segments.len() == 1 {
                    "GET"
                } else if segments.len() == 2 {
                    "GET, POST"
                } else {
                    "GET, DELETE"
                };
                ResponseTemplate::new(405)
                    .insert_header("allow", allow)
                    .set_body_json(json!({"detail": format!("Method \"{method}\" not allowed.")}))
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"detail": "Not found."})),
        }
    }
}

async fn run(backend: Notes) -> crate::Run {
    run_tagged(backend, "@auth").await
}

async fn run_tagged(backend: Notes, tags: &str) -> crate::Run {
    let server = crate::serving(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let profile = dir.path().join("accord.toml");
    std::fs::write(
        &profile,
        format!(
            "base_url = \"{}\"\nspec = \"spec.yaml\"\n\n[auth]\nkind = \"command\"\ncommand = [\"echo\", \"{FIRST}\"]\nsecond_command = [\"echo\", \"{SECOND}\"]\nprefix = \"Token\"\n",
            server.uri()
        ),
    )
    .unwrap();
    crate::harness_in(
        profile,
        server.uri(),
        vec!["--tags".into(), tags.into()],
        dir,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_that_secures_what_its_spec_leaves_open_is_checked_as_it_answers() {
    let run = run(Notes::default()).await;
    // The token checks ran, on every operation, and the backend passes them.
    for scenario in [
        "Secured operations refuse no token",
        "Secured operations refuse a malformed token",
    ] {
        assert!(
            !run.stdout
                .contains(&format!("skipped: Authentication: {scenario}")),
            "{scenario}\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("tag @auth      3 passed, 0 failed"),
        "{}",
        run.stdout
    );
    // Said once, as a spec finding.
    assert!(
        run.stdout
            .contains("the spec secures no operation, yet the backend refuses this read without credentials (401)"),
        "{}",
        run.stdout
    );
    // DRF's 403 for no credentials is the status check's, in the no-token scenario alone.
    let run = self::run(Notes {
        forbidden: true,
        ..Notes::default()
    })
    .await;
    assert!(
        run.failed_by("refuse no token", Rule::AuthStatus, "answered 403, not 401"),
        "{}",
        run.stdout
    );
    // One habit, said once for its four operations.
    assert!(
        run.failed_by(
            "refuse no token",
            Rule::AuthStatus,
            "answered 403, not 401 (and 3 more operation(s) alike: "
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("tag @auth      2 passed, 1 failed"),
        "{}",
        run.stdout
    );
}

/// A read that answers without any token, where the spec secures nothing, is noted: no
/// spec says it should not.
#[tokio::test(flavor = "multi_thread")]
async fn an_open_read_beside_the_secured_ones_is_noted_not_failed() {
    let run = run(Notes {
        open_read: true,
        ..Notes::default()
    })
    .await;
    assert!(
        run.stdout.contains("tag @auth      3 passed, 0 failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("auth: retrieveNote answers without credentials (404)"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_that_takes_any_token_fails_though_its_spec_secures_nothing() {
    let run = run(Notes {
        any_token: true,
        ..Notes::default()
    })
    .await;
    assert!(
        run.failed_by(
            "refuse a malformed token",
            Rule::AuthStatus,
            "it answers without valid credentials"
        ),
        "{}",
        run.stdout
    );
}

/// What changes by itself between two reads (a note's `age`, a running timer's
/// `duration`) is no change the second user made: the owner's copy is compared without it.
#[tokio::test(flavor = "multi_thread")]
async fn a_member_that_changes_by_itself_is_not_the_second_user_s_doing() {
    let run = run_tagged(Notes::default(), "@second_user").await;
    assert!(
        run.stdout.contains("tag @behaviour 1 passed, 0 failed"),
        "{}",
        run.stdout
    );
}

/// A backend that refuses a visitor everything (DRF's 403) is sent its undocumented methods
/// signed in as well: the visitor's 403 says nothing of its router.
#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_method_goes_signed_in_where_a_visitor_is_refused_everything() {
    let scenario = "Every path refuses the methods it does not document";
    let run = run_tagged(
        Notes {
            forbidden: true,
            ..Notes::default()
        },
        "@errors",
    )
    .await;
    assert_eq!(run.verdict(scenario), "passed", "{}", run.stdout);
    let run = run_tagged(
        Notes {
            forbidden: true,
            method_404: true,
            ..Notes::default()
        },
        "@errors",
    )
    .await;
    assert!(
        run.failed_by(scenario, Rule::ErrorsMethod, "answered 404, not 405"),
        "{}",
        run.stdout
    );
}

/// Where a path the backend does not have is 404 to anyone, a visitor's 403 to a method
/// comes from a route that method reaches: it is not sent again signed in, where it would
/// run (the wrong method's 404 to a caller it knows goes unseen).
#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_method_a_route_refuses_a_visitor_is_not_sent_signed_in() {
    let backend = Notes {
        forbidden: true,
        method_404: true,
        routes_first: true,
        ..Notes::default()
    };
    let run = run_tagged(backend, "@errors").await;
    assert_eq!(
        run.verdict("Every path refuses the methods it does not document"),
        "passed",
        "{}",
        run.stdout
    );
}
