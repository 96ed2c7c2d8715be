//! A form's optional selects left empty: an entry may name a timer, whose start then
//! replaces the entry's own (as Baby Buddy's feeding takes its timer's), and must name a
//! child, which the spec leaves optional and the backend's refusal names
//! (`{"child": ["This field is required."]}`, as Django REST framework answers). The run's
//! own create sends the child the backend asks for and no timer, and the entry reads back as
//! written; its update names no timer either, and persists. A period over a day, or ending
//! before it starts, is refused (as Baby Buddy refuses a feeding's): a generated update's
//! random dates go again as a user logging what just happened sends them, not with the
//! timer that would replace them.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Entries, version: 1.0.0 }
paths:
  /api/children:
    post:
      operationId: create_child
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Named" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Named" } } } }
  /api/children/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: get_child
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Named" } } } }
    delete:
      operationId: delete_child
      responses:
        "204": { description: "" }
  /api/timers:
    post:
      operationId: create_timer
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Named" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Named" } } } }
  /api/timers/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: get_timer
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Named" } } } }
    delete:
      operationId: delete_timer
      responses:
        "204": { description: "" }
  /api/entries:
    post:
      operationId: create_entry
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Entry" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Entry" } } } }
        "400": { description: "" }
  /api/entries/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: get_entry
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Entry" } } } }
    patch:
      operationId: update_entry
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Entry" } } }
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Entry" } } } }
        "400": { description: "" }
    delete:
      operationId: delete_entry
      responses:
        "204": { description: "" }
components:
  schemas:
    Named:
      type: object
      required: [name]
      properties: { id: { type: integer, readOnly: true }, name: { type: string, minLength: 1, maxLength: 30 } }
    Entry:
      type: object
      required: [note]
      properties:
        id: { type: integer, readOnly: true }
        note: { type: string, minLength: 1, maxLength: 30 }
        child: { type: integer, nullable: true }
        timer: { type: integer, nullable: true }
        start: { type: string, format: date-time }
        end: { type: string, format: date-time }
"##;

/// The note an entry timed with a timer takes from it, replacing its own.
const TIMED: &str = "timed";

/// The period an entry timed with a timer takes from it, replacing its own.
const TIMER_PERIOD: (&str, &str) = ("2020-01-01T00:00:00Z", "2020-01-01T00:30:00Z");

/// Why the period `body` gives is refused, if it is: an end before the start, or over a
/// day after it (Baby Buddy's `Duration too long.`).
fn period_refused(body: &Value) -> Option<ResponseTemplate> {
    let at = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    };
    let (start, end) = (at("start")?, at("end")?);
    let why = if end < start {
        "Start time must come before end time."
    } else if end - start > chrono::Duration::days(1) {
        "Duration too long."
    } else {
        return None;
    };
    Some(ResponseTemplate::new(400).set_body_json(json!({"non_field_errors": [why]})))
}

/// A resource: its kind, id and body.
type Made = (String, i64, Value);

/// Every resource, and the last id given: ids are never reused.
#[derive(Clone, Default)]
struct Entries(Arc<Mutex<(Vec<Made>, i64)>>);

fn named(body: &Value) -> Option<String> {
    body.get("name")
        .and_then(Value::as_str)
        .filter(|n| (1..=30).contains(&n.chars().count()) && !n.contains('\0'))
        .map(String::from)
}

impl Respond for Entries {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut guard = self.0.lock().unwrap();
        guard.1 += 1;
        let next = guard.1;
        let all = &mut guard.0;
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let id = segments.get(2).and_then(|x| x.parse::<i64>().ok());
        let exists = |all: &Vec<Made>, kind: &str, id: Option<i64>| {
            all.iter().any(|(k, i, _)| k == kind && Some(*i) == id)
        };
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["api", kind]) if *kind != "entries" => {
                let Some(name) = named(&body) else {
                    return ResponseTemplate::new(400).set_body_json(json!({"name": ["required"]}));
                };
                let made = json!({"id": next, "name": name});
                all.push((kind.to_string(), next, made.clone()));
                ResponseTemplate::new(201).set_body_json(made)
            }
            ("POST", ["api", "entries"]) => {
                let child = body.get("child").and_then(Value::as_i64);
                if !exists(all, "children", child) {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"child": ["This field is required."]}));
                }
                let Some(mut note) = body
                    .get("note")
                    .and_then(Value::as_str)
                    .filter(|n| (1..=30).contains(&n.chars().count()))
                    .map(String::from)
                else {
                    return ResponseTemplate::new(400).set_body_json(json!({"note": ["required"]}));
                };
                // Timed, the period is the timer's.
                if body.get("timer").is_none_or(Value::is_null)
                    && let Some(refused) = period_refused(&body)
                {
                    return refused;
                }
                let mut period = (body.get("start").cloned(), body.get("end").cloned());
                if let Some(timer) = body.get("timer").filter(|t| !t.is_null()) {
                    if !exists(all, "timers", timer.as_i64()) {
                        return ResponseTemplate::new(400)
                            .set_body_json(json!({"timer": ["Invalid pk."]}));
                    }
                    note = TIMED.to_string();
                    period = (Some(json!(TIMER_PERIOD.0)), Some(json!(TIMER_PERIOD.1)));
                }
                let made = json!({"id": next, "note": note, "child": child, "start": period.0, "end": period.1});
                all.push(("entries".into(), next, made.clone()));
                ResponseTemplate::new(201).set_body_json(made)
            }
            ("PATCH", ["api", "entries", _]) => {
                if let Some(child) = body.get("child").filter(|c| !c.is_null())
                    && !exists(all, "children", child.as_i64())
                {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"child": ["Invalid pk."]}));
                }
                let timer = body.get("timer").filter(|t| !t.is_null());
                if let Some(timer) = timer
                    && !exists(all, "timers", timer.as_i64())
                {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"timer": ["Invalid pk."]}));
                }
                if timer.is_none()
                    && let Some(refused) = period_refused(&body)
                {
                    return refused;
                }
                let Some((_, _, entry)) = all
                    .iter_mut()
                    .find(|(k, i, _)| k == "entries" && Some(*i) == id)
                else {
                    return ResponseTemplate::new(404);
                };
                if let Some(note) = body.get("note").and_then(Value::as_str) {
                    entry["note"] = json!(note);
                }
                if let Some(child) = body.get("child").filter(|c| !c.is_null()) {
                    entry["child"] = child.clone();
                }
                for name in ["start", "end"] {
                    if let Some(at) = body.get(name) {
                        entry[name] = at.clone();
                    }
                }
                if timer.is_some() {
                    entry["note"] = json!(TIMED);
                    entry["start"] = json!(TIMER_PERIOD.0);
                    entry["end"] = json!(TIMER_PERIOD.1);
                }
                ResponseTemplate::new(200).set_body_json(entry.clone())
            }
            ("GET", ["api", kind, _]) => {
                match all.iter().find(|(k, i, _)| k == kind && Some(*i) == id) {
                    Some((_, _, v)) => ResponseTemplate::new(200).set_body_json(v),
                    None => ResponseTemplate::new(404),
                }
            }
            ("DELETE", ["api", kind, _]) => {
                let before = all.len();
                all.retain(|(k, i, _)| !(k == kind && Some(*i) == id));
                if all.len() == before {
                    return ResponseTemplate::new(404);
                }
                ResponseTemplate::new(204)
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chain_s_create_sends_the_optional_references_the_backend_asks_for_and_no_other() {
    let backend = Entries::default();
    let run = crate::resource_chain(SPEC, backend.clone()).await;
    // Its entry reads back as written: no timer replaced its note.
    assert!(
        run.stdout.contains("tag @behaviour 2 passed, 0 failed"),
        "{}",
        run.stdout
    );
}
