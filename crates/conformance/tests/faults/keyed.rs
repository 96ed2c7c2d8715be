//! Operations the user's frontend calls with an API key alone: LNbits's wallet API takes a
//! wallet's `X-API-KEY` and no bearer token (its payments, its short links). With a key in
//! the profile (`[apikey] key_env`), the behaviour phase calls them with it, as that
//! frontend does, where it left all of them out (`its security asks for credentials the run
//! does not send`); and a create that requires a query parameter (`POST
//! /api/v1/tinyurl?url=...`) gets it, where the resource chain sent none and was refused.

use std::collections::HashMap;
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
    broken: bool,
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
        if header("x-api-key").as_deref() != Some(KEY) {
            return refused();
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
                let id = rows.len() as u64 + 1;
                rows.insert(id, url.clone());
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
                    _ => ResponseTemplate::new(404).set_body_json(json!({"detail": "no"})),
                }
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"detail": "no"})),
        }
    }
}

async fn run(broken: bool) -> (crate::Run, Links) {
    let backend = Links {
        rows: Arc::default(),
        keyed: Arc::default(),
        broken,
    };
    let server = crate::serving(backend.clone()).await;
    let (dir, profile) = crate::spec_and_profile(
        SPEC,
        "spec.yaml",
        "[auth]\nkind = \"static\"\ntoken_env = \"ACCORD_USER_TOKEN\"\nsecond_token_env = \"ACCORD_USER_TOKEN_2\"\n\n[apikey]\nscheme = \"walletKey\"\nkey_env = \"ACCORD_WALLET_KEY\"\n\n[behaviour]\nexamples = 3\nexpiry_wait_secs = 0\n",
    );
    let run = crate::harness_in_env(
        profile,
        server.uri(),
        vec![
            "--tags".into(),
            "@behaviour and not (@boundary or @roles or @expiry)".into(),
        ],
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
