//! A spec that declares an API key scheme and secures no operation with it (Directus's
//! `KeyAuth`, declared beside the `Auth` its three secured operations name): with a key in the
//! environment, the API key checks have nothing to judge it on, and are skipped saying so,
//! not failed.

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Presets, version: "1" }
paths:
  /auth/login:
    post:
      operationId: login
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email, password]
              properties:
                email: { type: string }
                password: { type: string }
      responses:
        "200":
          description: a session
          content:
            application/json:
              schema: { type: object, properties: { access_token: { type: string } } }
        "401": { description: refused }
  /presets:
    get:
      operationId: getPresets
      security: [ { Auth: [] } ]
      responses:
        "200": { description: every preset, content: { application/json: { schema: { type: array, items: { type: object } } } } }
        "401": { description: no session }
components:
  securitySchemes:
    KeyAuth: { type: apiKey, in: query, name: access_token }
    Auth: { type: http, scheme: bearer }
"##;

#[derive(Clone)]
struct Presets;

impl Respond for Presets {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match (request.method.as_str(), request.url.path()) {
            ("POST", "/auth/login") => {
                let body = serde_json::from_slice::<Value>(&request.body).unwrap_or_default();
                match body.get("password").and_then(Value::as_str) {
                    Some("accord-password-1") => ResponseTemplate::new(200)
                        .set_body_json(json!({"access_token": "opaque-session-token"})),
                    _ => ResponseTemplate::new(401),
                }
            }
            ("GET", "/presets") => {
                let bearer = request
                    .headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    == Some("Bearer opaque-session-token");
                let key = request
                    .url
                    .query_pairs()
                    .any(|(k, v)| k == "access_token" && v == "static-key-of-the-admin");
                match bearer || key {
                    true => ResponseTemplate::new(200).set_body_json(json!([])),
                    false => ResponseTemplate::new(401),
                }
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_scheme_that_secures_nothing_skips_the_key_checks() {
    let server = crate::serving(Presets).await;
    let run = crate::first_run_with(
        SPEC,
        server.uri(),
        "@apikey",
        &[
            ("ACCORD_USER", "accord-a@example.com"),
            ("ACCORD_PASSWORD", "accord-password-1"),
            ("ACCORD_API_KEY", "static-key-of-the-admin"),
        ],
    )
    .await;
    assert!(!run.stdout.contains("rule setup"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "no operation is secured by `KeyAuth` alone, so nothing tells its refusals apart"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(run.verdict("refuse no key"), "skipped", "{}", run.stdout);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
}
