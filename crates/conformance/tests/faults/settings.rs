//! A service's own settings, read and written at one path (Label Studio's
//! `GET`/`POST /api/jwt/settings`, whose `api_tokens_enabled: false` locks every API
//! client of the organization out, the run's own token too): the run never writes them,
//! and says why; the notes it makes it still writes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Settings, version: 1.0.0 }
paths:
  /settings:
    get:
      operationId: getSettings
      responses:
        "200": { description: the settings, content: { application/json: { schema: { $ref: "#/components/schemas/Settings" } } } }
    post:
      operationId: setSettings
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/SettingsInput" } } }
      responses:
        "201": { description: the settings, content: { application/json: { schema: { $ref: "#/components/schemas/Settings" } } } }
  /notes:
    post:
      operationId: createNote
      requestBody:
        required: true
        content: { application/json: { schema: { type: object, required: [title], properties: { title: { type: string, maxLength: 40 } } } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
  /notes/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getNote
      responses:
        "200": { description: the note, content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
        "404": { description: none }
    delete:
      operationId: deleteNote
      responses:
        "204": { description: deleted }
        "404": { description: none }
components:
  schemas:
    SettingsInput:
      type: object
      properties:
        api_enabled: { type: boolean }
        retention_days: { type: integer }
    Settings:
      type: object
      properties:
        api_enabled: { type: boolean }
        retention_days: { type: integer }
        updated_by: { type: string }
    Note:
      type: object
      properties:
        id: { type: integer }
        title: { type: string }
"##;

#[derive(Clone, Default)]
struct Service {
    notes: Arc<Mutex<Vec<(u64, String)>>>,
    settings_written: Arc<AtomicUsize>,
    notes_made: Arc<AtomicUsize>,
}

impl Respond for Service {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut notes = self.notes.lock().unwrap();
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let missing = || ResponseTemplate::new(404).set_body_json(json!({"detail": "Not found."}));
        let settings = json!({"api_enabled": true, "retention_days": 30, "updated_by": "admin"});
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["settings"]) => ResponseTemplate::new(200).set_body_json(settings),
            ("POST", ["settings"]) => {
                self.settings_written.fetch_add(1, Ordering::SeqCst);
                ResponseTemplate::new(201).set_body_json(settings)
            }
            ("POST", ["notes"]) => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                let Some(title) = body["title"].as_str().filter(|t| t.chars().count() <= 40) else {
                    return ResponseTemplate::new(400).set_body_json(json!({"detail": "title"}));
                };
                self.notes_made.fetch_add(1, Ordering::SeqCst);
                let id = notes.iter().map(|(i, _)| *i).max().unwrap_or(0) + 1;
                notes.push((id, title.to_string()));
                ResponseTemplate::new(201).set_body_json(json!({"id": id, "title": title}))
            }
            ("GET", ["notes", id]) => match notes.iter().find(|(i, _)| i.to_string() == *id) {
                Some((i, t)) => {
                    ResponseTemplate::new(200).set_body_json(json!({"id": i, "title": t}))
                }
                None => missing(),
            },
            ("DELETE", ["notes", id]) => {
                let before = notes.len();
                notes.retain(|(i, _)| i.to_string() != *id);
                match notes.len() < before {
                    true => ResponseTemplate::new(204),
                    false => missing(),
                }
            }
            _ => missing(),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_s_own_settings_are_never_written() {
    let service = Service::default();
    let run = crate::tagged_run(SPEC, service.clone(), "@behaviour").await;
    assert_eq!(
        service.settings_written.load(Ordering::SeqCst),
        0,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("setSettings is left out of the generated calls: it writes the one record"),
        "{}",
        run.stdout
    );
    assert!(
        service.notes_made.load(Ordering::SeqCst) > 0,
        "{}",
        run.stdout
    );
}

const TASKS: &str = r##"openapi: 3.0.3
info: { title: Tasks, version: 1.0.0 }
paths:
  /projects:
    post:
      operationId: createProject
      requestBody:
        required: true
        content: { application/json: { schema: { type: object, properties: { title: { type: string } } } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Project" } } } }
        "403": { description: not allowed here }
  /projects/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getProject
      responses:
        "200": { description: the project, content: { application/json: { schema: { $ref: "#/components/schemas/Project" } } } }
  /tasks:
    post:
      operationId: createTask
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [project, text]
              properties:
                project: { type: integer, example: 1 }
                text: { type: string }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Task" } } } }
  /tasks/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getTask
      responses:
        "200": { description: the task, content: { application/json: { schema: { $ref: "#/components/schemas/Task" } } } }
components:
  schemas:
    Project:
      type: object
      properties: { id: { type: integer }, title: { type: string } }
    Task:
      type: object
      properties: { id: { type: integer }, project: { type: integer }, text: { type: string } }
"##;

/// Someone else's project 1, which the identity may add tasks to, and no new project for it.
#[derive(Clone, Default)]
struct Shared {
    tasks_added: Arc<AtomicUsize>,
}

impl Respond for Shared {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match (request.method.as_str(), request.url.path()) {
            ("POST", "/projects") => {
                ResponseTemplate::new(403).set_body_json(json!({"detail": "not allowed here"}))
            }
            ("GET", "/projects/1") => {
                ResponseTemplate::new(200).set_body_json(json!({"id": 1, "title": "theirs"}))
            }
            ("POST", "/tasks") => {
                self.tasks_added.fetch_add(1, Ordering::SeqCst);
                ResponseTemplate::new(201)
                    .set_body_json(json!({"id": 9, "project": 1, "text": "t"}))
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"detail": "Not found."})),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_naming_a_kind_the_run_made_none_of_is_not_sent() {
    let shared = Shared::default();
    let run = crate::tagged_run(TASKS, shared.clone(), "@behaviour").await;
    assert_eq!(
        shared.tasks_added.load(Ordering::SeqCst),
        0,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("its body requires `/project`, a reference to /projects (createProject), and the run made none"),
        "{}",
        run.stdout
    );
}
