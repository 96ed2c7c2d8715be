//! A JSON storage service in Kinto's shape (Pyramid + Cornice, a Swagger 2.0 spec that names
//! no security though the backend asks for HTTP basic credentials on most of it):
//! - a visitor's reads and creates are answered 401, which the spec documents;
//! - `If-Match` is a header parameter of every operation;
//! - `POST /batch` runs the requests its body names;
//! - a bucket's `permissions.write` always keeps its creator, whatever is written;
//! - a bucket the user may not see, deleted or never made, is 403, lest it say which exist.
//!
//! A visitor's run judges none of the 401s as the backend's fault, and sends no header value
//! HTTP cannot carry; a signed-in run leaves the batch alone, reads back the creator the
//! server keeps, and takes the 403 of a deleted bucket as the backend's answer for any
//! bucket it does not show.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"swagger: "2.0"
info: { title: storage, version: "1.23" }
basePath: /v1
consumes: [application/json]
produces: [application/json]
parameters:
  IfMatch: { name: If-Match, in: header, type: string, pattern: '^"[0-9]+"$' }
definitions:
  Error:
    type: object
    required: [code, errno, error]
    properties:
      code: { type: integer }
      errno: { type: integer }
      error: { type: string }
      message: { type: string }
  Bucket:
    type: object
    properties:
      data: { type: object, properties: { id: { type: string }, title: { type: string } } }
      permissions:
        type: object
        properties:
          write: { type: array, items: { type: string } }
paths:
  /accounts:
    get:
      operationId: get_accounts
      responses:
        "200": { description: OK, schema: { type: object, properties: { data: { type: array, items: { type: object } } } } }
        "401": { description: The request is missing authentication headers., schema: { $ref: "#/definitions/Error" } }
  /batch:
    post:
      operationId: batch
      parameters:
        - name: body
          in: body
          required: true
          schema:
            type: object
            properties:
              requests:
                type: array
                items: { type: object, properties: { method: { type: string }, path: { type: string } } }
      responses:
        "200": { description: OK }
        "400": { description: invalid, schema: { $ref: "#/definitions/Error" } }
  /buckets:
    get:
      operationId: get_buckets
      parameters: [{ $ref: "#/parameters/IfMatch" }]
      responses:
        "200": { description: OK, schema: { type: object, properties: { data: { type: array, items: { type: object } } } } }
        "401": { description: The request is missing authentication headers., schema: { $ref: "#/definitions/Error" } }
    post:
      operationId: create_bucket
      parameters:
        - { $ref: "#/parameters/IfMatch" }
        - { name: body, in: body, schema: { $ref: "#/definitions/Bucket" } }
      responses:
        "201": { description: Created, schema: { $ref: "#/definitions/Bucket" } }
        "400": { description: invalid, schema: { $ref: "#/definitions/Error" } }
        "401": { description: The request is missing authentication headers., schema: { $ref: "#/definitions/Error" } }
  /buckets/{id}:
    parameters:
      - { name: id, in: path, required: true, type: string }
    get:
      operationId: get_bucket
      parameters: [{ $ref: "#/parameters/IfMatch" }]
      responses:
        "200": { description: OK, schema: { $ref: "#/definitions/Bucket" } }
        "401": { description: The request is missing authentication headers., schema: { $ref: "#/definitions/Error" } }
        "403": { description: not accessible, schema: { $ref: "#/definitions/Error" } }
    put:
      operationId: update_bucket
      parameters:
        - { $ref: "#/parameters/IfMatch" }
        - { name: body, in: body, schema: { $ref: "#/definitions/Bucket" } }
      responses:
        "200": { description: OK, schema: { $ref: "#/definitions/Bucket" } }
        "400": { description: invalid, schema: { $ref: "#/definitions/Error" } }
        "401": { description: The request is missing authentication headers., schema: { $ref: "#/definitions/Error" } }
        "403": { description: not accessible, schema: { $ref: "#/definitions/Error" } }
    delete:
      operationId: delete_bucket
      parameters: [{ $ref: "#/parameters/IfMatch" }]
      responses:
        "200": { description: OK, schema: { $ref: "#/definitions/Bucket" } }
        "401": { description: The request is missing authentication headers., schema: { $ref: "#/definitions/Error" } }
        "403": { description: not accessible, schema: { $ref: "#/definitions/Error" } }
"##;

const USER: &str = "alice";

/// A bucket: its owner, title and write principals.
type Bucket = (String, String, Vec<String>);

#[derive(Clone, Default)]
struct Storage {
    /// Bucket id to bucket.
    buckets: Arc<Mutex<HashMap<String, Bucket>>>,
    next: Arc<Mutex<u64>>,
    /// The requests a batch was asked to run.
    batched: Arc<Mutex<usize>>,
    /// Whether a header value with a control character arrived.
    bad_header: Arc<Mutex<bool>>,
    /// Whether an account is answered with its password's hash (Kinto's, for its admin).
    leaks: bool,
}

fn error(status: u16, errno: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"code": status, "errno": errno, "error": message}))
}

impl Respond for Storage {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request
            .headers
            .values()
            .any(|v| v.as_bytes().iter().any(|b| *b < 0x20 && *b != b'\t'))
        {
            *self.bad_header.lock().unwrap() = true;
        }
        let path = request.url.path().strip_prefix("/v1").unwrap_or("");
        let method = request.method.as_str();
        let user = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ=")
            .then_some(USER);
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        // The server keeps the caller in a bucket's writers.
        let writers = |me: &str| {
            let mut w: Vec<String> = body
                .pointer("/permissions/write")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            let mine = format!("account:{me}");
            if !w.contains(&mine) {
                w.insert(0, mine);
            }
            w
        };
        let answer = |id: &str, title: &str, write: &[String]| json!({"data": {"id": id, "title": title}, "permissions": {"write": write}});
        match (method, path) {
            ("GET", "/accounts") => match user {
                Some(me) if self.leaks => ResponseTemplate::new(200).set_body_json(json!({"data": [
                    {"id": me, "password": "$2b$12$crHtcKF/7lDEvm/GPya6HO/39slEQOAgPR2.ZP8xnWKgGaOz7m1Mm"}
                ]})),
                Some(me) => ResponseTemplate::new(200).set_body_json(json!({"data": [{"id": me}]})),
                None => error(401, 104, "Unauthorized"),
            },
            ("POST", "/batch") => {
                let n = body
                    .get("requests")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                *self.batched.lock().unwrap() += n;
                ResponseTemplate::new(200).set_body_json(json!({"responses": []}))
            }
            (_, "/buckets") | (_, "/buckets/") => {
                let Some(me) = user else {
                    return match method {
                        "GET" | "POST" => error(401, 104, "Unauthorized"),
                        _ => error(405, 115, "Method Not Allowed"),
                    };
                };
                match method {
                    "GET" => {
                        let mine: Vec<Value> = self
                            .buckets
                            .lock()
                            .unwrap()
                            .iter()
                            .filter(|(_, (owner, _, _))| owner == me)
                            .map(|(id, (_, title, _))| json!({"id": id, "title": title}))
                            .collect();
                        ResponseTemplate::new(200).set_body_json(json!({"data": mine}))
                    }
                    "POST" => {
                        let title = body
                            .pointer("/data/title")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        // The id written, as Kinto takes it, else one of its own.
                        let mut next = self.next.lock().unwrap();
                        *next += 1;
                        let id = body
                            .pointer("/data/id")
                            .and_then(Value::as_str)
                            .filter(|id| {
                                !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric())
                            })
                            .map_or_else(|| format!("b{next}"), String::from);
                        if self.buckets.lock().unwrap().contains_key(&id) {
                            return error(412, 114, "Resource already exists");
                        }
                        let write = writers(me);
                        self.buckets
                            .lock()
                            .unwrap()
                            .insert(id.clone(), (me.to_string(), title.clone(), write.clone()));
                        ResponseTemplate::new(201).set_body_json(answer(&id, &title, &write))
                    }
                    _ => error(405, 115, "Method Not Allowed"),
                }
            }
            (_, item) if item.starts_with("/buckets/") => {
                let id = item.trim_start_matches("/buckets/").to_string();
                let Some(me) = user else {
                    return error(401, 104, "Unauthorized");
                };
                let mut buckets = self.buckets.lock().unwrap();
                // Not the caller's, deleted or never made: the same 403.
                let Some((owner, title, write)) = buckets.get(&id).cloned() else {
                    return error(403, 121, "Forbidden");
                };
                if owner != me {
                    return error(403, 121, "Forbidden");
                }
                match method {
                    "GET" => ResponseTemplate::new(200).set_body_json(answer(&id, &title, &write)),
                    "PUT" => {
                        let title = body
                            .pointer("/data/title")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        let write = writers(me);
                        buckets.insert(id.clone(), (owner, title.clone(), write.clone()));
                        ResponseTemplate::new(200).set_body_json(answer(&id, &title, &write))
                    }
                    "DELETE" => {
                        buckets.remove(&id);
                        ResponseTemplate::new(200)
                            .set_body_json(json!({"data": {"id": id, "deleted": true}}))
                    }
                    _ => error(405, 115, "Method Not Allowed"),
                }
            }
            _ => error(404, 111, "Not Found"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_visitor_meets_the_backend_asking_for_credentials_and_is_not_told_otherwise() {
    let backend = Storage::default();
    let bad_header = backend.bad_header.clone();
    let batched = backend.batched.clone();
    let server = crate::serving(backend).await;
    let run = crate::first_run_with(
        SPEC,
        format!("{}/v1", server.uri()),
        "@behaviour or @errors",
        &[],
    )
    .await;
    for scenario in [
        "Valid requests get a documented answer",
        "Boundary inputs never crash the backend",
        "Inputs that break one constraint are refused",
    ] {
        assert_eq!(
            run.verdict(scenario),
            "passed",
            "{scenario}: {}",
            run.stdout
        );
    }
    assert_ne!(
        run.verdict("What is created reads back"),
        "failed",
        "{}",
        run.stdout
    );
    assert_ne!(
        run.verdict("a request for a missing resource"),
        "failed",
        "{}",
        run.stdout
    );
    assert!(
        !*bad_header.lock().unwrap(),
        "a header with a control character: {}",
        run.stdout
    );
    assert!(
        !run.stdout
            .contains("no answer for a NUL character (header parameter"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout
            .contains("the backend asks for more than the spec states"),
        "{}",
        run.stdout
    );
    assert_eq!(*batched.lock().unwrap(), 0, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "batch is left out of the generated calls: its name says it runs the requests its body names (`batch`)"
        ),
        "{}",
        run.stdout
    );
}

/// A run of the scenarios of `tags` against `backend`, signed in as alice by HTTP basic.
async fn signed_in(backend: Storage, tags: &str) -> crate::Run {
    let server = crate::serving(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let profile = dir.path().join("profile.toml");
    std::fs::write(
        &profile,
        format!(
            r#"base_url = "http://127.0.0.1:1"
spec = "{}"

[auth]
kind = "command"
command = ["echo", "alice:alice-password"]
prefix = "Basic"
"#,
            spec.display().to_string().replace('\\', "/")
        ),
    )
    .unwrap();
    crate::harness_in(
        profile,
        format!("{}/v1", server.uri()),
        vec!["--tags".into(), tags.into()],
        dir,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_in_run_reads_back_what_the_server_keeps_and_a_deleted_bucket_it_does_not_show() {
    let run = signed_in(
        Storage::default(),
        "@behaviour and @writes and not @second_user",
    )
    .await;
    assert_eq!(
        run.verdict("What is created reads back, is listed and updates"),
        "passed",
        "{}",
        run.stdout
    );
    assert_eq!(
        run.verdict("What is deleted is gone"),
        "passed",
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("reads as 403, as one never made does: the backend does not say which exist"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_with_a_stored_password_hash_fails_the_valid_requests() {
    let leaking = Storage {
        leaks: true,
        ..Storage::default()
    };
    let run = signed_in(leaking, "@positive").await;
    assert!(
        run.failed_by(
            "Valid requests get a documented answer",
            accord_conformance::rules::Rule::Positive,
            "the answer carries a stored password at /data/0/password (a bcrypt hash)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("$2b$12$"),
        "the hash is in the report: {}",
        run.stdout
    );
    let run = signed_in(Storage::default(), "@positive").await;
    assert_eq!(
        run.verdict("Valid requests get a documented answer"),
        "passed",
        "{}",
        run.stdout
    );
}
