//! Operations the user's frontend calls with an API key alone: LNbits's wallet API takes a
//! wallet's `X-API-KEY` and no bearer token (its payments, its short links). With a key in
//! the profile (`[apikey] key_env`), the behaviour phase calls them with it, as that
//! frontend does, where it left all of them out (`its security asks for credentials the run
//! does not send`); and a create that requires a query parameter (`POST
//! /api/v1/tinyurl?url=...`) gets it, where the resource chain sent none and was refused. A
//! link that several creates of one URL answered is deleted once, not once per create (a
//! second delete, refused, was said to leave it undeleted).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Wallet, version: "1" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
    walletKey: { type: apiKey, in: header, name: X-API-KEY }
  schemas:
    Link:
      type: object
      required: [id, url]
      properties: { id: { type: integer }, url: { type: string } }
paths:
  /me:
    get:
      operationId: me
      security: [{ bearer: [] }]
      responses:
        "200": { description: The user, content: { application/json: { schema: { type: object } } } }
        "401": { description: no session }
  /links:
    post:
      operationId: createLink
      security: [{ walletKey: [] }]
      parameters:
        - { name: url, in: query, required: true, schema: { type: string, example: "https://example.com/a" } }
      responses:
        "201": { description: The link, content: { application/json: { schema: { $ref: "#/components/schemas/Link" } } } }
        "400": { description: invalid }
        "401": { description: no key }
  /links/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getLink
      security: [{ walletKey: [] }]
      responses:
        "200": { description: The link, content: { application/json: { schema: { $ref: "#/components/schemas/Link" } } } }
        "401": { description: no key }
        "404": { description: not the wallet's }
    delete:
      operationId: deleteLink
      security: [{ walletKey: [] }]
      responses:
        "204": { description: deleted }
        "401": { description: no key }
        "404": { description: not the wallet's }
"##;

const TOKEN: &str = "user-token";
const KEY: &str = "wallet-key-0123456789";

/// Short links under the wallet key; `broken`: a link read back answers 500.
#[derive(Clone)]
struct Links {
    rows: Arc<Mutex<HashMap<u64, String>>>,
    keyed: Arc<Mutex<u32>>,
    next: Arc<AtomicU64>,
    broken: bool,
    one_per_url: bool,
    unknown_key_404: bool,
}

impl Respond for Links {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        let refused = || ResponseTemplate::new(401).set_body_json(json!({"detail": "no"}));
        let path = request.url.path().to_string();
        if path == "/me" {
            return match header("authorization").as_deref() {
                Some(t) if t == format!("Bearer {TOKEN}") => {
                    ResponseTemplate::new(200).set_body_json(json!({"name": "qa"}))
                }
                Some(t) if t == format!("Bearer {TOKEN}-2") => {
                    ResponseTemplate::new(200).set_body_json(json!({"name": "qb"}))
                }
                _ => refused(),
            };
        }
        match header("x-api-key") {
            Some(key) if key == KEY => {}
            // LNbits answers a key that names no wallet `404 Wallet not found.`
            Some(_) if self.unknown_key_404 => {
                return ResponseTemplate::new(404)
                    .set_body_json(json!({"detail": "Wallet not found."}));
            }
            _ => return refused(),
        }
        *self.keyed.lock().unwrap() += 1;
        let mut rows = self.rows.lock().unwrap();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["links"]) => {
                let url = request
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "url")
                    .map(|(_, v)| v.into_owned());
                let Some(url) = url else {
                    return ResponseTemplate::new(400).set_body_json(json!({"detail": [
                        {"loc": ["query", "url"], "msg": "field required"}
                    ]}));
                };
                // With `one_per_url`, a create of a URL it has answers that link, as LNbits's
                // short links do.
                let id = match rows.iter().find(|(_, u)| **u == url && self.one_per_url) {
                    Some((id, _)) => *id,
                    None => {
                        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
                        rows.insert(id, url.clone());
                        id
                    }
                };
                ResponseTemplate::new(201).set_body_json(json!({"id": id, "url": url}))
            }
            (method, ["links", id]) => {
                let Some(id) = id.parse::<u64>().ok() else {
                    return ResponseTemplate::new(404).set_body_json(json!({"detail": "no"}));
                };
                match (method, rows.get(&id).cloned()) {
                    ("GET", Some(_)) if self.broken => {
                        ResponseTemplate::new(500).set_body_json(json!({"detail": "boom"}))
                    }
                    ("GET", Some(url)) => {
                        ResponseTemplate::new(200).set_body_json(json!({"id": id, "url": url}))
                    }
                    ("DELETE", Some(_)) => {
                        rows.remove(&id);
                        ResponseTemplate::new(204)
                    }
                    // LNbits refuses the delete of a link it no longer has with 400.
                    ("DELETE", None) => ResponseTemplate::new(400)
                        .set_body_json(json!({"detail": "Unable to delete"})),
                    _ => ResponseTemplate::new(404).set_body_json(json!({"detail": "no"})),
                }
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"detail": "no"})),
        }
    }
}

async fn run(broken: bool) -> (crate::Run, Links) {
    run_with(
        broken,
        false,
        "@behaviour and not (@boundary or @roles or @expiry)",
    )
    .await
}

async fn run_with(broken: bool, one_per_url: bool, tags: &str) -> (crate::Run, Links) {
    run_against(
        Links {
            rows: Arc::default(),
            keyed: Arc::default(),
            next: Arc::default(),
            broken,
            one_per_url,
            unknown_key_404: false,
        },
        tags,
    )
    .await
}

async fn run_against(backend: Links, tags: &str) -> (crate::Run, Links) {
    let server = crate::serving(backend.clone()).await;
    let (dir, profile) = crate::spec_and_profile(
        SPEC,
        "spec.yaml",
        "[auth]\nkind = \"static\"\ntoken_env = \"ACCORD_USER_TOKEN\"\nsecond_token_env = \"ACCORD_USER_TOKEN_2\"\n\n[apikey]\nscheme = \"walletKey\"\nkey_env = \"ACCORD_WALLET_KEY\"\n\n[behaviour]\nexamples = 3\nexpiry_wait_secs = 0\n",
    );
    let run = crate::harness_in_env(
        profile,
        server.uri(),
        vec!["--tags".into(), tags.into()],
        dir,
        &[
            ("ACCORD_USER_TOKEN", TOKEN),
            ("ACCORD_USER_TOKEN_2", &format!("{TOKEN}-2")),
            ("ACCORD_WALLET_KEY", KEY),
        ],
    )
    .await;
    (run, backend)
}

#[tokio::test(flavor = "multi_thread")]
async fn operations_the_frontend_calls_with_the_key_alone_are_called_with_it() {
    let (run, backend) = run(false).await;
    assert!(
        run.verdict("What is created reads back, is listed and updates") == "passed"
            && run.verdict("A second user cannot reach the first user's resources") == "passed"
            && !run
                .stdout
                .contains("asks for credentials the run does not send")
            && backend.rows.lock().unwrap().is_empty(),
        "{}",
        run.stdout
    );
    assert!(*backend.keyed.lock().unwrap() > 3, "{}", run.stdout);
    let (broken, _) = self::run(true).await;
    assert!(
        broken.failed_by("", Rule::ReadBack, "getLink")
            || broken.failed_by("", Rule::Positive, "getLink: a server error (500)"),
        "{}",
        broken.stdout
    );
}

/// Creates of one URL all answer one link (LNbits's short links), and the boundary pass
/// sends the same URL in many of its requests: the link is deleted once, and no later delete,
/// refused (LNbits answers 400 for a link it no longer has), says it was left undeleted.
#[tokio::test(flavor = "multi_thread")]
async fn a_resource_several_creates_answered_is_deleted_once() {
    let (run, backend) = run_with(false, true, "@boundary").await;
    assert!(
        !run.stdout.contains("could not delete") && backend.rows.lock().unwrap().is_empty(),
        "{}",
        run.stdout
    );
}

/// A backend that answers an unknown key 404 on every operation the key secures: one
/// failure, which names how many operations answer so, where it named the first alone.
#[tokio::test(flavor = "multi_thread")]
async fn a_key_refused_wrong_everywhere_says_where() {
    let backend = Links {
        rows: Arc::default(),
        keyed: Arc::default(),
        next: Arc::default(),
        broken: false,
        one_per_url: false,
        unknown_key_404: true,
    };
    let (run, _) = run_against(backend, "@apikey").await;
    assert!(
        run.failed_by(
            "refuse an unknown key",
            Rule::ApiKeyRefused,
            "answered 404, not 401 (and 2 more operation(s) alike"
        ),
        "{}",
        run.stdout
    );
}
