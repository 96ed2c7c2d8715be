//! One identity signing in holds up no request of another. A backend that hashes a password
//! on every sign-in (bcrypt, argon2) takes a tenth of a second or more for each: a run that
//! kept every request of the first user waiting while the second signed up and signed in
//! sent nothing else meanwhile, and a run with a spare account, a second user and an admin
//! spent a second of its wall time that way on such a backend.
//!
//! The backend here answers the second user's sign-in only once a request of the first user
//! has arrived while it waits (or after three seconds), and says which it was.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Items, version: "1" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    Credentials:
      type: object
      required: [email, password]
      properties:
        email: { type: string, format: email }
        password: { type: string, minLength: 8 }
    Item:
      type: object
      required: [id, title]
      properties:
        id: { type: integer }
        title: { type: string }
security: [{ bearer: [] }]
paths:
  /auth/signup:
    post:
      operationId: signup
      security: []
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Credentials" } } }
      responses:
        "201": { description: signed up }
        "409": { description: taken }
        "422": { description: invalid }
  /auth/login:
    post:
      operationId: login
      security: []
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Credentials" } } }
      responses:
        "200":
          description: a session
          content:
            application/json:
              schema: { type: object, properties: { access_token: { type: string } } }
        "401": { description: refused }
        "422": { description: invalid }
  /items:
    get:
      operationId: listItems
      responses:
        "200":
          description: the user's items
          content:
            application/json:
              schema: { type: array, items: { $ref: "#/components/schemas/Item" } }
        "401": { description: no session }
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [title]
              properties: { title: { type: string, minLength: 1, maxLength: 40 } }
      responses:
        "201":
          description: created
          content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } }
        "401": { description: no session }
        "422": { description: invalid }
  /items/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getItem
      responses:
        "200":
          description: the item
          content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } }
        "401": { description: no session }
        "404": { description: not the user's }
        "422": { description: invalid }
    delete:
      operationId: deleteItem
      responses:
        "204": { description: deleted }
        "401": { description: no session }
        "404": { description: not the user's }
        "422": { description: invalid }
"##;

#[derive(Default)]
struct Backend {
    users: std::sync::Mutex<HashMap<String, String>>,
    items: std::sync::Mutex<HashMap<u64, (String, String)>>,
    next: AtomicUsize,
    /// Requests made with the first user's token so far.
    first_requests: AtomicUsize,
    /// Whether one of them arrived while the second user's sign-in waited.
    overlapped: AtomicBool,
    /// Whether the second user signed in at all.
    second_signed_in: AtomicBool,
    /// The addresses a sign-in was refused for (each a password hash on a backend that
    /// hashes one for an unknown user too).
    refused: std::sync::Mutex<Vec<String>>,
    /// The addresses a sign-up was refused for, as taken.
    taken: std::sync::Mutex<Vec<String>>,
}

const FIRST: &str = "accord-a@example.com";

/// A JSON answer.
fn answer(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn invalid() -> Response {
    answer(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"detail": "invalid"}),
    )
}

fn credentials(body: &Bytes) -> Option<(String, String)> {
    let body: Value = serde_json::from_slice(body).ok()?;
    let email = body.get("email")?.as_str()?;
    let password = body.get("password")?.as_str()?;
    (email.contains('@') && password.chars().count() >= 8)
        .then(|| (email.to_string(), password.to_string()))
}

async fn signup(State(b): State<Arc<Backend>>, body: Bytes) -> Response {
    let Some((email, password)) = credentials(&body) else {
        return invalid();
    };
    let mut users = b.users.lock().unwrap();
    if users.contains_key(&email) {
        b.taken.lock().unwrap().push(email);
        return StatusCode::CONFLICT.into_response();
    }
    users.insert(email, password);
    StatusCode::CREATED.into_response()
}

async fn login(State(b): State<Arc<Backend>>, body: Bytes) -> Response {
    let Some((email, password)) = credentials(&body) else {
        return invalid();
    };
    if b.users.lock().unwrap().get(&email) != Some(&password) {
        b.refused.lock().unwrap().push(email);
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if email != FIRST && email.starts_with("accord-a+") && email.contains("accord2") {
        // The second user's password check: as long as a hash takes, and here until the
        // first user's next request shows that it was not held up meanwhile.
        let seen = b.first_requests.load(Ordering::SeqCst);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if b.first_requests.load(Ordering::SeqCst) > seen {
                b.overlapped.store(true, Ordering::SeqCst);
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        b.second_signed_in.store(true, Ordering::SeqCst);
    }
    answer(
        StatusCode::OK,
        json!({"access_token": format!("token:{email}")}),
    )
}

/// The signed-in user, counting the first user's requests (each as slow as a database
/// round trip, so that the first user is still at work while the second signs in).
async fn user(b: &Backend, headers: &HeaderMap) -> Option<String> {
    let email = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer token:")?
        .to_string();
    if !b.users.lock().unwrap().contains_key(&email) {
        return None;
    }
    if email == FIRST {
        b.first_requests.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    Some(email)
}

fn item(id: u64, title: &str) -> Value {
    json!({"id": id, "title": title})
}

async fn list(State(b): State<Arc<Backend>>, headers: HeaderMap) -> Response {
    let Some(me) = user(&b, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let items: Vec<Value> = b
        .items
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, (owner, _))| *owner == me)
        .map(|(id, (_, title))| item(*id, title))
        .collect();
    answer(StatusCode::OK, Value::Array(items))
}

async fn create(State(b): State<Arc<Backend>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(me) = user(&b, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let Some(title) = body
        .get("title")
        .and_then(Value::as_str)
        .filter(|t| (1..=40).contains(&t.chars().count()))
    else {
        return invalid();
    };
    let id = b.next.fetch_add(1, Ordering::SeqCst) as u64 + 1;
    b.items.lock().unwrap().insert(id, (me, title.to_string()));
    answer(StatusCode::CREATED, item(id, title))
}

async fn read(
    State(b): State<Arc<Backend>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(me) = user(&b, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Ok(id) = id.parse::<u64>() else {
        return invalid();
    };
    match b.items.lock().unwrap().get(&id) {
        Some((owner, title)) if *owner == me => answer(StatusCode::OK, item(id, title)),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn delete(
    State(b): State<Arc<Backend>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(me) = user(&b, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Ok(id) = id.parse::<u64>() else {
        return invalid();
    };
    let mut items = b.items.lock().unwrap();
    match items.get(&id) {
        Some((owner, _)) if *owner == me => {
            items.remove(&id);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_user_signing_in_holds_up_no_request_of_the_first() {
    let backend = Arc::new(Backend::default());
    // The generated calls, the first user's all along, beside the cross-user check, whose
    // second user signs up and in while they go on.
    let run = run_against(backend.clone(), "@positive or @second_user").await;
    assert!(
        backend.second_signed_in.load(Ordering::SeqCst),
        "the second user never signed in: {}",
        crate::tail(&run.stdout)
    );
    assert!(
        backend.overlapped.load(Ordering::SeqCst),
        "no request of the first user was sent while the second signed in: {}",
        crate::tail(&run.stdout)
    );
    assert_eq!(
        run.verdict("A second user cannot reach the first user's resources"),
        "passed",
        "{}",
        run.stdout
    );
}

/// Serves `backend` on loopback: its address, and the task serving it.
async fn serve(backend: Arc<Backend>) -> (String, tokio::task::JoinHandle<()>) {
    let app = axum::Router::new()
        .route("/auth/signup", post(signup))
        .route("/auth/login", post(login))
        .route("/items", get(list).post(create))
        .route("/items/{id}", get(read).delete(delete))
        .with_state(backend);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}"), server)
}

/// Serves `backend` on loopback and runs the scenarios of `tags` against it.
async fn run_against(backend: Arc<Backend>, tags: &str) -> crate::Run {
    let (base, server) = serve(backend).await;
    let run = crate::first_run_with(SPEC, base, tags, &crate::email_login::CREDENTIALS).await;
    server.abort();
    run
}

/// The cross-user check against `backend`, which it passes.
async fn cross_user_passes(backend: Arc<Backend>) -> crate::Run {
    let run = run_against(backend, "@second_user").await;
    assert_eq!(
        run.verdict("A second user cannot reach the first user's resources"),
        "passed",
        "{}",
        run.stdout
    );
    run
}

/// A backend that did not know the first account is fresh: the second account is signed up
/// first, not signed in to first (a refused sign-in is a password hash of its own).
#[tokio::test(flavor = "multi_thread")]
async fn on_a_fresh_backend_the_second_account_is_signed_up_before_any_sign_in() {
    let backend = Arc::new(Backend::default());
    let run = cross_user_passes(backend.clone()).await;
    assert_eq!(
        *backend.refused.lock().unwrap(),
        vec![FIRST.to_string()],
        "only the first account's sign-in is refused: {}",
        crate::tail(&run.stdout)
    );
    assert!(backend.second_signed_in.load(Ordering::SeqCst));
}

/// Where the second account exists already (the first does not), its sign-up is refused as
/// taken and it signs in, as a returning user.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_account_that_exists_signs_in_after_its_sign_up_is_refused() {
    let backend = Arc::new(Backend::default());
    let second = FIRST.replace('@', "+accord2@");
    backend.users.lock().unwrap().insert(
        second.clone(),
        crate::email_login::CREDENTIALS[1].1.to_string(),
    );
    cross_user_passes(backend.clone()).await;
    assert_eq!(*backend.taken.lock().unwrap(), vec![second]);
    assert!(backend.second_signed_in.load(Ordering::SeqCst));
}

/// A profile that names the second account's sign-in (`second_body`) and the first's
/// sign-up (`register_body`, with more than the sign-in takes), but not the second's
/// sign-up: on a fresh backend the second account is signed up with the address and
/// password it then signs in with, not with a name made up from the first's.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_account_named_by_its_sign_in_is_signed_up_as_named() {
    let backend = Arc::new(Backend::default());
    let (base, server) = serve(backend.clone()).await;
    let (dir, profile) = crate::spec_and_profile(
        SPEC,
        "spec.yaml",
        r#"
[auth]
kind = "login"
operation = "login"
register = "signup"
body = { email = "${ACCORD_USER}", password = "${ACCORD_PASSWORD}" }
register_body = { email = "${ACCORD_USER}", password = "${ACCORD_PASSWORD}", display_name = "Ada" }
second_body = { email = "${ACCORD_USER_2}", password = "${ACCORD_PASSWORD_2}" }
access_token = "body:/access_token"
"#,
    );
    let run = crate::harness_in_env(
        profile,
        base,
        vec!["--tags".into(), "@second_user".into()],
        dir,
        &[
            ("ACCORD_USER", "ada@example.com"),
            ("ACCORD_PASSWORD", "ada-password-1"),
            ("ACCORD_USER_2", "bob@example.com"),
            ("ACCORD_PASSWORD_2", "bob-password-2"),
        ],
    )
    .await;
    server.abort();
    assert_eq!(
        run.verdict("A second user cannot reach the first user's resources"),
        "passed",
        "{}",
        run.stdout
    );
    let users = backend.users.lock().unwrap();
    assert_eq!(
        users.get("bob@example.com").map(String::as_str),
        Some("bob-password-2"),
        "the second account signed up as named: {:?}",
        users.keys().collect::<Vec<_>>()
    );
    assert_eq!(users.len(), 2, "{:?}", users.keys().collect::<Vec<_>>());
}
