//! A website change monitor in changedetection.io's shape (Python, Flask), read from its
//! OpenAPI 3.1 document with its API key:
//! - a watch is created with `allOf: [Watch, {required: [url]}]`, its `url` a `uri` that
//!   `Watch` describes, and the document's example beside the media type
//!   (`{"url": "https://example.com", ...}`), not in the schema;
//! - it answers the create with `{"uuid": ...}`, and lists the watches as one object keyed by
//!   their uuids.
//!
//! A new user's run sends the document's own example as it is, a URL where a URL is asked
//! for, and finds what it made in the keyed list; a backend that leaves a new watch out of
//! its list fails.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.1.0
info: { title: Watches, version: "1" }
security: [ { ApiKeyAuth: [] } ]
paths:
  /watch:
    get:
      operationId: listWatches
      responses:
        "200":
          description: Every watch, keyed by its uuid
          content:
            application/json:
              schema: { type: object, additionalProperties: { $ref: "#/components/schemas/Watch" } }
    post:
      operationId: createWatch
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/CreateWatch" }
            example: { url: "https://example.com", title: Example Site Monitor }
      responses:
        "200":
          description: Created
          content: { application/json: { schema: { type: object, properties: { uuid: { type: string, format: uuid } } } } }
        "400": { description: Invalid input }
  /watch/{uuid}:
    parameters:
      - { name: uuid, in: path, required: true, schema: { type: string, format: uuid } }
    get:
      operationId: getWatch
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Watch" } } } }
        "404": { description: Not found }
    delete:
      operationId: deleteWatch
      responses:
        "200": { description: Deleted }
components:
  securitySchemes:
    ApiKeyAuth: { type: apiKey, in: header, name: x-api-key }
  schemas:
    Watch:
      type: object
      properties:
        url: { type: string, format: uri, maxLength: 5000 }
        title: { type: [string, "null"], maxLength: 5000 }
    CreateWatch:
      allOf:
        - $ref: "#/components/schemas/Watch"
        - type: object
          required: [url]
"##;

const KEY: &str = "watches-api-key";

#[derive(Clone, Default)]
struct Watches {
    watches: Arc<Mutex<BTreeMap<String, Value>>>,
    last: Arc<Mutex<u64>>,
    /// Leaves a watch out of its list.
    unlisted: bool,
}

impl Respond for Watches {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            != Some(KEY)
        {
            return ResponseTemplate::new(401)
                .insert_header("www-authenticate", "ApiKey")
                .set_body_json(json!("Invalid API key"));
        }
        let segments: Vec<String> = request
            .url
            .path_segments()
            .map(|s| s.map(String::from).collect())
            .unwrap_or_default();
        let mut watches = self.watches.lock().unwrap();
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", [w]) if w == "watch" => ResponseTemplate::new(200).set_body_json(
                watches
                    .iter()
                    .filter(|_| !self.unlisted)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<serde_json::Map<String, Value>>(),
            ),
            ("POST", [w]) if w == "watch" => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                let url = body.get("url").and_then(Value::as_str).unwrap_or_default();
                let title = body.get("title").cloned().unwrap_or(Value::Null);
                if !(url.starts_with("https://") || url.starts_with("http://"))
                    || url.contains(char::is_whitespace)
                    || url.len() > 5000
                    || !(title.is_null() || title.as_str().is_some_and(|t| t.len() <= 5000))
                {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!("Invalid or unsupported URL"));
                }
                let uuid = {
                    let mut last = self.last.lock().unwrap();
                    *last += 1;
                    format!("00000000-0000-4000-8000-{:012}", *last)
                };
                watches.insert(uuid.clone(), json!({"url": url, "title": title}));
                ResponseTemplate::new(200).set_body_json(json!({"uuid": uuid}))
            }
            ("GET", [w, id]) if w == "watch" => match watches.get(id) {
                Some(v) => ResponseTemplate::new(200).set_body_json(v),
                None => ResponseTemplate::new(404).set_body_json(json!("Watch not found")),
            },
            ("DELETE", [w, id]) if w == "watch" => {
                watches.remove(id);
                ResponseTemplate::new(200).set_body_json(json!("DELETED"))
            }
            (_, [w, ..]) if w == "watch" => {
                ResponseTemplate::new(405).insert_header("allow", "GET, POST, DELETE")
            }
            _ => ResponseTemplate::new(404).set_body_json(json!("Not found")),
        }
    }
}

async fn run(backend: Watches) -> crate::Run {
    let server = crate::serving(backend).await;
    crate::first_run_with(
        SPEC,
        server.uri(),
        "@behaviour and not @second_user",
        &[("ACCORD_TOKEN", KEY)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_is_made_from_the_document_s_own_example_and_found_in_its_keyed_list() {
    let run = run(Watches::default()).await;
    for scenario in [
        "Valid requests get a documented answer, never a server error",
        "What is created reads back, is listed and updates",
    ] {
        assert_eq!(
            run.verdict(scenario),
            "passed",
            "{scenario}\n{}",
            run.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_left_out_of_its_list_fails() {
    let run = run(Watches {
        unlisted: true,
        ..Watches::default()
    })
    .await;
    assert!(
        run.failed_by(
            "What is created reads back",
            Rule::Listed,
            "does not list the resource"
        ),
        "{}",
        run.stdout
    );
}
