//! A notes service in memos's shape: its spec generated from protos (every path under
//! `/api/v1`, no security declared, errors in a `Status` body), a sign-in whose credentials
//! sit in a `passwordCredentials` object written as a one-member `allOf`, a sign-up by user
//! name beside an email, memos named as APIs after Google's design name what they make
//! (`{"name": "memos/Ab3"}`, the server's, whatever a write sends), their list public (so the
//! run cannot take every read for a secured one), and a web app served
//! beside the API that answers any path outside it with its page (200, HTML). A new user's
//! run with the spec and credentials alone signs in, makes a memo, reads it back, refreshes
//! its token and tries it on the read of the signed-in user, and finds the API's 404 under
//! its own prefix.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Notes, version: 0.0.1 }
paths:
  /api/v1/auth/signin:
    post:
      operationId: AuthService_SignIn
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/SignInRequest" } } }
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/SignInResponse" } } } }
        default: { description: error, content: { application/json: { schema: { $ref: "#/components/schemas/Status" } } } }
  /api/v1/auth/refresh:
    post:
      operationId: AuthService_RefreshToken
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, properties: { refreshToken: { type: string } } }
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/SignInResponse" } } } }
        default: { description: error, content: { application/json: { schema: { $ref: "#/components/schemas/Status" } } } }
  /api/v1/auth/me:
    get:
      operationId: AuthService_GetCurrentUser
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/User" } } } }
        default: { description: error, content: { application/json: { schema: { $ref: "#/components/schemas/Status" } } } }
  /api/v1/users:
    post:
      operationId: UserService_CreateUser
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/User" } } }
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/User" } } } }
        default: { description: error, content: { application/json: { schema: { $ref: "#/components/schemas/Status" } } } }
  /api/v1/memos:
    get:
      operationId: MemoService_ListMemos
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/ListMemosResponse" } } } }
        default: { description: error, content: { application/json: { schema: { $ref: "#/components/schemas/Status" } } } }
    post:
      operationId: MemoService_CreateMemo
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Memo" } } }
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Memo" } } } }
        default: { description: error, content: { application/json: { schema: { $ref: "#/components/schemas/Status" } } } }
  /api/v1/memos/{memo}:
    parameters:
      - { name: memo, in: path, required: true, schema: { type: string } }
    get:
      operationId: MemoService_GetMemo
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Memo" } } } }
        default: { description: error, content: { application/json: { schema: { $ref: "#/components/schemas/Status" } } } }
    delete:
      operationId: MemoService_DeleteMemo
      responses:
        "200": { description: OK, content: {} }
        default: { description: error, content: { application/json: { schema: { $ref: "#/components/schemas/Status" } } } }
components:
  schemas:
    SignInRequest:
      type: object
      properties:
        passwordCredentials:
          allOf: [ { $ref: "#/components/schemas/PasswordCredentials" } ]
          description: Username and password authentication.
        ssoCredentials:
          allOf: [ { $ref: "#/components/schemas/SsoCredentials" } ]
          description: SSO provider authentication.
    PasswordCredentials:
      type: object
      required: [username, password]
      properties:
        username: { type: string }
        password: { type: string }
    SsoCredentials:
      type: object
      required: [idpName, code]
      properties:
        idpName: { type: string }
        code: { type: string }
    SignInResponse:
      type: object
      properties:
        accessToken: { type: string }
        refreshToken: { type: string }
    User:
      type: object
      required: [username]
      properties:
        name: { type: string, description: "The resource name of the user. Format: users/{user}" }
        username: { type: string, maxLength: 32 }
        email: { type: string }
        password: { type: string }
    Memo:
      type: object
      required: [content]
      properties:
        name: { type: string, description: "The resource name of the memo. Format: memos/{memo}" }
        content: { type: string, maxLength: 200 }
    ListMemosResponse:
      type: object
      properties:
        memos: { type: array, items: { $ref: "#/components/schemas/Memo" } }
    Status:
      type: object
      properties:
        code: { type: integer, format: int32 }
        message: { type: string }
"##;

#[derive(Default)]
struct State {
    /// user name -> password
    users: HashMap<String, String>,
    /// access token -> user name
    access: HashMap<String, String>,
    /// refresh token -> user name
    refresh: HashMap<String, String>,
    /// (id, owner, content)
    memos: Vec<(String, String, String)>,
    next: u64,
}

#[derive(Clone, Default)]
struct Notes {
    state: Arc<Mutex<State>>,
    /// Its web app's page answers the API's own unrouted paths and methods too (200), as
    /// shiori's does.
    page_everywhere: bool,
    /// Its sign-in wraps the answer its spec declares in `{"ok": true, "message": ...}`, as
    /// shiori's does.
    wrapped: bool,
}

/// The web app's page.
fn page() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        "<!doctype html><title>Notes</title>".as_bytes().to_vec(),
        "text/html; charset=utf-8",
    )
}

fn status(code: u16, grpc: i32, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_json(json!({"code": grpc, "message": message}))
}

impl Notes {
    fn pair(s: &mut State, user: &str) -> Value {
        s.next += 1;
        let (access, refresh) = (format!("access-{}", s.next), format!("refresh-{}", s.next));
        s.access.insert(access.clone(), user.to_string());
        s.refresh.insert(refresh.clone(), user.to_string());
        json!({"accessToken": access, "refreshToken": refresh})
    }
}

impl Respond for Notes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let path = request.url.path().to_string();
        let Some(api) = path.strip_prefix("/api/v1/") else {
            // The web app's page, for any path outside the API.
            return page();
        };
        let body = serde_json::from_slice::<Value>(&request.body).ok();
        if body.is_none() && !request.body.is_empty() {
            return status(400, 3, "invalid JSON");
        }
        let body = body.unwrap_or(Value::Null);
        let user = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .and_then(|t| s.access.get(t).cloned());
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(String::from);
        let segments: Vec<&str> = api.trim_end_matches('/').split('/').collect();
        let json_body = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if request.method.as_str() == "POST" && !json_body {
            return status(415, 3, "unsupported media type");
        }
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["auth", "signin"]) => {
                let credentials = body.get("passwordCredentials").cloned().unwrap_or_default();
                match (
                    text(&credentials, "username"),
                    text(&credentials, "password"),
                ) {
                    (Some(u), Some(p)) if s.users.get(&u) == Some(&p) => {
                        let pair = Notes::pair(&mut s, &u);
                        match self.wrapped {
                            true => ResponseTemplate::new(200)
                                .set_body_json(json!({"ok": true, "message": pair})),
                            false => ResponseTemplate::new(200).set_body_json(pair),
                        }
                    }
                    (Some(_), Some(_)) => status(401, 16, "unmatched username and password"),
                    _ => status(400, 3, "credentials are required"),
                }
            }
            ("POST", ["auth", "refresh"]) => {
                match text(&body, "refreshToken").and_then(|t| s.refresh.remove(&t)) {
                    Some(u) => {
                        let pair = Notes::pair(&mut s, &u);
                        ResponseTemplate::new(200).set_body_json(pair)
                    }
                    None => status(401, 16, "invalid refresh token"),
                }
            }
            ("GET", ["auth", "me"]) => match user {
                Some(u) => ResponseTemplate::new(200)
                    .set_body_json(json!({"name": format!("users/{u}"), "username": u})),
                None => status(401, 16, "unauthenticated"),
            },
            ("POST", ["users"]) => {
                let name = text(&body, "username").filter(|u| {
                    !u.is_empty()
                        && u.chars().count() <= 32
                        && u.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                });
                let (Some(u), Some(p)) = (name, text(&body, "password")) else {
                    return status(400, 3, "invalid user");
                };
                if s.users.contains_key(&u) {
                    return status(409, 6, "user already exists");
                }
                s.users.insert(u.clone(), p);
                ResponseTemplate::new(200)
                    .set_body_json(json!({"name": format!("users/{u}"), "username": u}))
            }
            // Public, as the memos of a public instance are.
            ("GET", ["memos"]) => {
                let memos: Vec<Value> = s
                    .memos
                    .iter()
                    .map(|(id, _, content)| json!({"name": format!("memos/{id}"), "content": content}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({ "memos": memos }))
            }
            ("POST", ["memos"]) => {
                let Some(owner) = user else {
                    return status(401, 16, "unauthenticated");
                };
                let Some(content) = text(&body, "content")
                    .filter(|c| c.chars().count() <= 200 && !c.contains('\0'))
                else {
                    return status(400, 3, "content is required");
                };
                s.next += 1;
                let id = format!("m{:04}x", s.next);
                s.memos.push((id.clone(), owner, content.clone()));
                ResponseTemplate::new(200)
                    .set_body_json(json!({"name": format!("memos/{id}"), "content": content}))
            }
            (method @ ("GET" | "DELETE"), ["memos", id]) => {
                let Some(at) = s.memos.iter().position(|(i, _, _)| i == id) else {
                    return status(404, 5, "memo not found");
                };
                if method == "DELETE" {
                    if user.as_deref() != Some(s.memos[at].1.as_str()) {
                        return status(403, 7, "permission denied");
                    }
                    s.memos.remove(at);
                    return ResponseTemplate::new(200);
                }
                let (id, _, content) = &s.memos[at];
                ResponseTemplate::new(200)
                    .set_body_json(json!({"name": format!("memos/{id}"), "content": content}))
            }
            _ if self.page_everywhere => page(),
            _ => status(404, 5, "not found"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spec_generated_from_protos_is_read_as_the_backend_is() {
    let backend = Notes::default();
    let server = crate::serving(backend.clone()).await;
    let run = crate::first_run_with(
        SPEC,
        server.uri(),
        "@errors or @writes or @refresh",
        &[
            ("ACCORD_NAME", "accorda"),
            ("ACCORD_USER", "accord-a@example.com"),
            ("ACCORD_PASSWORD", "accord-password-1"),
        ],
    )
    .await;
    for scenario in [
        "a request to an unknown route",
        "a body of malformed JSON",
        "What is created reads back",
        "Login gives a working pair and refresh gives a working access token",
    ] {
        assert_eq!(
            run.verdict(scenario),
            "passed",
            "{scenario}: {}",
            run.stdout
        );
    }
    assert!(
        backend.state.lock().unwrap().memos.is_empty(),
        "{}",
        run.stdout
    );
}

/// A web app whose page answers the API's own unknown routes and methods (200, HTML) fails
/// both, and the failures say what answered.
#[tokio::test(flavor = "multi_thread")]
async fn a_web_app_page_answering_the_api_s_own_paths_is_named_as_such() {
    let backend = Notes {
        page_everywhere: true,
        ..Notes::default()
    };
    let server = crate::serving(backend).await;
    let run = crate::first_run_with(
        SPEC,
        server.uri(),
        "@errors",
        &[
            ("ACCORD_NAME", "accorda"),
            ("ACCORD_USER", "accord-a@example.com"),
            ("ACCORD_PASSWORD", "accord-password-1"),
        ],
    )
    .await;
    use accord_conformance::rules::Rule;
    assert!(
        run.failed_by(
            "a request to an unknown route",
            Rule::ErrorsStatus,
            "expected 404, got 200 with an HTML page: a web app served beside the API answers the API's own paths too"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.failed_by(
            "refuses the methods it does not document",
            Rule::ErrorsMethod,
            "with an HTML page, as a web app served beside the API answers any path it does not route"
        ),
        "{}",
        run.stdout
    );
    // One cause, one failure: the envelope's sample of a wrong method leaves it there.
    assert!(
        !run.failed_by("a request with a wrong method", Rule::ErrorsStatus, ""),
        "{}",
        run.stdout
    );
}

/// A sign-in that answers its token elsewhere than its spec says (wrapped in `{"ok",
/// "message"}`): a run with the spec alone takes it from where the answer has it, saying so,
/// and goes on.
#[tokio::test(flavor = "multi_thread")]
async fn a_run_with_the_spec_alone_takes_the_token_where_the_answer_has_it() {
    let backend = Notes {
        wrapped: true,
        ..Notes::default()
    };
    let server = crate::serving(backend).await;
    let run = crate::first_run_with(
        SPEC,
        server.uri(),
        "@behaviour and @writes and not @second_user",
        &[
            ("ACCORD_NAME", "accorda"),
            ("ACCORD_USER", "accord-a@example.com"),
            ("ACCORD_PASSWORD", "accord-password-1"),
        ],
    )
    .await;
    assert!(
        run.stdout.contains(
            "the sign-in's answer holds the token at /message/accessToken, not where its spec puts it (body:/accessToken)"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
}
