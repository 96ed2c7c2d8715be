//! A backend one request leaves broken for everyone after it: Directus 10 refuses a random
//! string of 2^63 characters (400), and from then on every sign-in answers 500 until it
//! restarts. The scenarios after it only say that they could not sign in (or are skipped);
//! the run says, once, that the backend it leaves no longer signs anyone in. The same backend
//! that takes the request in its stride has no such failure.

use std::sync::{Arc, Mutex};

use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

/// The spec but its sign-in (see [`spec`]).
const SPEC_REST: &str = r##"openapi: 3.0.3
info: { title: Utilities, version: "1" }
paths:
  /utils/random/string:
    get:
      operationId: random
      parameters:
        - { name: length, in: query, schema: { type: integer } }
      responses:
        "200":
          description: a random string
          content: { application/json: { schema: { type: object, properties: { data: { type: string } } } } }
        "400": { description: too long }
"##;

/// The spec: its sign-in, then the rest.
fn spec() -> String {
    SPEC_REST.replacen(
        "paths:\n",
        &format!("paths:\n{}", crate::email_login::PATH),
        1,
    )
}

#[derive(Clone, Default)]
struct Utilities {
    /// Whether a random string too long to make breaks every later sign-in.
    breaks: bool,
    broken: Arc<Mutex<bool>>,
}

impl Respond for Utilities {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut broken = self.broken.lock().unwrap();
        match (request.method.as_str(), request.url.path()) {
            ("POST", "/auth/login") => {
                if *broken {
                    return ResponseTemplate::new(500).set_body_json(
                        json!({"errors": [{"message": "An unexpected error occurred."}]}),
                    );
                }
                crate::email_login::answer(&request.body)
            }
            ("GET", "/utils/random/string") => {
                let length = request
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "length")
                    .map(|(_, v)| v.to_string());
                match length.as_deref().map(str::parse::<i64>) {
                    Some(Ok(n)) if n > 1000 => {
                        if self.breaks && n > i64::from(i32::MAX) {
                            *broken = true;
                        }
                        ResponseTemplate::new(400)
                    }
                    Some(Err(_)) => ResponseTemplate::new(400),
                    Some(Ok(n)) => ResponseTemplate::new(200)
                        .set_body_json(json!({"data": "x".repeat(n.max(0) as usize)})),
                    None => ResponseTemplate::new(200).set_body_json(json!({"data": "xxxxxxxxxx"})),
                }
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

async fn run(backend: Utilities) -> crate::Run {
    let server = crate::serving(backend).await;
    crate::first_run_with(
        &spec(),
        server.uri(),
        "@boundary",
        &crate::email_login::CREDENTIALS,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_leaves_the_backend_unable_to_sign_in_fails_the_run_once() {
    let broken = run(Utilities {
        breaks: true,
        ..Utilities::default()
    })
    .await;
    assert!(
        broken.stdout.contains(
            "failed: The API's own behaviour: The backend still signs in after the run: rule behaviour.positive: signing in at the end of the run: login answered 500, where it answered a session earlier in this run: a request the run sent since has left the backend unable to sign in"
        ),
        "{}",
        broken.stdout
    );
    assert_eq!(
        broken.verdict("The backend still signs in after the run"),
        "failed"
    );
    assert_eq!(broken.code, Some(1), "{}", broken.stdout);

    let sound = run(Utilities::default()).await;
    assert!(!sound.stdout.contains("still signs in"), "{}", sound.stdout);
    assert_eq!(sound.code, Some(0), "{}", sound.stdout);
}
