//! A spec that declares an API key scheme and secures no operation with it (Directus's
//! `KeyAuth`, declared beside the `Auth` its three secured operations name): with a key in the
//! environment, the API key checks have nothing to judge it on, and are skipped saying so,
//! not failed.

use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

/// The spec but its sign-in (see [`spec`]).
const SPEC_REST: &str = r##"openapi: 3.0.3
info: { title: Presets, version: "1" }
paths:
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

/// The spec: its sign-in, then the rest.
fn spec() -> String {
    SPEC_REST.replacen(
        "paths:\n",
        &format!("paths:\n{}", crate::email_login::PATH),
        1,
    )
}

#[derive(Clone)]
struct Presets;

impl Respond for Presets {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match (request.method.as_str(), request.url.path()) {
            ("POST", "/auth/login") => crate::email_login::answer(&request.body),
            ("GET", "/presets") => {
                let bearer = request
                    .headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    == Some(format!("Bearer {}", crate::email_login::TOKEN).as_str());
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
        &spec(),
        server.uri(),
        "@apikey",
        &[
            crate::email_login::CREDENTIALS[0],
            crate::email_login::CREDENTIALS[1],
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
