//! A log whose spec requires less than the backend does, as Baby Buddy's spec leaves a
//! feeding's `start` and `end` optional where its validation requires them, and refuses an
//! entry whose period overlaps another's. The spec's own example is refused for what it
//! leaves out, so a value sent in it is refused before the code it could break: the
//! boundary and broken-input passes send their values in the body the backend took from
//! the run. A broken copy answers 500 to a NUL in `notes` once the body is complete, and
//! takes a number there as text; the correct copy refuses both.

use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: A log, version: 1.0.0 }
paths:
  /api/entries:
    post:
      operationId: create_entry
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NewEntry" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Entry" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/entries/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: get_entry
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Entry" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    delete:
      operationId: delete_entry
      responses:
        "204": { description: "" }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
components:
  schemas:
    Error:
      type: object
      required: [message]
      properties: { message: { type: string } }
    NewEntry:
      type: object
      required: [kind]
      properties:
        kind: { type: string, enum: [feeding, sleep] }
        start: { type: string, format: date-time }
        end: { type: string, format: date-time }
        notes: { type: string, maxLength: 100 }
    Entry:
      type: object
      required: [id, kind]
      properties:
        id: { type: integer }
        kind: { type: string }
        start: { type: string, format: date-time }
        end: { type: string, format: date-time }
        notes: { type: string }
"##;

#[derive(Default)]
struct Entries {
    made: Vec<(i64, Value)>,
    last: i64,
}

/// The log; `broken` crashes on a NUL in `notes` and takes a number there.
#[derive(Clone, Default)]
struct Log {
    entries: Arc<Mutex<Entries>>,
    broken: bool,
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "message": message }))
}

fn time(body: &Value, field: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = body.get(field)?.as_str()?;
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

impl Log {
    fn create(&self, body: &Value) -> ResponseTemplate {
        let mut guard = self.entries.lock().unwrap();
        if !matches!(
            body.get("kind").and_then(Value::as_str),
            Some("feeding" | "sleep")
        ) {
            return error(400, "kind: not a valid choice");
        }
        let (Some(start), Some(end)) = (time(body, "start"), time(body, "end")) else {
            return error(400, "start, end: this field is required");
        };
        if start >= end || end - start > chrono::Duration::hours(24) || end > chrono::Utc::now() {
            return error(400, "the period is not one that just happened");
        }
        let overlaps = guard.made.iter().any(|(_, e)| {
            let (Some(s), Some(t)) = (time(e, "start"), time(e, "end")) else {
                return false;
            };
            s < end && start < t
        });
        if overlaps {
            return error(400, "Another entry intersects the specified time period.");
        }
        match body.get("notes") {
            None => {}
            Some(Value::String(text)) if text.contains('\0') => {
                if self.broken {
                    return ResponseTemplate::new(500)
                        .set_body_string("A string literal cannot contain NUL");
                }
                return error(400, "notes: no NUL characters");
            }
            Some(Value::String(text)) if text.chars().count() > 100 => {
                return error(400, "notes: at most 100 characters");
            }
            Some(Value::String(_)) => {}
            Some(_) if self.broken => {}
            Some(_) => return error(400, "notes: not a string"),
        }
        guard.last += 1;
        let id = guard.last;
        let mut entry = body.clone();
        if let Some(n) = entry.get("notes").filter(|n| n.is_number()).cloned() {
            entry["notes"] = json!(n.to_string());
        }
        entry["id"] = json!(id);
        guard.made.push((id, entry.clone()));
        ResponseTemplate::new(201).set_body_json(entry)
    }
}

impl Respond for Log {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let id = segments.get(2).and_then(|x| x.parse::<i64>().ok());
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["api", "entries"]) => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                self.create(&body)
            }
            ("GET", ["api", "entries", _]) => {
                let entries = self.entries.lock().unwrap();
                match entries.made.iter().find(|(e, _)| Some(*e) == id) {
                    Some((_, entry)) => ResponseTemplate::new(200).set_body_json(entry),
                    None => error(404, "not found"),
                }
            }
            ("DELETE", ["api", "entries", _]) => {
                let mut entries = self.entries.lock().unwrap();
                let before = entries.made.len();
                entries.made.retain(|(e, _)| Some(*e) != id);
                if entries.made.len() == before {
                    return error(404, "not found");
                }
                ResponseTemplate::new(204)
            }
            _ => error(404, "no route"),
        }
    }
}

const PASSES: &str = "@behaviour and not @writes and not @positive and not @roles and not @expiry";

#[tokio::test(flavor = "multi_thread")]
async fn values_go_in_the_body_the_backend_took_where_it_refuses_the_spec_s_example() {
    let broken = Log {
        broken: true,
        ..Log::default()
    };
    let run = crate::tagged_run(SPEC, broken, PASSES).await;
    assert!(
        run.failed_by(
            "Boundary inputs",
            Rule::Boundary,
            "a NUL character (body /notes)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.failed_by("break one constraint", Rule::Negative, "/notes: accepted"),
        "{}",
        run.stdout
    );
    // The correct copy passes both: no value is refused for its period meeting another
    // case's, which each case's own times keep apart.
    let correct = Log::default();
    let run = crate::tagged_run(SPEC, correct, PASSES).await;
    assert_eq!(run.verdict("Boundary inputs"), "passed", "{}", run.stdout);
    assert_eq!(
        run.verdict("break one constraint"),
        "passed",
        "{}",
        run.stdout
    );
}
