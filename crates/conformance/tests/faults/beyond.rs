//! A mailing-list service (listmonk's shape): its lists are the run's to make, but beside them
//! are writes that reach what the run did not make, a delete of every subscriber a query
//! matches (`POST /subscribers/query/delete`), a reload that restarts the service and the
//! settings of the whole instance (`PUT /settings`, first in the spec), and a read by a
//! language code (`GET /lang/{code}`, first in the spec) that refuses any code it does not
//! know as malformed (400). A run leaves the subscribers and the settings as it found them
//! and the service running; a profile that calls the instance disposable lets it call them.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Mailing lists, version: "1" }
paths:
  /settings:
    get:
      operationId: getSettings
      responses:
        "200": { description: the settings, content: { application/json: { schema: { $ref: "#/components/schemas/Settings" } } } }
    put:
      operationId: updateSettings
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Settings" } } }
      responses:
        "200": { description: replaced, content: { application/json: { schema: { $ref: "#/components/schemas/Settings" } } } }
        "400": { description: refused }
  /lang/{code}:
    get:
      operationId: getLanguage
      parameters:
        - { name: code, in: path, required: true, schema: { type: string } }
      responses:
        "200": { description: a language pack, content: { application/json: { schema: { type: object } } } }
        "400": { description: not a language code }
  /admin/reload:
    post:
      operationId: reloadApp
      responses:
        "200": { description: restarting, content: { application/json: { schema: { type: boolean } } } }
  /subscribers/query/delete:
    post:
      operationId: deleteSubscribersByQuery
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                query: { type: string }
      responses:
        "200": { description: deleted, content: { application/json: { schema: { type: boolean } } } }
        "400": { description: refused }
  /templates/preview:
    post:
      operationId: previewTemplate
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                body: { type: string }
      responses:
        "200":
          description: the rendered template
          content:
            application/json:
              schema: { type: string }
              example: "<p>Hello</p>"
        "400": { description: no body to render }
  /links/metadata:
    get:
      operationId: getLinkMetadata
      parameters:
        - { name: url, in: query, description: Required. The link URL., schema: { type: string } }
      responses:
        "200": { description: its metadata, content: { application/json: { schema: { type: object } } } }
        "400": { description: no link }
  /media:
    post:
      operationId: uploadMedia
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                params: { type: string, example: '{"mode": "subscribe"}' }
                file: { type: string, format: binary }
      responses:
        "200": { description: stored, content: { application/json: { schema: { type: object } } } }
        "400": { description: no file }
  /lists:
    get:
      operationId: getLists
      responses:
        "200": { description: every list, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/List" } } } } }
    post:
      operationId: createList
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NewList" } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/List" } } } }
        "400": { description: refused }
  /lists/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getList
      responses:
        "200": { description: one, content: { application/json: { schema: { $ref: "#/components/schemas/List" } } } }
        "404": { description: none }
    delete:
      operationId: deleteList
      responses:
        "204": { description: gone }
        "404": { description: none }
components:
  schemas:
    Settings:
      type: object
      required: [site_name]
      properties:
        site_name: { type: string, maxLength: 40 }
    NewList:
      type: object
      required: [name]
      properties:
        name: { type: string, maxLength: 40 }
    List:
      type: object
      required: [id, name]
      properties:
        id: { type: integer }
        name: { type: string }
"##;

#[derive(Default)]
struct State {
    lists: Vec<(u64, String)>,
    next: u64,
    /// Every request: method, path, body.
    seen: Vec<(String, String, Value)>,
}

#[derive(Clone, Default)]
struct Lists {
    state: Arc<Mutex<State>>,
}

impl Respond for Lists {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let body = serde_json::from_slice::<Value>(&request.body).unwrap_or(Value::Null);
        let path = request.url.path().to_string();
        let method = request.method.as_str().to_string();
        s.seen.push((method.clone(), path.clone(), body.clone()));
        let name_ok = |v: &Value| {
            v.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.chars().count() <= 40)
        };
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["settings"]) => {
                ResponseTemplate::new(200).set_body_json(json!({"site_name": "Lists"}))
            }
            ("PUT", ["settings"]) => {
                let ok = body
                    .get("site_name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.chars().count() <= 40);
                match ok {
                    true => ResponseTemplate::new(200).set_body_json(body),
                    false => ResponseTemplate::new(400),
                }
            }
            ("GET", ["lang", code]) => match *code {
                "en" => ResponseTemplate::new(200).set_body_json(json!({})),
                _ => ResponseTemplate::new(400),
            },
            ("POST", ["admin", "reload"]) => ResponseTemplate::new(200).set_body_json(true),
            ("POST", ["subscribers", "query", "delete"]) => match body.get("query") {
                Some(Value::String(_)) => ResponseTemplate::new(200).set_body_json(true),
                _ => ResponseTemplate::new(400),
            },
            ("POST", ["templates", "preview"]) => match body.get("body") {
                Some(Value::String(text)) => ResponseTemplate::new(200).set_body_json(text),
                _ => ResponseTemplate::new(400),
            },
            ("GET", ["links", "metadata"]) => {
                match request.url.query_pairs().any(|(k, _)| k == "url") {
                    true => ResponseTemplate::new(200).set_body_json(json!({})),
                    false => ResponseTemplate::new(400),
                }
            }
            // No file: the body is not even multipart.
            ("POST", ["media"]) => ResponseTemplate::new(400),
            ("GET", ["lists"]) => {
                let lists: Vec<Value> = s
                    .lists
                    .iter()
                    .map(|(id, name)| json!({"id": id, "name": name}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(lists)
            }
            ("POST", ["lists"]) => {
                if !body.is_object() || !name_ok(&body) {
                    return ResponseTemplate::new(400);
                }
                s.next += 1;
                let id = s.next;
                let name = body["name"].as_str().unwrap_or_default().to_string();
                s.lists.push((id, name.clone()));
                ResponseTemplate::new(201).set_body_json(json!({"id": id, "name": name}))
            }
            (method @ ("GET" | "DELETE"), ["lists", id]) => {
                let Some(at) = id
                    .parse::<u64>()
                    .ok()
                    .and_then(|id| s.lists.iter().position(|(i, _)| *i == id))
                else {
                    return ResponseTemplate::new(404);
                };
                if method == "DELETE" {
                    s.lists.remove(at);
                    return ResponseTemplate::new(204);
                }
                let (id, name) = &s.lists[at];
                ResponseTemplate::new(200).set_body_json(json!({"id": id, "name": name}))
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

impl Lists {
    fn called(&self, method: &str, path: &str) -> usize {
        let s = self.state.lock().unwrap();
        s.seen
            .iter()
            .filter(|(m, p, _)| m == method && p == path)
            .count()
    }
}

/// A run leaves the subscribers and the settings as it found them and the service running,
/// saying why it leaves those writes out; the other action (a preview) it calls. The
/// error cases send their bodies to the create of a list, not to the settings, and look for a
/// missing list, not a missing language. An optional upload the run sends no file to is no
/// spec example, nor is the example of an answer; a read whose spec writes no example, refused
/// for a parameter its spec leaves optional, is the spec's gap.
#[tokio::test(flavor = "multi_thread")]
async fn a_run_leaves_alone_the_writes_that_reach_what_it_did_not_make() {
    let backend = Lists::default();
    let run = crate::tagged_run(SPEC, backend.clone(), "@behaviour or @errors").await;
    assert_eq!(
        backend.called("POST", "/subscribers/query/delete"),
        0,
        "{}",
        run.stdout
    );
    assert_eq!(backend.called("POST", "/admin/reload"), 0, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "deleteSubscribersByQuery is left out of the generated calls: its name says it deletes (`delete`)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "reloadApp is left out of the generated calls: its name says it restarts or stops the service (`reload`)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        backend.called("POST", "/templates/preview") > 0,
        "{}",
        run.stdout
    );
    // Only the method probes reach the settings' path with a body-less PUT... none with one.
    let settings_written = backend
        .state
        .lock()
        .unwrap()
        .seen
        .iter()
        .filter(|(m, p, body)| m == "PUT" && p == "/settings" && !body.is_null())
        .count();
    assert_eq!(settings_written, 0, "{}", run.stdout);
    for scenario in [
        "a request for a missing resource",
        "a body missing a required field",
    ] {
        assert_eq!(
            run.verdict(scenario),
            "passed",
            "{scenario}: {}",
            run.stdout
        );
    }
    assert!(
        !run.stdout.contains("the spec's own example was answered"),
        "{}",
        run.stdout
    );
    // A read whose spec leaves its one parameter optional, and the backend does not: the
    // spec's gap, found once, and no failure of the valid requests' scenario.
    let found = run.results["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| {
            f["what"].as_str().is_some_and(|w| {
                w.contains("getLinkMetadata 400: a request with only what the spec requires (it writes no example) was answered so")
            })
        });
    assert!(found, "{}", run.stdout);
    assert!(
        !run.stdout.contains("getLinkMetadata: a request"),
        "{}",
        run.stdout
    );
    assert!(
        backend.state.lock().unwrap().lists.is_empty(),
        "{}",
        run.stdout
    );
}

/// On an instance its profile calls disposable, the run calls them too.
#[tokio::test(flavor = "multi_thread")]
async fn a_disposable_instance_gets_them_too() {
    let backend = Lists::default();
    let server = crate::serving(backend.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let profile = dir.path().join("profile.toml");
    std::fs::write(
        &profile,
        format!(
            "base_url = \"{}\"\nspec = \"{}\"\n\n[behaviour]\ndisposable = true\n",
            server.uri(),
            spec.display()
        ),
    )
    .unwrap();
    let run = crate::harness_in(
        profile,
        server.uri(),
        vec!["--tags".into(), "@positive".into()],
        dir,
    )
    .await;
    assert!(
        backend.called("POST", "/subscribers/query/delete") > 0,
        "{}",
        run.stdout
    );
    assert!(
        backend.called("POST", "/admin/reload") > 0,
        "{}",
        run.stdout
    );
}
