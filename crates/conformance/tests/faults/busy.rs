//! A backend that answers 503 without `Retry-After` while it is busy (Prefect does so while
//! its database is locked, "for errors clients can retry on"): such a request is sent again
//! after a pause, as a client of a busy server does, and the run judges what it answers
//! then; an operation that answers nothing but 503 still fails `behaviour.positive`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Notes, version: 1.0.0 }
paths:
  /notes:
    get:
      operationId: listNotes
      responses:
        "200":
          description: every note
          content:
            application/json:
              schema: { type: array, items: { $ref: "#/components/schemas/Note" } }
    post:
      operationId: createNote
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/NoteInput" }
      responses:
        "201":
          description: the note made
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Note" }
  /notes/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getNote
      responses:
        "200":
          description: the note
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Note" }
        "404": { description: no such note }
    patch:
      operationId: updateNote
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/NoteInput" }
      responses:
        "200":
          description: the note changed
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Note" }
        "404": { description: no such note }
    delete:
      operationId: deleteNote
      responses:
        "204": { description: deleted }
        "404": { description: no such note }
components:
  schemas:
    NoteInput:
      type: object
      required: [title]
      properties:
        title: { type: string, minLength: 1, maxLength: 40, pattern: "^[a-z]+$" }
    Note:
      type: object
      properties:
        id: { type: integer }
        title: { type: string }
"##;

/// Notes in memory. Every seventh write finds the backend busy: 503 without `Retry-After`,
/// nothing written (`always_busy`: every update does).
#[derive(Clone)]
struct Notes {
    rows: Arc<Mutex<Vec<(u64, String)>>>,
    writes: Arc<AtomicU32>,
    always_busy: bool,
}

impl Notes {
    fn new(always_busy: bool) -> Notes {
        Notes {
            rows: Arc::default(),
            writes: Arc::default(),
            always_busy,
        }
    }
}

impl Respond for Notes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let method = request.method.as_str();
        let busy =
            ResponseTemplate::new(503).set_body_json(json!({"detail": "Service Unavailable"}));
        if method != "GET" && self.writes.fetch_add(1, Ordering::SeqCst).is_multiple_of(7) {
            return busy;
        }
        if method == "PATCH" && self.always_busy {
            return busy;
        }
        let mut rows = self.rows.lock().unwrap();
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let view = |(id, title): &(u64, String)| json!({"id": id, "title": title});
        let title = serde_json::from_slice::<Value>(&request.body)
            .ok()
            .and_then(|b| b.get("title").and_then(Value::as_str).map(String::from))
            .filter(|t| {
                !t.is_empty() && t.len() <= 40 && t.chars().all(|c| c.is_ascii_lowercase())
            });
        let refused =
            || ResponseTemplate::new(422).set_body_json(json!({"detail": "title: a-z, 1 to 40"}));
        let missing = || ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"}));
        match (method, segments.as_slice()) {
            ("GET", ["notes"]) => {
                ResponseTemplate::new(200).set_body_json(rows.iter().map(view).collect::<Vec<_>>())
            }
            ("POST", ["notes"]) => {
                let Some(title) = title else {
                    return refused();
                };
                let id = rows.iter().map(|(id, _)| *id).max().unwrap_or(0) + 1;
                rows.push((id, title));
                ResponseTemplate::new(201).set_body_json(view(rows.last().unwrap()))
            }
            ("GET", ["notes", id]) => match rows.iter().find(|(i, _)| i.to_string() == *id) {
                Some(row) => ResponseTemplate::new(200).set_body_json(view(row)),
                None => missing(),
            },
            ("PATCH", ["notes", id]) => {
                let Some(row) = rows.iter_mut().find(|(i, _)| i.to_string() == *id) else {
                    return missing();
                };
                let Some(title) = title else {
                    return refused();
                };
                row.1 = title;
                ResponseTemplate::new(200).set_body_json(view(row))
            }
            ("DELETE", ["notes", id]) => {
                let before = rows.len();
                rows.retain(|(i, _)| i.to_string() != *id);
                match rows.len() < before {
                    true => ResponseTemplate::new(204),
                    false => missing(),
                }
            }
            _ => missing(),
        }
    }
}

const POSITIVE: &str = "Valid requests get a documented answer, never a server error";
const CHAIN: &str = "What is created reads back, is listed and updates";

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_backend_s_503_is_sent_again_and_one_that_persists_is_judged() {
    let tags = "@positive or (@writes and not @second_user)";
    let run = crate::tagged_run(SPEC, Notes::new(false), tags).await;
    assert_eq!(run.verdict(POSITIVE), "passed", "{}", run.stdout);
    assert_eq!(run.verdict(CHAIN), "passed", "{}", run.stdout);
    assert!(
        run.stdout
            .contains("busy: the backend answered 503 without `Retry-After`"),
        "{}",
        run.stdout
    );
    let broken = crate::tagged_run(SPEC, Notes::new(true), tags).await;
    assert!(
        broken.failed_by(
            POSITIVE,
            accord_conformance::rules::Rule::Positive,
            "a server error (503)"
        ),
        "{}",
        broken.stdout
    );
}
