//! A backend in the shape of a JHipster application (Spring Boot, Spring Security, springdoc's
//! OpenAPI 3.1 document, which declares no security and documents 200 alone): the user signs
//! in at `POST /api/authenticate` and gets `{"id_token": ...}`; a sign-up at
//! `POST /api/register` is accepted (201) but cannot sign in until its e-mailed activation
//! link is followed, and JHipster answers that sign-in 500; `/api/admin/**` refuses a user
//! without the admin role every method alike (403) before it routes; a list sorted by a
//! column the entity does not have is a 500.
//!
//! The run must say what it cannot check (the second user: skipped, saying why), leave the
//! backend defending itself alone (a 403 to an undocumented method of a path whose documented
//! GET is refused too), and point at what differs in a request that crashes (the `sort` it
//! sends), not at the backend's state. Beside it, a backend whose admin GET answers the user
//! while its other methods are refused 403: that is a wrong method's answer, and fails.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"{
  "openapi": "3.1.0",
  "info": {"title": "Sample", "version": "0.0.1"},
  "paths": {
    "/api/authenticate": {
      "get": {"operationId": "isAuthenticated", "responses": {"200": {"description": "OK"}}},
      "post": {"operationId": "authorize",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LoginVM"}}}},
      "responses": {"200": {"description": "OK", "content": {"*/*": {"schema": {"$ref": "#/components/schemas/JWTToken"}}}}}}},
    "/api/register": {"post": {"operationId": "registerAccount",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ManagedUserVM"}}}},
      "responses": {"201": {"description": "Created"}}}},
    "/api/account": {"post": {"operationId": "saveAccount",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AdminUserDTO"}}}},
      "responses": {"200": {"description": "OK"}}}},
    "/api/account/change-password": {"post": {"operationId": "changePassword",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PasswordChangeDTO"}}}},
      "responses": {"200": {"description": "OK"}}}},
    "/api/labels": {
      "get": {"operationId": "getAllLabels",
        "parameters": [{"name": "sort", "in": "query", "required": false, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK", "content": {"*/*": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Label"}}}}}}}},
    "/api/admin/users": {
      "get": {"operationId": "getAllUsers",
        "responses": {"200": {"description": "OK", "content": {"*/*": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/AdminUserDTO"}}}}}}}},
    "/api/admin/users/{login}": {
      "get": {"operationId": "getUser",
        "parameters": [{"name": "login", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK", "content": {"*/*": {"schema": {"$ref": "#/components/schemas/AdminUserDTO"}}}}}}}
  },
  "components": {"schemas": {
    "LoginVM": {"type": "object", "required": ["password", "username"], "properties": {
      "username": {"type": "string", "maxLength": 50, "minLength": 1},
      "password": {"type": "string", "maxLength": 100, "minLength": 4}}},
    "JWTToken": {"type": "object", "properties": {"id_token": {"type": "string"}}},
    "ManagedUserVM": {"type": "object", "required": ["login"], "properties": {
      "login": {"type": "string", "maxLength": 50, "minLength": 1},
      "email": {"type": "string", "maxLength": 254, "minLength": 5},
      "password": {"type": "string", "maxLength": 100, "minLength": 4}}},
    "Label": {"type": "object", "required": ["label"], "properties": {
      "id": {"type": "integer", "format": "int64"},
      "label": {"type": "string", "minLength": 3, "maxLength": 2147483647}}},
    "AdminUserDTO": {"type": "object", "properties": {"login": {"type": "string"}, "email": {"type": "string"}}},
    "PasswordChangeDTO": {"type": "object", "properties": {"currentPassword": {"type": "string"}, "newPassword": {"type": "string"}}}
  }}
}"##;

const TOKEN: &str =
    "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ1c2VyIiwiYXV0aCI6IlJPTEVfVVNFUiJ9.c2lnbmF0dXJl";

#[derive(Clone, Default)]
struct Sample {
    /// Whether the admin GETs answer the user (while the other methods are refused 403).
    admin_get_open: bool,
    /// The logins signed up, never activated.
    registered: Arc<Mutex<BTreeSet<String>>>,
    /// The writes to the given account (its e-mail address, its password) that came in.
    account_writes: Arc<Mutex<Vec<String>>>,
}

fn problem(status: u16, title: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        json!({"type": "about:blank", "title": title, "status": status}).to_string(),
        "application/problem+json",
    )
}

impl Respond for Sample {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path();
        let method = request.method.as_str();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let signed_in = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {TOKEN}"));
        match (method, path) {
            ("OPTIONS", "/api/authenticate") => {
                return ResponseTemplate::new(200).insert_header("allow", "GET, POST");
            }
            ("OPTIONS", "/api/register") => {
                return ResponseTemplate::new(200).insert_header("allow", "POST");
            }
            // Whether the caller is signed in, answered anyone: the spec's reads are not all
            // refused without credentials, so the run holds none secured.
            ("GET", "/api/authenticate") => return ResponseTemplate::new(204),
            ("POST", "/api/authenticate") => {
                let user = body["username"].as_str().unwrap_or_default();
                if matches!(user, "user" | "user@localhost") && body["password"] == "user" {
                    return ResponseTemplate::new(200).set_body_json(json!({"id_token": TOKEN}));
                }
                if self.registered.lock().unwrap().contains(user) {
                    // UserNotActivatedException, translated to a 500.
                    return problem(500, "Internal Server Error");
                }
                return problem(401, "Unauthorized");
            }
            ("POST", "/api/register") => {
                let login = body["login"].as_str().unwrap_or_default();
                if body["password"].as_str().is_none_or(|p| p.len() < 4) || login.is_empty() {
                    return problem(400, "Bad Request");
                }
                self.registered.lock().unwrap().insert(login.to_string());
                return ResponseTemplate::new(201);
            }
            _ => {}
        }
        if !signed_in {
            return problem(401, "Unauthorized");
        }
        if path.starts_with("/api/admin/") || path == "/api/admin" {
            if self.admin_get_open && method == "GET" {
                return ResponseTemplate::new(200).set_body_json(if path == "/api/admin/users" {
                    json!([])
                } else {
                    json!({"login": "user"})
                });
            }
            return problem(403, "Forbidden");
        }
        match (method, path) {
            ("OPTIONS", "/api/account" | "/api/account/change-password") => {
                ResponseTemplate::new(200).insert_header("allow", "POST")
            }
            // What Spring cannot read as the DTO is refused before anything is written.
            ("POST", "/api/account" | "/api/account/change-password") if !body.is_object() => {
                problem(400, "Bad Request")
            }
            ("POST", "/api/account" | "/api/account/change-password") => {
                self.account_writes
                    .lock()
                    .unwrap()
                    .push(format!("{method} {path}"));
                ResponseTemplate::new(200)
            }
            (_, "/api/account" | "/api/account/change-password") => {
                problem(405, "Method Not Allowed").insert_header("allow", "POST")
            }
            ("GET", "/api/labels") => {
                let sort = request
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "sort")
                    .map(|(_, v)| v.into_owned());
                match sort {
                    Some(by) if !matches!(by.split(',').next(), Some("id" | "label")) => {
                        problem(500, "Internal Server Error")
                    }
                    _ => ResponseTemplate::new(200)
                        .set_body_json(json!([{"id": 1, "label": "groceries"}])),
                }
            }
            ("OPTIONS", "/api/labels") => ResponseTemplate::new(200).insert_header("allow", "GET"),
            (_, "/api/labels") => problem(405, "Method Not Allowed").insert_header("allow", "GET"),
            _ => problem(404, "Not Found"),
        }
    }
}

async fn run(backend: Sample) -> crate::Run {
    let server = crate::serving(backend.clone()).await;
    let (dir, profile) = crate::spec_and_profile(
        SPEC,
        "spec.json",
        "request_timeout_secs = 5\ndeadline_secs = 60\n\n[auth]\nkind = \"login\"\noperation = \"authorize\"\nregister = \"registerAccount\"\nbody = { username = \"user@localhost\", password = \"user\" }\nregister_body = { login = \"user@localhost\", email = \"user@localhost\", password = \"user\" }\naccess_token = \"body:*\"\n\n[behaviour]\nexamples = 3\nexpiry_wait_secs = 0\n",
    );
    let run = crate::harness_in(
        profile,
        server.uri(),
        vec![
            "--tags".into(),
            "@positive or @boundary or @second_user or @errors".into(),
        ],
        dir,
    )
    .await;
    // The spec declares no security: the account's paths are the signed-in account's all
    // the same, and the given account is never rewritten.
    let writes = backend.account_writes.lock().unwrap().clone();
    assert!(writes.is_empty(), "{writes:?}\n{}", run.stdout);
    run
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jhipster_backend_is_read_from_its_spec_and_told_the_truth_about() {
    let run = run(Sample::default()).await;
    // The second account signed up and could not sign in: said, and not held against it.
    assert_eq!(
        run.verdict("A second user cannot reach"),
        "skipped",
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("login answered 500, right after its sign-up was accepted"),
        "{}",
        run.stdout
    );
    for left_out in [
        "changePassword is left out of the generated calls: it asks for the signed-in account's current password",
        "saveAccount is left out of the generated calls: the run's spare account, which it needs, could not sign in (login answered 500, right after its sign-up was accepted",
    ] {
        assert_eq!(
            run.stdout.matches(left_out).count(),
            1,
            "{left_out}\n{}",
            run.stdout
        );
    }
    // The admin paths refuse the user every method alike, their documented GET too.
    for scenario in [
        "Every path refuses the methods",
        "Every path answers a method it does not document",
    ] {
        assert_eq!(
            run.verdict(scenario),
            "passed",
            "{scenario}\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .contains("the backend refuses it the whole path before it routes"),
        "{}",
        run.stdout
    );
    // A sort by a column it does not have: the parameter is named, not the backend's state.
    assert!(
        run.failed_by(
            "Valid requests",
            Rule::Positive,
            "to a request without `sort`, which this one sends"
        ) && !run.stdout.contains("may have left the backend in a state"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_path_that_answers_the_user_s_get_and_refuses_other_methods_with_403_fails() {
    let run = run(Sample {
        admin_get_open: true,
        ..Sample::default()
    })
    .await;
    assert!(
        run.failed_by(
            "Every path refuses the methods",
            Rule::ErrorsMethod,
            "/api/admin/users"
        ),
        "{}",
        run.stdout
    );
}
