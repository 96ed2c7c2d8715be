//! A notebook server in Jupyter Server's shape (Python, Tornado), read from the Swagger 2.0
//! document it ships, with the server's token (`Authorization: token TOKEN`):
//! - its document declares no security, while every route but the API's root (`GET /api/`,
//!   its version) refuses a visitor with 403;
//! - a terminal it starts is named by its `name` (`{"name": "1", "last_activity": ...}`),
//!   which its read takes as `{terminal_id}`: the answer has no id, no link, no Location;
//! - a session asked for a kernel it does not have is answered 501, "Session not
//!   available", which its document says.
//!
//! A new user's run reads all of it without failing a check on any of it; each broken copy
//! fails its rule.

use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"swagger: "2.0"
info: { title: Notebook server, version: "2" }
basePath: /
produces: [application/json]
consumes: [application/json]
paths:
  /api/:
    get:
      summary: The server's version
      responses:
        200:
          description: Server info
          schema: { type: object, properties: { version: { type: string } } }
  /api/sessions:
    post:
      summary: Create a session
      parameters:
        - name: session
          in: body
          schema: { $ref: "#/definitions/Session" }
      responses:
        201:
          description: Session created
          schema: { $ref: "#/definitions/Session" }
        501:
          description: Session not available
          schema:
            type: object
            properties: { message: { type: string }, short_message: { type: string } }
  /api/terminals:
    get:
      summary: Running terminals
      responses:
        200:
          description: Terminals
          schema: { type: array, items: { $ref: "#/definitions/Terminal" } }
    post:
      summary: Start a terminal
      responses:
        200:
          description: Started
          schema: { $ref: "#/definitions/Terminal" }
  /api/terminals/{terminal_id}:
    parameters:
      - { name: terminal_id, in: path, required: true, type: string }
    get:
      summary: A terminal
      responses:
        200:
          description: The terminal
          schema: { $ref: "#/definitions/Terminal" }
        404: { description: Not found }
    delete:
      summary: Stop a terminal
      responses:
        204: { description: Stopped }
        404: { description: Not found }
definitions:
  Terminal:
    type: object
    required: [name]
    properties:
      name: { type: string, description: name of terminal }
      last_activity: { type: string }
  Session:
    type: object
    properties:
      path: { type: string, minLength: 1, maxLength: 100 }
      kernel:
        type: object
        properties: { name: { type: string, minLength: 1, maxLength: 50 } }
"##;

const TOKEN: &str = "notebook-token";

#[derive(Clone, Default)]
struct Notebook {
    /// The running terminals' names; the last one given.
    terminals: Arc<Mutex<(Vec<u64>, u64)>>,
    /// Crashes (500) on a kernel it does not have, where its document says 501.
    crashes_on_unknown_kernel: bool,
    /// Starts a terminal, and then cannot find it by its name.
    loses_terminals: bool,
}

fn forbidden() -> ResponseTemplate {
    ResponseTemplate::new(403).set_body_json(json!({"message": "Forbidden", "reason": null}))
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found", "reason": null}))
}

impl Respond for Notebook {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path();
        let method = request.method.as_str();
        if path == "/api/" && method == "GET" {
            return ResponseTemplate::new(200).set_body_json(json!({"version": "2.21.1"}));
        }
        let signed_in = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(&format!("token {TOKEN}"));
        if !signed_in {
            return forbidden();
        }
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut terminals = self.terminals.lock().unwrap();
        let terminal = |name: &str| -> Value {
            json!({"name": name, "last_activity": "2026-12-06T16:42:10.115121Z"})
        };
        match (method, segments.as_slice()) {
            ("POST", ["api", "sessions"]) => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                let text = |at: &str, max: usize| match body.pointer(at) {
                    None => true,
                    Some(Value::String(t)) => (1..=max).contains(&t.chars().count()),
                    Some(_) => false,
                };
                if !body.is_object()
                    || !text("/path", 100)
                    || !text("/kernel/name", 50)
                    || body.get("kernel").is_some_and(|k| !k.is_object())
                {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"message": "Invalid JSON", "reason": null}));
                }
                let kernel = body
                    .pointer("/kernel/name")
                    .and_then(Value::as_str)
                    .unwrap_or("python3");
                if kernel != "python3" {
                    if self.crashes_on_unknown_kernel {
                        return ResponseTemplate::new(500)
                            .set_body_json(json!({"message": "Unhandled error", "reason": null}));
                    }
                    return ResponseTemplate::new(501).set_body_json(json!({
                        "message": format!("The '{kernel}' kernel is not available."),
                        "short_message": format!("{kernel} not found"),
                    }));
                }
                ResponseTemplate::new(201).set_body_json(json!({
                    "path": body.get("path").cloned().unwrap_or(json!("")),
                    "kernel": {"name": "python3"},
                }))
            }
            ("GET", ["api", "terminals"]) => ResponseTemplate::new(200).set_body_json(
                terminals
                    .0
                    .iter()
                    .map(|n| terminal(&n.to_string()))
                    .collect::<Vec<_>>(),
            ),
            ("POST", ["api", "terminals"]) => {
                terminals.1 += 1;
                let name = terminals.1;
                terminals.0.push(name);
                ResponseTemplate::new(200).set_body_json(terminal(&name.to_string()))
            }
            ("GET", ["api", "terminals", name]) => {
                match terminals.0.iter().find(|n| n.to_string() == *name) {
                    Some(n) if !self.loses_terminals => {
                        ResponseTemplate::new(200).set_body_json(terminal(&n.to_string()))
                    }
                    _ => not_found(),
                }
            }
            ("DELETE", ["api", "terminals", name]) => {
                let before = terminals.0.len();
                terminals.0.retain(|n| n.to_string() != *name);
                if terminals.0.len() == before {
                    return not_found();
                }
                ResponseTemplate::new(204)
            }
            (_, ["api", ..]) => ResponseTemplate::new(405)
                .set_body_json(json!({"message": "Method Not Allowed", "reason": null})),
            _ => not_found(),
        }
    }
}

async fn run(backend: Notebook) -> crate::Run {
    let server = crate::serving(backend).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("spec.yaml"), SPEC).unwrap();
    let profile = dir.path().join("accord.toml");
    std::fs::write(
        &profile,
        format!(
            "base_url = \"{}\"\nspec = \"spec.yaml\"\n\n[auth]\nkind = \"command\"\ncommand = [\"echo\", \"{TOKEN}\"]\nprefix = \"token\"\n",
            server.uri()
        ),
    )
    .unwrap();
    crate::harness_in(
        profile,
        server.uri(),
        vec!["--tags".into(), "@behaviour or @auth".into()],
        dir,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notebook_server_read_from_its_document_passes() {
    let run = run(Notebook::default()).await;
    for scenario in [
        "Valid requests get a documented answer, never a server error",
        "What is created reads back, is listed and updates",
        "What is deleted is gone, with what lies under it",
        "Secured operations refuse a malformed token",
        "A valid token is accepted",
    ] {
        assert_eq!(
            run.verdict(scenario),
            "passed",
            "{scenario}\n{}",
            run.stdout
        );
    }
    // Its 403 to a visitor, where no credentials call for 401, is one habit, said once.
    assert!(
        run.failed_by(
            "refuse no token",
            Rule::AuthStatus,
            "answered 403, not 401 (and 4 more operation(s) alike"
        ),
        "{}",
        run.stdout
    );
    // Its 403 to a malformed token is that habit too, said once for every operation.
    assert_eq!(
        run.stdout
            .matches("with 403, not 401, as they answer no token")
            .count(),
        1,
        "{}",
        run.stdout
    );
    // The documented 501 is said, and the terminals the run started are stopped.
    assert!(
        run.stdout.contains(
            "answers a valid request 501, which its spec documents (Session not available)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("the spec secures no operation, yet the backend refuses this read"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_where_the_document_says_501_fails() {
    let run = run(Notebook {
        crashes_on_unknown_kernel: true,
        ..Notebook::default()
    })
    .await;
    assert!(
        run.failed_by(
            "Valid requests get a documented answer",
            Rule::Positive,
            "a server error (500) for a valid request"
        ),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_that_its_name_does_not_find_fails() {
    let run = run(Notebook {
        loses_terminals: true,
        ..Notebook::default()
    })
    .await;
    assert!(
        run.failed_by("What is created reads back", Rule::ReadBack, "")
            || run.failed_by("What is created reads back", Rule::Created, ""),
        "{}",
        run.stdout
    );
}
