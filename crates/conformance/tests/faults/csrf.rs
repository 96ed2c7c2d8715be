//! A backend with cookie sessions, as Django's session authentication works: the sign-in
//! sets a `sessionid` cookie (the spec's security scheme) and a `csrftoken` cookie, and every
//! write must carry `X-CSRFToken` equal to that cookie, or it is refused with 403. Its notes
//! are the resource the run creates, reads back and deletes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::{Run, harness_in};

#[derive(Default)]
struct State {
    /// id -> text
    notes: HashMap<u32, String>,
    next: u32,
    /// Writes refused for a missing or wrong CSRF header.
    csrf_refused: u32,
}

#[derive(Clone, Default)]
struct Sessions {
    state: Arc<Mutex<State>>,
    /// The sign-in takes HTTP basic credentials and a client name (as gotify's web UI signs
    /// in), not a name and password in its body.
    basic: bool,
    /// A broken copy: writes are taken without the CSRF header.
    no_csrf_check: bool,
    /// The sign-in is a form login's: a `302` to `/` that sets the cookies, or to
    /// `/login?error` without any where the password is wrong (as Spring Security answers).
    redirecting: bool,
}

const SESSION: &str = "s3ss10n";
const CSRF: &str = "csrf-7f3a";

fn detail(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "detail": text }))
}

fn cookie(request: &Request, name: &str) -> Option<String> {
    let header = request.headers.get("cookie")?.to_str().ok()?;
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

impl Respond for Sessions {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path().to_string();
        let method = request.method.as_str().to_string();
        let body: Option<Value> = serde_json::from_slice(&request.body).ok();
        if (method.as_str(), path.as_str()) == ("POST", "/login") {
            let ok = if self.basic {
                use base64::Engine as _;
                let expected = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode("alice:pw-alice-123")
                );
                request
                    .headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    == Some(expected.as_str())
                    && body.as_ref().is_some_and(|b| b["client"].is_string())
            } else {
                body.as_ref()
                    .is_some_and(|b| b["username"] == "alice" && b["password"] == "pw-alice-123")
            };
            if !ok && self.redirecting {
                return ResponseTemplate::new(302).insert_header("location", "/login?error");
            }
            if !ok {
                return detail(401, "wrong username or password");
            }
            let signed_in = if self.redirecting {
                ResponseTemplate::new(302).insert_header("location", "/")
            } else {
                ResponseTemplate::new(200).set_body_json(json!({ "username": "alice" }))
            };
            return signed_in
                .append_header(
                    "set-cookie",
                    format!("sessionid={SESSION}; HttpOnly; Path=/; SameSite=Lax").as_str(),
                )
                .append_header(
                    "set-cookie",
                    format!("csrftoken={CSRF}; Path=/; SameSite=Lax").as_str(),
                );
        }
        if cookie(request, "sessionid").as_deref() != Some(SESSION) {
            return detail(403, "Authentication credentials were not provided.");
        }
        let mut s = self.state.lock().unwrap();
        if !matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS") {
            let header = request
                .headers
                .get("x-csrftoken")
                .and_then(|v| v.to_str().ok());
            if (header != Some(CSRF) || cookie(request, "csrftoken").as_deref() != Some(CSRF))
                && !self.no_csrf_check
            {
                s.csrf_refused += 1;
                return detail(403, "CSRF Failed: CSRF token missing.");
            }
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["notes"]) => {
                let list: Vec<Value> = s
                    .notes
                    .iter()
                    .map(|(id, text)| json!({ "id": id, "text": text }))
                    .collect();
                ResponseTemplate::new(200).set_body_json(list)
            }
            ("POST", ["notes"]) => {
                let extra = body
                    .as_ref()
                    .and_then(Value::as_object)
                    .is_some_and(|b| b.keys().any(|k| k != "text"));
                if extra {
                    return detail(400, "only text, please.");
                }
                let Some(text) = body.as_ref().and_then(|b| b["text"].as_str()) else {
                    return detail(400, "text: this field is required.");
                };
                if text.is_empty() || text.chars().count() > 200 {
                    return detail(400, "text: 1 to 200 characters.");
                }
                s.next += 1;
                let id = s.next;
                s.notes.insert(id, text.to_string());
                ResponseTemplate::new(201).set_body_json(json!({ "id": id, "text": text }))
            }
            (_, ["notes", id]) => {
                let Ok(id) = id.parse::<u32>() else {
                    return detail(404, "Not found.");
                };
                match method.as_str() {
                    "GET" => match s.notes.get(&id) {
                        Some(text) => ResponseTemplate::new(200)
                            .set_body_json(json!({ "id": id, "text": text })),
                        None => detail(404, "Not found."),
                    },
                    "DELETE" => match s.notes.remove(&id) {
                        Some(_) => ResponseTemplate::new(204),
                        None => detail(404, "Not found."),
                    },
                    _ => detail(405, "Method not allowed.").insert_header("allow", "GET, DELETE"),
                }
            }
            (_, ["notes"]) => {
                detail(405, "Method not allowed.").insert_header("allow", "GET, POST")
            }
            _ => detail(404, "Not found."),
        }
    }
}

/// [`spec`], with the CSRF header declared as a required parameter of each write, as a
/// hand-written spec documents it: its example is no value the run may send.
fn spec_declaring_the_header() -> Value {
    let mut spec = spec(false);
    let header = json!({"name": "X-CSRFToken", "in": "header", "required": true,
        "description": "the csrftoken cookie's value", "schema": {"type": "string", "example": "abc"}});
    spec["paths"]["/notes"]["post"]["parameters"] = json!([header.clone()]);
    spec["paths"]["/notes/{id}"]["delete"]["parameters"] = json!([header]);
    spec
}

fn spec(basic: bool) -> Value {
    let problem = json!({"description": "refused", "content": {"application/json": {"schema": {
        "type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}}}});
    let note = json!({"type": "object", "required": ["id", "text"], "properties": {
        "id": {"type": "integer"}, "text": {"type": "string", "minLength": 1, "maxLength": 200}}});
    let (login_security, login_body) = if basic {
        (
            json!([{"basic": []}]),
            json!({"type": "object", "required": ["client"],
                "properties": {"client": {"type": "string"}}}),
        )
    } else {
        (
            json!([]),
            json!({"type": "object", "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}),
        )
    };
    json!({
        "openapi": "3.0.3",
        "info": {"title": "notes with sessions", "version": "1"},
        "components": {"securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
            "basic": {"type": "http", "scheme": "basic"}}},
        "security": [{"session": []}],
        "paths": {
            "/login": {"post": {
                "operationId": "login", "security": login_security,
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": login_body}}},
                "responses": {"200": {"description": "signed in", "content": {"application/json": {
                    "schema": {"type": "object", "properties": {"username": {"type": "string"}}}}}},
                    "401": problem}
            }},
            "/notes": {
                "get": {"operationId": "list_notes", "responses": {
                    "200": {"description": "the notes", "content": {"application/json": {
                        "schema": {"type": "array", "items": note}}}},
                    "403": problem}},
                "post": {"operationId": "create_note",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["text"], "additionalProperties": false,
                        "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 200}}}}}},
                    "responses": {"201": {"description": "created", "content": {"application/json": {
                        "schema": note}}}, "400": problem, "403": problem}}
            },
            "/notes/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "get": {"operationId": "get_note", "responses": {
                    "200": {"description": "the note", "content": {"application/json": {"schema": note}}},
                    "403": problem, "404": problem}},
                "delete": {"operationId": "delete_note", "responses": {
                    "204": {"description": "deleted"}, "403": problem, "404": problem}}
            }
        }
    })
}

async fn run(basic: bool) -> (Run, Sessions) {
    let tags = "@behaviour and not @second_user and not @roles and not @expiry";
    let backend = Sessions {
        basic,
        ..Sessions::default()
    };
    run_with(backend, spec(basic), tags).await
}

async fn run_with(backend: Sessions, spec: Value, tags: &str) -> (Run, Sessions) {
    let basic = backend.basic;
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(backend.clone())
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let spec_path = dir.path().join("notes.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    // With basic credentials, as `init` writes it for a sign-in whose spec names no cookie:
    // the token is the first cookie the sign-in sets.
    let sign_in = if basic {
        "body = { client = \"accord\" }\nbasic = \"alice:pw-alice-123\"\naccess_token = \"cookie:*\""
    } else {
        "body = { username = \"alice\", password = \"pw-alice-123\" }\naccess_token = \"cookie:sessionid\""
    };
    let profile = dir.path().join("notes.toml");
    std::fs::write(
        &profile,
        format!(
            r#"
base_url = "http://127.0.0.1:1"
spec = "{}"
request_timeout_secs = 3
deadline_secs = 60

[auth]
kind = "login"
operation = "login"
{sign_in}
scheme = "session"

[errors]
envelope = "fastapi"

[behaviour]
examples = 3
"#,
            spec_path.display().to_string().replace('\\', "/")
        ),
    )
    .unwrap();
    let run = harness_in(
        profile,
        server.uri(),
        vec!["--tags".into(), tags.into()],
        dir,
    )
    .await;
    (run, backend)
}

/// A backend whose writes need the CSRF header its frontend copies from the CSRF cookie gets
/// it, with the cookies the sign-in set: the run creates a note, reads it back and deletes it,
/// and no write is refused for CSRF. Without the header, every write was a 403 taken for
/// another role's operation, and the resource scenarios were skipped.
#[tokio::test(flavor = "multi_thread")]
async fn a_cookie_session_sends_the_csrf_header_its_frontend_sends() {
    let (run, backend) = run(false).await;
    assert!(
        run.stdout.contains(" 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("forbidden: create_note"),
        "{}",
        run.stdout
    );
    assert_eq!(
        backend.state.lock().unwrap().csrf_refused,
        0,
        "{}",
        run.stdout
    );
    // The CSRF token is a secret too.
    assert!(!run.stdout.contains(CSRF), "{}", run.stdout);
}

/// A form login that answers a browser's sign-in with a redirect setting the session
/// cookie (Spring Security's `302` to `/`) signs the run in: the notes are made, read back
/// and deleted in that session, as with a sign-in that answers 200.
#[tokio::test(flavor = "multi_thread")]
async fn a_form_login_answering_a_redirect_with_the_session_cookie_signs_in() {
    let tags = "@behaviour and not @second_user and not @roles and not @expiry";
    let mut spec = spec(false);
    spec["paths"]["/login"]["post"]["responses"] =
        json!({"302": {"description": "signed in (to /), or refused (to /login?error)"}});
    let backend = Sessions {
        redirecting: true,
        ..Sessions::default()
    };
    let (run, _) = run_with(backend, spec, tags).await;
    assert!(
        run.stdout.contains(" 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
}

/// A sign-in secured by HTTP basic (a session made from a name and a password, as gotify's
/// web UI signs in) is sent with the profile's `basic` credentials: the run signs in and its
/// notes are made and read back; the password never appears in the output.
#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_secured_by_http_basic_is_sent_with_the_basic_credentials() {
    let (run, _) = run(true).await;
    assert!(
        run.stdout.contains(" 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("create_note ("), "{}", run.stdout);
    assert!(!run.stdout.contains("pw-alice-123"), "{}", run.stdout);
}

/// Every request of the session carries the CSRF header, the error checks' too, whatever
/// example the spec gives for it where it declares it as a parameter; a write sent without
/// it is refused, and a broken copy that takes one fails `auth.csrf`.
#[tokio::test(flavor = "multi_thread")]
async fn a_write_without_the_csrf_header_is_refused() {
    let tags =
        "(@auth or @errors or @behaviour) and not @second_user and not @roles and not @expiry";
    let (run, backend) = run_with(Sessions::default(), spec_declaring_the_header(), tags).await;
    run.says(&["A write in a cookie session without the CSRF header is refused"]);
    assert_eq!(
        run.verdict("without the CSRF header"),
        "passed",
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("forbidden: create_note"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(" 0 failed"), "{}", run.stdout);
    // The one write refused for CSRF is the check's own.
    assert_eq!(
        backend.state.lock().unwrap().csrf_refused,
        1,
        "{}",
        run.stdout
    );
    let broken = Sessions {
        no_csrf_check: true,
        ..Sessions::default()
    };
    let (run, _) = run_with(broken, spec_declaring_the_header(), tags).await;
    assert!(
        run.failed_by(
            "without the CSRF header",
            accord_conformance::rules::Rule::AuthCsrf,
            "without the `X-CSRFToken` header that copies the `csrftoken` cookie"
        ),
        "{}",
        run.stdout
    );
}
