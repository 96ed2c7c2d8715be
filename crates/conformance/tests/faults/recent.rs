//! A log of what happened, as Baby Buddy keeps feedings: an entry's `start` comes before its
//! `end`, lasts at most a day, and never lies in the future. No spec can state that; a
//! create refused with the generated body's random dates goes again with the dates a user
//! logging what just happened sends, and the resource checks run on what it made.

use std::sync::{Arc, Mutex};

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
      required: [start, end]
      properties:
        start: { type: string, format: date-time }
        end: { type: string, format: date-time }
        notes: { type: string, maxLength: 100 }
    Entry:
      type: object
      required: [id, start, end]
      properties:
        id: { type: integer }
        start: { type: string, format: date-time }
        end: { type: string, format: date-time }
        notes: { type: string }
"##;

/// Every entry (its id and body), and the last id given: ids are never reused.
#[derive(Default)]
struct Entries {
    made: Vec<(i64, Value)>,
    last: i64,
}

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Entries>>);

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "message": message }))
}

fn time(body: &Value, field: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = body.get(field)?.as_str()?;
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

impl Respond for Log {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut guard = self.0.lock().unwrap();
        let Entries {
            made: entries,
            last,
        } = &mut *guard;
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let id = segments.get(2).and_then(|x| x.parse::<i64>().ok());
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["api", "entries"]) => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                let (Some(start), Some(end)) = (time(&body, "start"), time(&body, "end")) else {
                    return error(400, "start and end are date-times");
                };
                if start >= end {
                    return error(400, "Start time must come before end time.");
                }
                if end - start > chrono::Duration::hours(24) {
                    return error(400, "Duration too long.");
                }
                if end > chrono::Utc::now() {
                    return error(400, "Date/time can not be in the future.");
                }
                *last += 1;
                let id = *last;
                let mut entry = body.clone();
                entry["id"] = json!(id);
                entries.push((id, entry.clone()));
                ResponseTemplate::new(201).set_body_json(entry)
            }
            ("GET", ["api", "entries", _]) => match entries.iter().find(|(e, _)| Some(*e) == id) {
                Some((_, entry)) => ResponseTemplate::new(200).set_body_json(entry),
                None => error(404, "not found"),
            },
            ("DELETE", ["api", "entries", _]) => {
                let before = entries.len();
                entries.retain(|(e, _)| Some(*e) != id);
                if entries.len() == before {
                    return error(404, "not found");
                }
                ResponseTemplate::new(204)
            }
            _ => error(404, "no route"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_refused_for_its_dates_goes_again_with_what_just_happened() {
    let backend = Log::default();
    let run = crate::resource_chain(SPEC, backend.clone()).await;
    assert!(
        run.stdout.contains("tag @behaviour 2 passed, 0 failed"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("create_entry is left out"),
        "{}",
        run.stdout
    );
}
