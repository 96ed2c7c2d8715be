//! A refresh that takes the refresh token as `Authorization: Bearer`, as the refresh
//! operation's own security scheme says (flask-jwt-extended's `@jwt_required(refresh=True)`,
//! Flask AppBuilder's `POST /api/v1/security/refresh`), and answers a new access token alone.
//! `init` reads that from the spec; the run presents the refresh token there, and a backend
//! that takes an access token as a refresh token fails.

use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.2
info: { title: Security, version: 1.0.0 }
components:
  securitySchemes:
    jwt: { type: http, scheme: bearer, bearerFormat: JWT }
    jwt_refresh: { type: http, scheme: bearer, bearerFormat: JWT }
paths:
  /api/v1/security/login:
    post:
      operationId: login
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                username: { type: string }
                password: { type: string }
                refresh: { type: boolean, example: true }
      responses:
        "200":
          description: signed in
          content:
            application/json:
              schema:
                type: object
                properties: { access_token: { type: string }, refresh_token: { type: string } }
        "401": { description: refused }
  /api/v1/security/refresh:
    post:
      operationId: refresh
      security: [{ jwt_refresh: [] }]
      responses:
        "200":
          description: refreshed
          content:
            application/json:
              schema: { type: object, properties: { access_token: { type: string } } }
        "401": { description: refused }
  /api/v1/contact/:
    get:
      operationId: listContacts
      security: [{ jwt: [] }]
      responses:
        "200": { description: the contacts, content: { application/json: { schema: { type: object } } } }
        "401": { description: refused }
"##;

/// Tokens `access-N` and `refresh-N`; `lax`: the refresh takes an access token too.
struct Security {
    issued: AtomicU32,
    lax: bool,
}

impl Respond for Security {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let refused = || ResponseTemplate::new(401).set_body_json(json!({"msg": "refused"}));
        let token = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default()
            .to_string();
        match (request.method.as_str(), request.url.path()) {
            ("POST", "/api/v1/security/login") => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                if body.get("password").and_then(Value::as_str) != Some("accord-password-1") {
                    return refused();
                }
                let n = self.issued.fetch_add(1, Ordering::SeqCst);
                let mut answer = json!({"access_token": format!("access-{n}")});
                if body.get("refresh") == Some(&Value::Bool(true)) {
                    answer["refresh_token"] = json!(format!("refresh-{n}"));
                }
                ResponseTemplate::new(200).set_body_json(answer)
            }
            ("POST", "/api/v1/security/refresh") => {
                let taken =
                    token.starts_with("refresh-") || (self.lax && token.starts_with("access-"));
                if !taken {
                    return refused();
                }
                let n = self.issued.fetch_add(1, Ordering::SeqCst);
                ResponseTemplate::new(200)
                    .set_body_json(json!({"access_token": format!("access-{n}")}))
            }
            ("GET", "/api/v1/contact/") if token.starts_with("access-") => {
                ResponseTemplate::new(200).set_body_json(json!({"count": 0, "result": []}))
            }
            ("GET", "/api/v1/contact/") => refused(),
            _ => ResponseTemplate::new(404).set_body_json(json!({"msg": "not found"})),
        }
    }
}

async fn run(lax: bool) -> crate::Run {
    let server = crate::serving(Security {
        issued: AtomicU32::new(1),
        lax,
    })
    .await;
    crate::first_run_with(
        SPEC,
        server.uri(),
        "@refresh",
        &crate::email_login::CREDENTIALS,
    )
    .await
}

const PAIR: &str = "Login gives a working pair and refresh gives a working access token";
const ACCESS: &str = "An access token is not a refresh token";

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_token_goes_where_the_refresh_s_own_bearer_scheme_puts_it() {
    let correct = run(false).await;
    for scenario in [PAIR, ACCESS] {
        assert_eq!(
            correct.verdict(scenario),
            "passed",
            "{scenario}: {}",
            correct.stdout
        );
    }
    // It documents no rotation: the checks of a used refresh token are skipped, saying so.
    correct.says(&[
        "skipped: Token refresh: A refresh token cannot be used twice (refresh.rotation is false)",
    ]);
    let lax = run(true).await;
    assert_eq!(lax.verdict(PAIR), "passed", "{}", lax.stdout);
    assert_eq!(lax.verdict(ACCESS), "failed", "{}", lax.stdout);
}
