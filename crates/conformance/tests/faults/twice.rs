//! A sign-up form that asks for the password twice, and a rule for user names the spec does
//! not state, as LNbits's `POST /api/v1/auth/register` has them: `password_repeat` beside
//! `password` (`Passwords do not match.` for two values) and a user name of letters, digits,
//! `.` and `_` (`Invalid username.` for a `-`). Its frontend sends one password in both
//! fields and the name its user typed; a run that sent two made-up passwords had every
//! generated sign-up refused before it reached the code the values were to test, reported
//! each edge value as refused by the schema's gap, and could not sign its second user up
//! (`qa1-accord2`), so that the cross-user check never ran.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Wallets, version: "1" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    Register:
      type: object
      required: [username, password, password_repeat]
      properties:
        username: { type: string, minLength: 2, maxLength: 20 }
        password: { type: string, minLength: 8, maxLength: 50 }
        password_repeat: { type: string, minLength: 8, maxLength: 50 }
    Login:
      type: object
      required: [username, password]
      properties:
        username: { type: string }
        password: { type: string }
    Wallet:
      type: object
      required: [id, name]
      properties:
        id: { type: integer }
        name: { type: string }
security: [{ bearer: [] }]
paths:
  /auth/register:
    post:
      operationId: register
      security: []
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Register" } } }
      responses:
        "200":
          description: signed up
          content:
            application/json:
              schema: { type: object, properties: { access_token: { type: string } } }
        "400": { description: refused }
  /auth/login:
    post:
      operationId: login
      security: []
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Login" } } }
      responses:
        "200":
          description: a session
          content:
            application/json:
              schema: { type: object, properties: { access_token: { type: string } } }
        "400": { description: refused }
        "401": { description: refused }
  /wallets:
    get:
      operationId: listWallets
      responses:
        "200":
          description: the user's wallets
          content:
            application/json:
              schema: { type: array, items: { $ref: "#/components/schemas/Wallet" } }
        "401": { description: no session }
    post:
      operationId: createWallet
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties: { name: { type: string, minLength: 1, maxLength: 40 } }
      responses:
        "201":
          description: created
          content: { application/json: { schema: { $ref: "#/components/schemas/Wallet" } } }
        "400": { description: invalid }
        "401": { description: no session }
  /wallets/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getWallet
      responses:
        "200":
          description: the wallet
          content: { application/json: { schema: { $ref: "#/components/schemas/Wallet" } } }
        "400": { description: invalid }
        "401": { description: no session }
        "404": { description: not the user's }
    delete:
      operationId: deleteWallet
      responses:
        "204": { description: deleted }
        "400": { description: invalid }
        "401": { description: no session }
        "404": { description: not the user's }
"##;

const CREDENTIALS: [(&str, &str); 2] =
    [("ACCORD_USER", "qa1"), ("ACCORD_PASSWORD", "qa1-pass-123")];

#[derive(Default)]
struct Backend {
    users: std::sync::Mutex<HashMap<String, String>>,
    wallets: std::sync::Mutex<HashMap<u64, (String, String)>>,
    next: AtomicUsize,
    /// Sign-ups refused for two passwords, each valid alone.
    mismatched: AtomicUsize,
    /// Sign-ups refused for a user name the rule does not take.
    bad_names: std::sync::Mutex<Vec<String>>,
}

fn answer(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn refused(detail: &str) -> Response {
    answer(StatusCode::BAD_REQUEST, json!({ "detail": detail }))
}

/// LNbits's rule: 2 to 20 of letters, digits, `.` and `_`, neither first nor last nor two
/// in a row.
fn valid_username(name: &str) -> bool {
    let n = name.chars().count();
    (2..=20).contains(&n)
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        && !name.starts_with(['.', '_'])
        && !name.ends_with(['.', '_'])
        && !name.contains("..")
        && !name.contains("__")
        && !name.contains("._")
        && !name.contains("_.")
}

fn text(body: &Value, name: &str, len: std::ops::RangeInclusive<usize>) -> Option<String> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|t| len.contains(&t.chars().count()) && !t.contains('\0'))
        .map(String::from)
}

async fn register(State(b): State<Arc<Backend>>, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let (Some(name), Some(password), Some(repeat)) = (
        body.get("username").and_then(Value::as_str),
        text(&body, "password", 8..=50),
        text(&body, "password_repeat", 8..=50),
    ) else {
        return refused("invalid");
    };
    if password != repeat {
        b.mismatched.fetch_add(1, Ordering::SeqCst);
        return refused("Passwords do not match.");
    }
    if !valid_username(name) {
        b.bad_names.lock().unwrap().push(name.to_string());
        return refused("Invalid username.");
    }
    let mut users = b.users.lock().unwrap();
    if users.contains_key(name) {
        return refused("Username already exists.");
    }
    users.insert(name.to_string(), password);
    answer(
        StatusCode::OK,
        json!({ "access_token": format!("token:{name}") }),
    )
}

async fn login(State(b): State<Arc<Backend>>, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let (Some(name), Some(password)) = (
        body.get("username").and_then(Value::as_str),
        body.get("password").and_then(Value::as_str),
    ) else {
        return refused("invalid");
    };
    if b.users.lock().unwrap().get(name).map(String::as_str) != Some(password) {
        return answer(
            StatusCode::UNAUTHORIZED,
            json!({"detail": "Invalid credentials."}),
        );
    }
    answer(
        StatusCode::OK,
        json!({ "access_token": format!("token:{name}") }),
    )
}

fn user(b: &Backend, headers: &HeaderMap) -> Option<String> {
    let name = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer token:")?
        .to_string();
    b.users.lock().unwrap().contains_key(&name).then_some(name)
}

fn no_session() -> Response {
    answer(
        StatusCode::UNAUTHORIZED,
        json!({"detail": "Missing user ID or access token."}),
    )
}

async fn list(State(b): State<Arc<Backend>>, headers: HeaderMap) -> Response {
    let Some(me) = user(&b, &headers) else {
        return no_session();
    };
    let mut wallets: Vec<(u64, String)> = b
        .wallets
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, (owner, _))| *owner == me)
        .map(|(id, (_, name))| (*id, name.clone()))
        .collect();
    wallets.sort();
    answer(
        StatusCode::OK,
        Value::Array(
            wallets
                .into_iter()
                .map(|(id, name)| json!({"id": id, "name": name}))
                .collect(),
        ),
    )
}

async fn create(State(b): State<Arc<Backend>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(me) = user(&b, &headers) else {
        return no_session();
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let Some(name) = text(&body, "name", 1..=40) else {
        return refused("invalid");
    };
    let id = b.next.fetch_add(1, Ordering::SeqCst) as u64 + 1;
    b.wallets.lock().unwrap().insert(id, (me, name.clone()));
    answer(StatusCode::CREATED, json!({"id": id, "name": name}))
}

async fn read(
    State(b): State<Arc<Backend>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(me) = user(&b, &headers) else {
        return no_session();
    };
    let Ok(id) = id.parse::<u64>() else {
        return refused("invalid");
    };
    match b.wallets.lock().unwrap().get(&id) {
        Some((owner, name)) if *owner == me => {
            answer(StatusCode::OK, json!({"id": id, "name": name}))
        }
        _ => answer(
            StatusCode::NOT_FOUND,
            json!({"detail": "Wallet not found."}),
        ),
    }
}

async fn delete(
    State(b): State<Arc<Backend>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(me) = user(&b, &headers) else {
        return no_session();
    };
    let Ok(id) = id.parse::<u64>() else {
        return refused("invalid");
    };
    let mut wallets = b.wallets.lock().unwrap();
    match wallets.get(&id) {
        Some((owner, _)) if *owner == me => {
            wallets.remove(&id);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => answer(
            StatusCode::NOT_FOUND,
            json!({"detail": "Wallet not found."}),
        ),
    }
}

async fn run_against(backend: Arc<Backend>, tags: &str) -> crate::Run {
    let app = axum::Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/wallets", get(list).post(create))
        .route("/wallets/{id}", get(read).delete(delete))
        .with_state(backend);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let run = crate::first_run_with(SPEC, base, tags, &CREDENTIALS).await;
    server.abort();
    run
}

/// Every sign-up the run sends has one password in both fields, its user names are ones
/// the backend takes, and the second user signs up and is checked against the first.
#[tokio::test(flavor = "multi_thread")]
async fn a_password_asked_for_twice_is_sent_twice_and_user_names_are_letters_and_digits() {
    let backend = Arc::new(Backend::default());
    let run = run_against(
        backend.clone(),
        "@positive or @boundary or @negative or @second_user",
    )
    .await;
    assert_eq!(
        backend.mismatched.load(Ordering::SeqCst),
        0,
        "sign-ups with two passwords: {}",
        run.stdout
    );
    let bad = backend.bad_names.lock().unwrap().clone();
    assert!(
        bad.iter().all(|n| !(2..=20).contains(&n.chars().count())
            || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')),
        "user names of letters, digits and the run's `-` refused: {bad:?}\n{}",
        run.stdout
    );
    assert!(
        backend.users.lock().unwrap().contains_key("qa1accord2"),
        "the second user never signed up: {}",
        run.stdout
    );
    assert_eq!(
        run.verdict("A second user cannot reach the first user's resources"),
        "passed",
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("Passwords do not match"),
        "{}",
        run.stdout
    );
}
