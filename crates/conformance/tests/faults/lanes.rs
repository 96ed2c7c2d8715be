//! Two kinds of resource side by side (a journal's notes and its labels, neither under the
//! other), each replaced (PUT) and updated (PATCH): the writes under the run's own resources go one at a time within a kind (an
//! update may move what the next one writes under), and each kind's at once with the
//! other's. Every update takes a while to answer, as one that writes to a database does.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

/// One kind's paths (`KINDS` its collection, `KIND` its name in the operation ids).
const KIND_PATHS: &str = r##"  /KINDS:
    post:
      operationId: createKIND
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Text" } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } } }
        "400": { description: refused }
  /KINDS/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getKIND
      responses:
        "200": { description: one, content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } } }
        "404": { description: none }
    patch:
      operationId: updateKIND
      requestBody:
        content: { application/json: { schema: { $ref: "#/components/schemas/Text" } } }
      responses:
        "200": { description: updated, content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } } }
        "400": { description: refused }
        "404": { description: none }
    put:
      operationId: replaceKIND
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Text" } } }
      responses:
        "200": { description: replaced, content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } } }
        "400": { description: refused }
        "404": { description: none }
    delete:
      operationId: deleteKIND
      responses:
        "204": { description: gone }
        "404": { description: none }
"##;

/// The spec: notes and labels, alike.
fn spec() -> String {
    let kind = |kinds: &str, kind: &str| KIND_PATHS.replace("KINDS", kinds).replace("KIND", kind);
    format!(
        "{}{}{}{}",
        r##"openapi: 3.0.3
info: { title: Journal, version: "1" }
paths:
"##,
        kind("notes", "Note"),
        kind("labels", "Label"),
        r##"components:
  schemas:
    Text:
      type: object
      properties:
        text: { type: string, maxLength: 40 }
    Item:
      type: object
      required: [id, text]
      properties:
        id: { type: integer }
        text: { type: string }
"##
    )
}

/// How long an update takes to answer.
const SLOW: Duration = Duration::from_millis(150);

#[derive(Default)]
struct State {
    /// (kind, id, text)
    items: Vec<(String, u64, String)>,
    next: u64,
    /// When each update arrived, and of which kind.
    updates: Vec<(String, Instant)>,
}

#[derive(Clone, Default)]
struct Journal {
    state: Arc<Mutex<State>>,
}

impl Respond for Journal {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let segments: Vec<String> = request
            .url
            .path()
            .trim_matches('/')
            .split('/')
            .map(String::from)
            .collect();
        let kind = segments.first().cloned().unwrap_or_default();
        if kind != "notes" && kind != "labels" {
            return ResponseTemplate::new(404);
        }
        let body = serde_json::from_slice::<Value>(&request.body).unwrap_or(Value::Null);
        let text_ok = |v: &Value| {
            v.is_object()
                && v.get("text")
                    .is_none_or(|t| t.as_str().is_some_and(|t| t.chars().count() <= 40))
        };
        let view = |kind: &str, id: u64, text: &str| {
            let _ = kind;
            json!({ "id": id, "text": text })
        };
        let id = segments.get(1).map(|i| i.parse::<u64>().ok());
        match (request.method.as_str(), id) {
            ("POST", None) => {
                if !text_ok(&body) {
                    return ResponseTemplate::new(400);
                }
                s.next += 1;
                let id = s.next;
                let text = body["text"].as_str().unwrap_or_default().to_string();
                s.items.push((kind.clone(), id, text.clone()));
                ResponseTemplate::new(201).set_body_json(view(&kind, id, &text))
            }
            ("GET", None) => {
                let items: Vec<Value> = s
                    .items
                    .iter()
                    .filter(|(k, _, _)| *k == kind)
                    .map(|(k, id, t)| view(k, *id, t))
                    .collect();
                ResponseTemplate::new(200).set_body_json(items)
            }
            (method, Some(Some(id))) => {
                let Some(at) = s.items.iter().position(|(k, i, _)| *k == kind && *i == id) else {
                    return ResponseTemplate::new(404);
                };
                match method {
                    "GET" => {
                        let (k, id, t) = &s.items[at];
                        ResponseTemplate::new(200).set_body_json(view(k, *id, t))
                    }
                    "PATCH" | "PUT" => {
                        s.updates.push((kind.clone(), Instant::now()));
                        if !text_ok(&body) {
                            return ResponseTemplate::new(400).set_delay(SLOW);
                        }
                        if let Some(t) = body["text"].as_str() {
                            s.items[at].2 = t.to_string();
                        }
                        let (k, id, t) = &s.items[at];
                        ResponseTemplate::new(200)
                            .set_body_json(view(k, *id, t))
                            .set_delay(SLOW)
                    }
                    "DELETE" => {
                        s.items.remove(at);
                        ResponseTemplate::new(204)
                    }
                    _ => {
                        ResponseTemplate::new(405).insert_header("allow", "GET, PUT, PATCH, DELETE")
                    }
                }
            }
            (_, Some(None)) => ResponseTemplate::new(404),
            _ => ResponseTemplate::new(405).insert_header("allow", "GET, POST"),
        }
    }
}

impl Journal {
    /// Whether an update of one kind arrived while one of the other kind was being answered.
    fn kinds_at_once(&self) -> bool {
        let s = self.state.lock().unwrap();
        s.updates.iter().any(|(k, at)| {
            s.updates
                .iter()
                .any(|(l, then)| l != k && *then >= *at && then.duration_since(*at) < SLOW)
        })
    }

    /// Whether two updates of one kind were answered at once.
    fn one_kind_at_once(&self) -> bool {
        let s = self.state.lock().unwrap();
        s.updates.iter().enumerate().any(|(i, (k, at))| {
            s.updates.iter().enumerate().any(|(j, (l, then))| {
                i != j && l == k && *then >= *at && then.duration_since(*at) < SLOW
            })
        })
    }
}

/// The broken-input pass's scenario alone.
const BROKEN_INPUTS: &str =
    "@behaviour and not @positive and not @boundary and not @writes and not @roles and not @expiry";

/// The boundary pass, the valid inputs and the broken inputs update the notes and the labels
/// the run made: each kind's updates at once with the other's, never two of one kind at
/// once, and the run passes, leaving nothing behind.
#[tokio::test(flavor = "multi_thread")]
async fn updates_of_two_kinds_go_at_once_and_those_of_one_kind_in_turn() {
    for tags in ["@boundary", "@positive", BROKEN_INPUTS] {
        let backend = Journal::default();
        let run = crate::tagged_run(&spec(), backend.clone(), tags).await;
        assert_eq!(run.code, Some(0), "{tags}: {}", run.stdout);
        let updates = backend.state.lock().unwrap().updates.len();
        assert!(updates >= 4, "{tags}: {updates} update(s): {}", run.stdout);
        assert!(backend.kinds_at_once(), "{tags}: {}", run.stdout);
        assert!(!backend.one_kind_at_once(), "{tags}: {}", run.stdout);
        assert!(
            backend.state.lock().unwrap().items.is_empty(),
            "{tags}: the run left data behind: {}",
            run.stdout
        );
    }
}
