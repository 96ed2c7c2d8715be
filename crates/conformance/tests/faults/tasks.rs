//! A to-do service in Vikunja's shape (Go, echo, a swag spec without operationIds):
//! - its scheme is an apiKey in `Authorization` that says no word before the token, and the
//!   backend takes only `Bearer TOKEN`;
//! - its first secured read is an administrator's (`GET /admin/overview`), which it answers
//!   404 to anyone else, as if the route were not there;
//! - its spec documents 403 (no access to the project) but never 401, and a request without
//!   credentials gets 401;
//! - it creates with `PUT /projects` (201) and updates with `POST /projects/{id}`; a
//!   project's schema is one struct for both ways: the `title` it asks for is not required
//!   there, its `created` (a time the backend stamps) is any text, and its `owner` is an
//!   object a made-up one of which it refuses (400), as it refuses a `created` that is no
//!   time; a project without a title is refused naming the title (412); its `created_by`
//!   is taken and answered as the caller, whatever it says;
//! - `POST /notifications` marks every notification read and answers a message, no resource;
//! - its refresh "exchanges the refresh token cookie", which its spec does not name, and its
//!   sign-in sets it;
//! - its spec documents `PUT /labels/{id}`, which its router has as `POST`;
//! - its spec documents `DELETE /test/all`, which only its testing mode routes: every
//!   method there is answered as a route it does not have.
//!
//! A new user's run with the spec and credentials alone sends the token as the backend
//! takes it, accepts the 401, creates and updates projects, leaves the notifications alone,
//! and says the testing route is not served, without failing a check on any of it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.0
info: { title: Tasks, version: "1.0" }
servers: [{ url: /api/v1 }]
components:
  securitySchemes:
    JWTKeyAuth: { type: apiKey, name: Authorization, in: header }
  schemas:
    Message:
      type: object
      properties: { message: { type: string } }
    Login:
      type: object
      properties: { username: { type: string }, password: { type: string } }
    Register:
      type: object
      properties: { username: { type: string }, email: { type: string }, password: { type: string } }
    Token:
      type: object
      properties: { token: { type: string } }
    User:
      type: object
      properties: { id: { type: integer }, username: { type: string } }
    Project:
      type: object
      properties:
        id: { type: integer }
        title: { type: string, minLength: 1, maxLength: 250 }
        description: { type: string }
        position: { type: number }
        created: { type: string }
        owner: { $ref: "#/components/schemas/User" }
        created_by: { $ref: "#/components/schemas/User" }
paths:
  /admin/overview:
    get:
      security: [{ JWTKeyAuth: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object } } } }
        "404": { description: Not Found, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
  /login:
    post:
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Login" } } } }
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Token" } } } }
        "403": { description: Wrong, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
  /register:
    post:
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Register" } } } }
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/User" } } } }
        "400": { description: Taken, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
  /user/token/refresh:
    post:
      description: Exchanges the refresh token cookie for a new short-lived JWT.
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Token" } } } }
        "401": { description: Invalid, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
  /user:
    get:
      security: [{ JWTKeyAuth: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/User" } } } }
  /notifications:
    post:
      security: [{ JWTKeyAuth: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
  /notifications/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
    get:
      security: [{ JWTKeyAuth: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object } } } }
        "403": { description: No access, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
  /projects:
    get:
      security: [{ JWTKeyAuth: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Project" } } } } }
        "403": { description: No access, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
    put:
      security: [{ JWTKeyAuth: [] }]
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Project" } } } }
      responses:
        "201": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/Project" } } } }
        "400": { description: Invalid, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
        "403": { description: No access, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
  /projects/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
    get:
      security: [{ JWTKeyAuth: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Project" } } } }
        "403": { description: No access, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
        "404": { description: Not Found, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
    post:
      security: [{ JWTKeyAuth: [] }]
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Project" } } } }
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Project" } } } }
        "400": { description: Invalid, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
        "403": { description: No access, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
        "404": { description: Not Found, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
    delete:
      security: [{ JWTKeyAuth: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
        "403": { description: No access, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
        "404": { description: Not Found, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
  /labels/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
    get:
      security: [{ JWTKeyAuth: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object } } } }
        "404": { description: Not Found, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
    put:
      security: [{ JWTKeyAuth: [] }]
      requestBody: { required: true, content: { application/json: { schema: { type: object, properties: { title: { type: string } } } } } }
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object } } } }
        "404": { description: Not Found, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
  /test/all:
    delete:
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
        "403": { description: No access, content: { application/json: { schema: { $ref: "#/components/schemas/Message" } } } }
"##;

#[derive(Default)]
struct State {
    /// User name to (password, id).
    users: HashMap<String, (String, u64)>,
    /// Token to user id.
    tokens: HashMap<String, u64>,
    /// Refresh token (the cookie's) to user id; a used one is gone.
    refresh: HashMap<String, u64>,
    /// The current window of the routes before sign-in: its end, and the requests in it.
    window: (u64, u32),
    /// Project id to (owner, the project as it reads).
    projects: HashMap<u64, (u64, Value)>,
    next: u64,
}

/// What is broken in the backend, if anything.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// `POST /projects/{id}` answers the new title and keeps the old one.
    UpdateLost,
    /// `GET /test/all`, which the spec does not document, answers 200.
    TestRouteAnswers,
    /// `GET /user` answers without credentials.
    OpenUser,
    /// A project's `description` is lost on create.
    DescriptionLost,
    /// Not a fault: a made-up `owner` is ignored, not refused, so the generated bodies with
    /// their times as times are taken, `created_by` in them.
    OwnerIgnored,
    /// Not a fault: the routes before sign-in take three requests a window of two seconds,
    /// and answer 429 with `X-RateLimit-Reset` (the window's end, as Unix time) past that.
    LimitedSignIn,
}

#[derive(Clone)]
struct Tasks {
    state: Arc<Mutex<State>>,
    fault: Fault,
}

impl Tasks {
    fn new(fault: Fault) -> Self {
        Tasks {
            state: Arc::default(),
            fault,
        }
    }
}

/// The refresh cookie, scoped to the refresh route, as Vikunja sets its own.
fn refresh_cookie(token: &str) -> String {
    format!(
        "tasks_refresh_token={token}; Path=/api/v1/user/token/refresh; Max-Age=3600; HttpOnly; SameSite=Lax"
    )
}

fn message(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "message": text }))
}

/// The methods each path routes, as its `Allow` lists them.
fn routed(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["admin", "overview"] | ["user"] => Some("OPTIONS, GET"),
        ["login"] | ["register"] | ["user", "token", "refresh"] => Some("OPTIONS, POST"),
        ["notifications"] => Some("OPTIONS, POST"),
        ["notifications", _] => Some("OPTIONS, GET"),
        ["projects"] => Some("OPTIONS, GET, PUT"),
        ["projects", _] | ["labels", _] => Some("OPTIONS, DELETE, GET, POST"),
        _ => None,
    }
}

impl Respond for Tasks {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap();
        let Some(path) = request.url.path().strip_prefix("/api/v1") else {
            return message(404, "Not Found");
        };
        let method = request.method.as_str();
        if self.fault == Fault::TestRouteAnswers && (method, path) == ("GET", "/test/all") {
            return ResponseTemplate::new(200).set_body_json(json!({ "tables": [] }));
        }
        let Some(allow) = routed(path) else {
            return message(404, "Not Found");
        };
        if method == "OPTIONS" {
            return ResponseTemplate::new(204).append_header("allow", allow);
        }
        if !allow.split(", ").any(|m| m == method) {
            return message(405, "Method Not Allowed").append_header("allow", allow);
        }
        let Ok(body) = serde_json::from_slice::<Value>(&request.body).or_else(|e| {
            if request.body.is_empty() {
                Ok(Value::Null)
            } else {
                Err(e)
            }
        }) else {
            return message(400, "Invalid model provided: Bad Request");
        };
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        if self.fault == Fault::LimitedSignIn && matches!(path, "/register" | "/login") {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            if now >= state.window.0 {
                state.window = (now + 2, 0);
            }
            state.window.1 += 1;
            if state.window.1 > 3 {
                return message(429, "Too Many Requests")
                    .append_header("x-ratelimit-limit", "3")
                    .append_header("x-ratelimit-remaining", "0")
                    .append_header("x-ratelimit-reset", state.window.0.to_string().as_str());
            }
        }
        match (method, path) {
            ("POST", "/register") => {
                let (Some(name), Some(password)) = (text("username"), text("password")) else {
                    return message(400, "No or invalid user register object provided.");
                };
                if name.is_empty() || password.len() < 8 || state.users.contains_key(&name) {
                    return message(400, "No or invalid user register object provided.");
                }
                state.next += 1;
                let id = state.next;
                state.users.insert(name.clone(), (password, id));
                return ResponseTemplate::new(200)
                    .set_body_json(json!({"id": id, "username": name}));
            }
            ("POST", "/login") => {
                let name = text("username").unwrap_or_default();
                return match state.users.get(&name) {
                    Some((password, id)) if Some(password) == text("password").as_ref() => {
                        let id = *id;
                        state.next += 1;
                        let token = format!("tok{}u{id}", state.next);
                        state.tokens.insert(token.clone(), id);
                        let refresh = format!("ref{}u{id}", state.next);
                        state.refresh.insert(refresh.clone(), id);
                        ResponseTemplate::new(200)
                            .set_body_json(json!({ "token": token }))
                            .append_header("set-cookie", refresh_cookie(&refresh).as_str())
                    }
                    _ => message(403, "Wrong username or password."),
                };
            }
            ("POST", "/user/token/refresh") => {
                let cookie = request
                    .headers
                    .get("cookie")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                let presented = cookie
                    .split(';')
                    .find_map(|c| c.trim().strip_prefix("tasks_refresh_token="))
                    .map(str::to_string);
                let Some(id) = presented.and_then(|r| state.refresh.remove(&r)) else {
                    return message(401, "No refresh token provided.");
                };
                state.next += 1;
                let token = format!("tok{}u{id}", state.next);
                state.tokens.insert(token.clone(), id);
                let refresh = format!("ref{}u{id}", state.next);
                state.refresh.insert(refresh.clone(), id);
                return ResponseTemplate::new(200)
                    .set_body_json(json!({ "token": token }))
                    .append_header("set-cookie", refresh_cookie(&refresh).as_str());
            }
            _ => {}
        }
        let header = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let user = header
            .strip_prefix("Bearer ")
            .and_then(|t| state.tokens.get(t))
            .copied();
        if self.fault == Fault::OpenUser && (method, path) == ("GET", "/user") {
            return ResponseTemplate::new(200).set_body_json(json!({"id": 0, "username": ""}));
        }
        let Some(user) = user else {
            return message(
                401,
                "missing, malformed, expired or otherwise invalid token provided",
            );
        };
        let id: Option<u64> = path.rsplit('/').next().and_then(|s| s.parse().ok());
        match (method, path) {
            ("GET", "/admin/overview") => message(404, "Not Found"),
            ("GET", "/user") => {
                ResponseTemplate::new(200).set_body_json(json!({"id": user, "username": "u"}))
            }
            ("POST", "/notifications") => message(200, "success"),
            ("GET", p) if p.starts_with("/notifications/") => message(403, "Forbidden"),
            (_, p) if p.starts_with("/labels/") => message(404, "The label does not exist."),
            ("GET", "/projects") => {
                let mut mine: Vec<(&u64, &(u64, Value))> = state
                    .projects
                    .iter()
                    .filter(|(_, (o, _))| *o == user)
                    .collect();
                mine.sort_by_key(|(id, _)| **id);
                let list: Vec<Value> = mine.into_iter().map(|(_, (_, p))| p.clone()).collect();
                ResponseTemplate::new(200).set_body_json(list)
            }
            ("PUT", "/projects") => {
                if let Some(refused) = unfit(&body, self.fault) {
                    return refused;
                }
                state.next += 1;
                let id = state.next;
                let project = project(id, user, &body, None, self.fault);
                state.projects.insert(id, (user, project.clone()));
                ResponseTemplate::new(201).set_body_json(project)
            }
            (_, p) if p.starts_with("/projects/") => {
                let Some(id) = id else {
                    return message(400, "Invalid Data");
                };
                let Some((owner, old)) = state.projects.get(&id).cloned() else {
                    return message(404, "The project does not exist.");
                };
                if let Some(refused) = (method == "POST")
                    .then(|| unfit(&body, self.fault))
                    .flatten()
                {
                    return refused;
                }
                if owner != user {
                    return message(403, "Forbidden");
                }
                match method {
                    "GET" => ResponseTemplate::new(200).set_body_json(old),
                    "DELETE" => {
                        state.projects.remove(&id);
                        message(200, "The project was deleted successfully.")
                    }
                    _ => {
                        let new = project(id, owner, &body, Some(&old), Fault::None);
                        if self.fault != Fault::UpdateLost {
                            state.projects.insert(id, (owner, new.clone()));
                        }
                        ResponseTemplate::new(200).set_body_json(new)
                    }
                }
            }
            _ => message(404, "Not Found"),
        }
    }
}

/// Why a project's body is refused, as Vikunja's binding and validation refuse it: a
/// `created` that is no time or an `owner` it does not know (400), no title (412).
fn unfit(body: &Value, fault: Fault) -> Option<ResponseTemplate> {
    let time = |v: &Value| {
        v.as_str()
            .is_some_and(|t| t.len() >= 20 && t.as_bytes()[4] == b'-')
    };
    let owner = fault != Fault::OwnerIgnored && body.get("owner").is_some();
    if body.get("created").is_some_and(|c| !time(c)) || owner {
        return Some(message(400, "Invalid model provided: Bad Request"));
    }
    let titled = body
        .get("title")
        .and_then(Value::as_str)
        .is_some_and(|t| (1..=250).contains(&t.chars().count()));
    (!titled).then(|| {
        ResponseTemplate::new(412).set_body_json(json!({
            "code": 2002,
            "message": "Invalid Data",
            "invalid_fields": ["title: non zero value required"]
        }))
    })
}

/// A project as it reads after a write of `body` (over `old`): its times the backend's.
fn project(id: u64, owner: u64, body: &Value, old: Option<&Value>, fault: Fault) -> Value {
    let kept = |k: &str, default: Value| {
        body.get(k)
            .cloned()
            .or_else(|| old.and_then(|o| o.get(k).cloned()))
            .unwrap_or(default)
    };
    let description = if fault == Fault::DescriptionLost {
        json!("")
    } else {
        kept("description", json!(""))
    };
    json!({
        "id": id,
        "title": kept("title", json!("")),
        "description": description,
        "position": kept("position", json!(0)),
        "created": old
            .and_then(|o| o.get("created").cloned())
            .unwrap_or(json!("2026-12-06T11:48:14Z")),
        "owner": {"id": owner, "username": "u"},
        "created_by": {"id": owner, "username": "u"}
    })
}

const CREDENTIALS: &[(&str, &str)] = &[
    ("ACCORD_NAME", "accorda"),
    ("ACCORD_USER", "accord-a@example.com"),
    ("ACCORD_PASSWORD", "accord-password-1"),
];

const TAGS: &str = "@auth or @errors or @boundary or (@behaviour and @writes and not @second_user)";

async fn run_plain() -> crate::Run {
    run(Fault::None).await
}

async fn run(fault: Fault) -> crate::Run {
    let server = crate::serving(Tasks::new(fault)).await;
    crate::first_run_with(SPEC, format!("{}/api/v1", server.uri()), TAGS, CREDENTIALS).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_todo_service_in_vikunja_shape_is_read_from_its_spec() {
    let run = run(Fault::None).await;
    // The token goes after `Bearer`, learned on the read of the signed-in user, not on the
    // administrator's read that answers anyone else 404.
    assert_eq!(
        run.verdict("A valid token is accepted"),
        "passed",
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("the user's token goes in the `Authorization` header after `Bearer`"),
        "{}",
        run.stdout
    );
    // A 401 where the spec documents only 403 is the spec's gap, not the backend's fault.
    assert!(!run.failed_by("", Rule::AuthStatus, ""), "{}", run.stdout);
    assert!(
        !run.failed_by("", Rule::AuthChallenge, ""),
        "{}",
        run.stdout
    );
    // Projects are made by PUT and updated by POST; the notifications' POST makes nothing.
    assert!(run.stdout.contains("put_projects ("), "{}", run.stdout);
    assert!(
        run.stdout.contains("post_projects_by_id ("),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.verdict("What is created reads back, is listed and updates"),
        "passed",
        "{}",
        run.stdout
    );
    assert!(!run.failed_by("", Rule::Created, ""), "{}", run.stdout);
    // The refusal of a project without its title says nothing of a `position` sent without
    // one.
    assert!(
        !run.failed_by("", Rule::Boundary, "position"),
        "{}",
        run.stdout
    );
    // The label's `PUT` is not routed: the spec's finding, no `Allow` left short.
    assert!(!run.failed_by("", Rule::ErrorsAllow, ""), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "the spec's PUT /labels/{id} is not served: the backend answers the method 405"
        ),
        "{}",
        run.stdout
    );
    // The testing route is not served: the spec's finding, no wrong method.
    assert!(!run.failed_by("", Rule::ErrorsMethod, ""), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("the spec's path /test/all (DELETE) is not served"),
        "{}",
        run.stdout
    );
    assert!(!run.failed_by("", Rule::ErrorsStatus, ""), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_by_post_that_is_lost_fails() {
    let run = run(Fault::UpdateLost).await;
    assert!(
        run.failed_by("", Rule::UpdatePersists, "`title` was written as"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_route_the_spec_does_not_document_that_answers_fails() {
    let run = run(Fault::TestRouteAnswers).await;
    assert!(
        run.failed_by("", Rule::ErrorsMethod, "GET /test/all"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_user_s_read_without_credentials_fails() {
    let run = run(Fault::OpenUser).await;
    assert!(
        run.failed_by("", Rule::AuthStatus, "get_user"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_description_lost_on_create_fails() {
    let run = run(Fault::DescriptionLost).await;
    assert!(
        run.failed_by("", Rule::ReadBack, "`description` was written as"),
        "{}",
        run.stdout
    );
}

/// Another user's update goes with a body the owner's create had taken: Vikunja validates a
/// body before it looks at who sends it, and a generated one (a made-up `owner`, a
/// `created` that is no time) would be refused as invalid (400) before the owner is asked.
#[tokio::test(flavor = "multi_thread")]
async fn another_user_s_update_is_refused_for_its_owner_not_its_body() {
    let server = crate::serving(Tasks::new(Fault::None)).await;
    let run = crate::first_run_with(
        SPEC,
        format!("{}/api/v1", server.uri()),
        "@behaviour and @second_user",
        CREDENTIALS,
    )
    .await;
    assert_eq!(
        run.verdict("A second user cannot reach the first user's resources"),
        "passed",
        "{}",
        run.stdout
    );
}

/// A backend that limits its routes before sign-in (Vikunja's ten a minute) and says when the
/// limit lifts only in `X-RateLimit-Reset`: the run's sign-ins wait for it, and the generated
/// calls leave each limited operation alone after its first 429; every check passes.
#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_sign_in_is_waited_for() {
    let run = run(Fault::LimitedSignIn).await;
    let plain = run_plain().await;
    // The same verdicts as without the limit: no setup failure, nothing more failed.
    assert!(!run.failed_by("", Rule::Setup, ""), "{}", run.stdout);
    for scenario in [
        "A valid token is accepted",
        "What is created reads back",
        "Boundary inputs",
    ] {
        assert_eq!(
            run.verdict(scenario),
            plain.verdict(scenario),
            "{scenario}\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains(
            "post_register is left out of the rest of the boundary pass: the backend limits how often it may be called (429)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("answered 429; waited"),
        "{}",
        run.stdout
    );
}

/// A read-only run sends no `PUT` to tell whether the router has it: an `Allow` without it is
/// said, and not judged.
#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_run_does_not_judge_an_allow_it_cannot_check() {
    let server = crate::serving(Tasks::new(Fault::None)).await;
    let run = crate::first_run_with_args(
        SPEC,
        format!("{}/api/v1", server.uri()),
        "@errors",
        CREDENTIALS,
        &["--read-only"],
    )
    .await;
    assert!(!run.failed_by("", Rule::ErrorsAllow, ""), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("a read-only run sends no PUT to tell whether the backend serves it"),
        "{}",
        run.stdout
    );
}

/// A refresh whose cookie the spec does not name: `init` cannot say it, the run learns it
/// from the sign-in's cookies and sends it, as a browser does; the refresh works.
#[tokio::test(flavor = "multi_thread")]
async fn the_refresh_cookie_the_sign_in_sets_is_sent() {
    let server = crate::serving(Tasks::new(Fault::None)).await;
    let run = crate::first_run_with(
        SPEC,
        format!("{}/api/v1", server.uri()),
        "@refresh and not @reuse",
        CREDENTIALS,
    )
    .await;
    assert_eq!(
        run.verdict("Login gives a working pair and refresh gives a working access token"),
        "passed",
        "{}",
        run.stdout
    );
    assert!(
        !run.failed_by("", Rule::RefreshExchange, ""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("the sign-in sets the cookie `tasks_refresh_token`"),
        "{}",
        run.stdout
    );
}

/// A `created_by` a create sends is answered as the caller, whatever it said: an object the
/// server resolved to a record of its own, nothing written that should read back.
#[tokio::test(flavor = "multi_thread")]
async fn an_object_the_server_resolves_is_not_compared() {
    let run = run(Fault::OwnerIgnored).await;
    assert_eq!(
        run.verdict("What is created reads back, is listed and updates"),
        "passed",
        "{}",
        run.stdout
    );
}
