//! A backend whose deletes never answer in time (a write lock a crashed transaction left
//! held, as Semaphore's BoltDB after a panic): the cleanup stops at the first deletes none
//! of which is answered, and says what it left, rather than waiting out a timeout for each
//! of the run's resources, twice.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Notes, version: "1" }
paths:
  /notes:
    get:
      operationId: listNotes
      responses:
        "200": { description: The notes, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Note" } } } } }
    post:
      operationId: createNote
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NoteWrite" } } }
      responses:
        "201": { description: Made, content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
        "400": { description: Refused, content: { application/json: { schema: { type: object } } } }
  /notes/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getNote
      responses:
        "200": { description: The note, content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
        "404": { description: Not found, content: { application/json: { schema: { type: object } } } }
    delete:
      operationId: deleteNote
      responses:
        "204": { description: Deleted }
        "404": { description: Not found, content: { application/json: { schema: { type: object } } } }
components:
  schemas:
    NoteWrite:
      type: object
      required: [title]
      properties:
        title: { type: string, minLength: 1, maxLength: 20 }
    Note:
      type: object
      properties:
        id: { type: integer }
        title: { type: string }
"##;

#[derive(Clone, Default)]
struct Notes {
    notes: Arc<Mutex<BTreeMap<u64, Value>>>,
    deletes: Arc<AtomicUsize>,
}

impl Respond for Notes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut notes = self.notes.lock().unwrap();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["notes"]) => {
                ResponseTemplate::new(200).set_body_json(notes.values().cloned().collect::<Value>())
            }
            ("POST", ["notes"]) => match body["title"].as_str() {
                Some(t) if (1..=20).contains(&t.chars().count()) && !t.contains('\0') => {
                    let id = notes.len() as u64 + 1;
                    let note = json!({"id": id, "title": t});
                    notes.insert(id, note.clone());
                    ResponseTemplate::new(201).set_body_json(note)
                }
                _ => ResponseTemplate::new(400).set_body_json(json!({"message": "bad title"})),
            },
            ("GET", ["notes", id]) => match id.parse::<u64>().ok().and_then(|id| notes.get(&id)) {
                Some(note) => ResponseTemplate::new(200).set_body_json(note),
                None => ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})),
            },
            ("DELETE", ["notes", _]) => {
                self.deletes.fetch_add(1, Ordering::SeqCst);
                ResponseTemplate::new(204).set_delay(Duration::from_secs(30))
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cleanup_the_backend_answers_none_of_stops_and_says_what_it_left() {
    let backend = Notes::default();
    let server = crate::serving(backend.clone()).await;
    let (dir, profile) = crate::spec_and_profile(
        SPEC,
        "spec.yaml",
        "request_timeout_secs = 1\ndeadline_secs = 120\n\n[behaviour]\nexamples = 6\nexpiry_wait_secs = 0\n",
    );
    let run = crate::harness_in(
        profile,
        server.uri(),
        vec!["--tags".into(), "@positive".into()],
        dir,
    )
    .await;
    let made = backend.notes.lock().unwrap().len();
    let deletes = backend.deletes.load(Ordering::SeqCst);
    assert!(made >= 6, "{made} notes made\n{}", run.stdout);
    assert!(
        run.stdout
            .contains("not sent: the backend answered none of the cleanup's last deletes"),
        "{}",
        run.stdout
    );
    // One window of deletes (`behaviour.concurrency`, 4), not one and a retry for each.
    assert!(
        deletes <= 4,
        "{deletes} deletes sent for {made} notes\n{}",
        run.stdout
    );
}
