//! A given account is signed in to as a returning user is: the sign-in first, and the
//! sign-up only when the sign-in is refused (the first run against a fresh backend). A
//! sign-up sent every run costs the backend a password hash and a 409 apiece.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Returning, version: 1.0.0 }
paths:
  /auth/register:
    post:
      operationId: register
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Credentials" } } }
      responses:
        "201": { description: "" }
        "409": { description: "" }
  /auth/login:
    post:
      operationId: login
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Credentials" } } }
      responses:
        "200": { description: "", content: { application/json: { schema: { type: object, required: [access_token], properties: { access_token: { type: string } } } } } }
        "401": { description: "" }
  /me:
    get:
      operationId: me
      security: [{ bearer: [] }]
      responses:
        "200": { description: "", content: { application/json: { schema: { type: object, properties: { email: { type: string } } } } } }
        "401": { description: "" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    Credentials:
      type: object
      required: [email, password]
      properties: { email: { type: string, format: email }, password: { type: string, minLength: 8 } }
"##;

/// The backend's [`State`]; with `nested` (the second field), the sign-in
/// answers its token as RealWorld does, `{"user": {"token": ...}}`.
#[derive(Clone, Default)]
struct Accounts(Arc<Mutex<State>>, bool);

/// The accounts (address to password), the sign-ups and the sign-ins sent.
type State = (HashMap<String, String>, usize, usize);

impl Respond for Accounts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let field = |name: &str| body.get(name).and_then(Value::as_str).map(String::from);
        match (request.method.as_str(), request.url.path()) {
            ("POST", "/auth/register") => {
                state.1 += 1;
                let (Some(email), Some(password)) = (field("email"), field("password")) else {
                    return ResponseTemplate::new(400);
                };
                if state.0.contains_key(&email) {
                    return ResponseTemplate::new(409);
                }
                state.0.insert(email, password);
                ResponseTemplate::new(201)
            }
            ("POST", "/auth/login") => {
                state.2 += 1;
                let known = field("email")
                    .and_then(|e| state.0.get(&e).cloned())
                    .is_some_and(|p| Some(p) == field("password"));
                if !known {
                    return ResponseTemplate::new(401);
                }
                let token = format!("t-{}", field("email").unwrap_or_default());
                if self.1 {
                    return ResponseTemplate::new(200)
                        .set_body_json(json!({"user": {"email": field("email"), "token": token}}));
                }
                ResponseTemplate::new(200).set_body_json(json!({"access_token": token}))
            }
            // A refresh of tokens the sign-in never gives: it crashes on a body without one.
            ("POST", "/auth/refresh") => match field("refresh_token").filter(|t| !t.is_empty()) {
                Some(_) => ResponseTemplate::new(401).insert_header("www-authenticate", "Bearer"),
                None => ResponseTemplate::new(500),
            },
            ("GET", "/me") => {
                let email = request
                    .headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer t-"))
                    .filter(|e| state.0.contains_key(*e))
                    .map(String::from);
                match email {
                    Some(email) => {
                        ResponseTemplate::new(200).set_body_json(json!({"email": email}))
                    }
                    None => ResponseTemplate::new(401).insert_header("www-authenticate", "Bearer"),
                }
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

const USER: &str = "returning@example.com";
const PASSWORD: &str = "returning-password-1";

async fn valid_token(backend: Accounts) -> crate::Run {
    valid_token_in(SPEC, backend).await
}

async fn valid_token_in(spec: &str, backend: Accounts) -> crate::Run {
    let server = crate::serving(backend).await;
    crate::first_run_with(
        spec,
        server.uri(),
        "@auth and not @expiry",
        &[("ACCORD_USER", USER), ("ACCORD_PASSWORD", PASSWORD)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_returning_account_is_signed_in_to_without_a_sign_up() {
    let backend = Accounts::default();
    backend
        .0
        .lock()
        .unwrap()
        .0
        .insert(USER.into(), PASSWORD.into());
    let run = valid_token(backend.clone()).await;
    assert!(
        run.stdout.contains("A valid token is accepted"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(" 0 failed"), "{}", run.stdout);
    assert_eq!(backend.0.lock().unwrap().1, 0, "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fresh_backend_gets_the_account_signed_up_once() {
    let backend = Accounts::default();
    let run = valid_token(backend.clone()).await;
    assert!(run.stdout.contains(" 0 failed"), "{}", run.stdout);
    let state = backend.0.lock().unwrap();
    assert!(state.0.contains_key(USER), "{}", run.stdout);
    assert_eq!(state.1, 1, "{}", run.stdout);
}

/// A sign-in whose answer the spec leaves untyped (Django Ninja's `{"title": "Response"}`):
/// the run finds the token in it, `{"user": {"token": ...}}`, and says where it took it from.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_the_spec_does_not_place_is_found_in_the_sign_in_s_answer() {
    let untyped = SPEC.replace(
        "{ type: object, required: [access_token], properties: { access_token: { type: string } } }",
        "{ title: Response }",
    );
    assert_ne!(untyped, SPEC);
    let backend = Accounts(Arc::default(), true);
    backend
        .0
        .lock()
        .unwrap()
        .0
        .insert(USER.into(), PASSWORD.into());
    let run = valid_token_in(&untyped, backend).await;
    assert!(run.stdout.contains(" 0 failed"), "{}", run.stdout);
    assert!(
        run.stdout.contains("the run took it from /user/token"),
        "{}",
        run.stdout
    );
}

/// A refresh operation beside a sign-in whose answer holds no refresh token (a JWT
/// library's refresh next to the app's own sign-in): the refresh checks have nothing to
/// present, and are skipped saying so; what the run would send is no refresh token refused.
#[tokio::test(flavor = "multi_thread")]
async fn refresh_checks_without_a_refresh_token_are_skipped_saying_why() {
    let with_refresh = SPEC.replace(
        "  /me:",
        "  /auth/refresh:\n    post:\n      operationId: refresh\n      requestBody:\n        content: { application/json: { schema: { type: object, properties: { refresh_token: { type: string } } } } }\n      responses:\n        \"200\": { description: \"\" }\n  /me:",
    );
    assert_ne!(with_refresh, SPEC);
    let backend = Accounts::default();
    backend
        .0
        .lock()
        .unwrap()
        .0
        .insert(USER.into(), PASSWORD.into());
    let server = crate::serving(backend).await;
    let run = crate::first_run_with(
        &with_refresh,
        server.uri(),
        "@refresh",
        &[("ACCORD_USER", USER), ("ACCORD_PASSWORD", PASSWORD)],
    )
    .await;
    assert!(run.stdout.contains(" 0 failed"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "skipped: Token refresh: A refresh token cannot be used twice (the sign-in's answer holds no refresh token"
        ),
        "{}",
        run.stdout
    );
}

/// A sign-in the backend refuses (a password that is not the account's) fails the first
/// scenario that needs it, naming why; every other is skipped for it, and the refused
/// sign-in is not sent again scenario after scenario.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_sign_in_fails_one_scenario_and_is_not_sent_again() {
    let backend = Accounts::default();
    backend
        .0
        .lock()
        .unwrap()
        .0
        .insert(USER.into(), "another-password-9".into());
    let server = crate::serving(backend.clone()).await;
    let run = crate::first_run_with(
        SPEC,
        server.uri(),
        "(@auth or @behaviour) and not @expiry",
        &[("ACCORD_USER", USER), ("ACCORD_PASSWORD", PASSWORD)],
    )
    .await;
    assert!(
        // The two that need no session pass; one fails for the refusal; ten are skipped.
        run.stdout
            .contains("conformance: 2 passed, 1 failed, 10 skipped"),
        "{}",
        run.stdout
    );
    // Which scenario fails for it depends on which ends first.
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("Check failed: rule setup: ") && l.contains("login answered 401")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "login answered 401, after its sign-up answered 409 (refused earlier in the run; not sent again); a scenario before this one failed for it)"
        ),
        "{}",
        run.stdout
    );
    // The sign-in, the sign-up it then tries (409: the account exists) and the sign-in again.
    let logins = backend.0.lock().unwrap().2;
    assert_eq!(logins, 2, "{}", run.stdout);
}
