//! A kind whose items the client names: its only create is a PUT at the item's own path,
//! documented 201 ("the requester specifies the name", as Jupyter's contents, a key-value
//! store's keys or an object store's objects), with no POST on the collection. The run
//! makes one at a name of its own, reads it back, finds it listed, updates and deletes it;
//! a backend that loses what was put, or keeps what was deleted, fails. The note's `name`
//! is the key it is put at, whatever the body says, as Jupyter's is its path's last part:
//! the run sends the key there too, as a frontend does. A label's `key` (a keyboard
//! shortcut, which the backend requires) is a member like any other, no reference to a note.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Shelf, version: "1" }
paths:
  /api/notes:
    get:
      operationId: listNotes
      responses:
        "200": { description: "", content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Note" } } } } }
  /api/notes/{key}:
    parameters:
      - { name: key, in: path, required: true, schema: { type: string } }
    get:
      operationId: getNote
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    put:
      operationId: putNote
      description: Saves the note at the name the requester specifies.
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NoteWrite" } } }
      responses:
        "200": { description: Saved, content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
        "201": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    patch:
      operationId: renameNote
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NoteWrite" } } }
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    delete:
      operationId: deleteNote
      responses:
        "204": { description: "" }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/labels:
    post:
      operationId: makeLabel
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Label" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Label" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/labels/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getLabel
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Label" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    delete:
      operationId: dropLabel
      responses:
        "204": { description: "" }
components:
  schemas:
    Label:
      type: object
      required: [key]
      properties:
        id: { type: integer, readOnly: true }
        key: { type: string, minLength: 1, maxLength: 12, description: a keyboard shortcut }
    Error:
      type: object
      properties: { message: { type: string } }
    Note:
      type: object
      properties:
        name: { type: string }
        text: { type: string }
    NoteWrite:
      type: object
      properties:
        name: { type: string, description: the name it is saved at, the path's }
        text: { type: string, minLength: 1, maxLength: 100 }
"##;

#[derive(Clone, Default)]
struct Shelf {
    notes: Arc<Mutex<BTreeMap<String, String>>>,
    /// Saves a note without its text.
    loses_text: bool,
    /// Answers a delete 204 and keeps the note.
    keeps_deleted: bool,
    /// Refuses every update, saying why.
    refuses_updates: bool,
    /// Lists the notes as one object keyed by their keys, each without its key.
    keyed_list: bool,
    /// The labels' keys, by id less one (a deleted one empty).
    labels: Arc<Mutex<Vec<String>>>,
    /// What it was asked to create or replace: (name, status).
    puts: Arc<Mutex<Vec<(String, u16)>>>,
    /// Answers 500 to a note whose text holds quotes or markup, as a backend that builds
    /// its SQL from the text does.
    crashes_on_markup: bool,
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"message": message}))
}

impl Respond for Shelf {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let segments: Vec<String> = request
            .url
            .path_segments()
            .map(|s| s.map(String::from).collect())
            .unwrap_or_default();
        let mut notes = self.notes.lock().unwrap();
        let note = |name: &str, text: &str| json!({"name": name, "text": text});
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let text = || match body.get("text") {
            None => Some(String::new()),
            Some(Value::String(t))
                if (1..=100).contains(&t.chars().count()) && !t.contains('\0') =>
            {
                Some(t.clone())
            }
            _ => None,
        };
        let valid =
            body.is_object() && body.get("name").is_none_or(Value::is_string) && text().is_some();
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", [api, l]) if api == "api" && l == "labels" => {
                match body.get("key").and_then(Value::as_str) {
                    Some(k) if (1..=12).contains(&k.chars().count()) && !k.contains('\0') => {
                        let mut labels = self.labels.lock().unwrap();
                        labels.push(k.to_string());
                        ResponseTemplate::new(201)
                            .set_body_json(json!({"id": labels.len(), "key": k}))
                    }
                    // Made without one, or with one that is no text, all the same, under a
                    // key of its own.
                    None if body.is_object() && !body.get("key").is_some_and(Value::is_string) => {
                        let mut labels = self.labels.lock().unwrap();
                        labels.push("unnamed".into());
                        ResponseTemplate::new(201)
                            .set_body_json(json!({"id": labels.len(), "key": "unnamed"}))
                    }
                    _ => error(400, "a label needs its key"),
                }
            }
            ("GET", [api, l, id]) if api == "api" && l == "labels" => {
                let labels = self.labels.lock().unwrap();
                let n = id.parse::<usize>().unwrap_or(0);
                match labels.get(n.wrapping_sub(1)).filter(|k| !k.is_empty()) {
                    Some(k) => ResponseTemplate::new(200).set_body_json(json!({"id": n, "key": k})),
                    None => error(404, "no such label"),
                }
            }
            ("DELETE", [api, l, id]) if api == "api" && l == "labels" => {
                let mut labels = self.labels.lock().unwrap();
                let n = id.parse::<usize>().unwrap_or(0);
                if let Some(k) = labels.get_mut(n.wrapping_sub(1)) {
                    k.clear();
                }
                ResponseTemplate::new(204)
            }
            ("GET", [api, n]) if api == "api" && n == "notes" && self.keyed_list => {
                ResponseTemplate::new(200).set_body_json(
                    notes
                        .iter()
                        .map(|(n, t)| (n.clone(), json!({"text": t})))
                        .collect::<serde_json::Map<String, Value>>(),
                )
            }
            ("GET", [api, n]) if api == "api" && n == "notes" => ResponseTemplate::new(200)
                .set_body_json(notes.iter().map(|(n, t)| note(n, t)).collect::<Vec<_>>()),
            (method, [api, n, name]) if api == "api" && n == "notes" => {
                let name = percent_decode(name);
                match method {
                    "GET" => match notes.get(&name) {
                        Some(t) => ResponseTemplate::new(200).set_body_json(note(&name, t)),
                        None => error(404, "no such note"),
                    },
                    "PUT" | "PATCH" => {
                        if self.crashes_on_markup
                            && body
                                .get("text")
                                .and_then(Value::as_str)
                                .is_some_and(|t| t.contains('<'))
                        {
                            return ResponseTemplate::new(500);
                        }
                        if !valid || name.is_empty() || name.contains('\0') {
                            return error(400, "invalid note");
                        }
                        let existed = notes.contains_key(&name);
                        if method == "PATCH" && self.refuses_updates {
                            return error(400, "notes are read-only on this shelf");
                        }
                        if method == "PATCH" && !existed {
                            return error(404, "no such note");
                        }
                        let text = if self.loses_text {
                            String::new()
                        } else {
                            text().unwrap_or_default()
                        };
                        notes.insert(name.clone(), text.clone());
                        let status = if existed { 200 } else { 201 };
                        self.puts.lock().unwrap().push((name.clone(), status));
                        ResponseTemplate::new(status).set_body_json(note(&name, &text))
                    }
                    "DELETE" => {
                        if !notes.contains_key(&name) {
                            return error(404, "no such note");
                        }
                        if !self.keeps_deleted {
                            notes.remove(&name);
                        }
                        ResponseTemplate::new(204)
                    }
                    _ => error(405, "method not allowed"),
                }
            }
            _ => error(404, "not found"),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_item_the_client_names_is_made_read_back_listed_and_deleted() {
    let shelf = Shelf::default();
    let run = crate::resource_chain(SPEC, shelf.clone()).await;
    for scenario in [
        "What is created reads back, is listed and updates",
        "What is deleted is gone, with what lies under it",
    ] {
        assert_eq!(
            run.verdict(scenario),
            "passed",
            "{scenario}\n{}",
            run.stdout
        );
    }
    // A label made with its key: no reference to a note, whose path parameter is `{key}`.
    assert!(!shelf.labels.lock().unwrap().is_empty(), "{}", run.stdout);
    // Made at names of the run's own, never over a note it did not make, and none left.
    let puts = shelf.puts.lock().unwrap().clone();
    assert!(
        puts.iter()
            .any(|(name, status)| name.starts_with("accord-") && *status == 201),
        "{puts:?}\n{}",
        run.stdout
    );
    assert!(shelf.notes.lock().unwrap().is_empty(), "{}", run.stdout);
}

/// A list answered as one object keyed by the items' keys lists each by its key.
#[tokio::test(flavor = "multi_thread")]
async fn a_list_keyed_by_the_items_keys_lists_them() {
    let run = crate::resource_chain(
        SPEC.replace(
            "schema: { type: array, items: { $ref: \"#/components/schemas/Note\" } }",
            "schema: { type: object, additionalProperties: { $ref: \"#/components/schemas/Note\" } }",
        )
        .as_str(),
        Shelf {
            keyed_list: true,
            ..Shelf::default()
        },
    )
    .await;
    assert_eq!(
        run.verdict("What is created reads back, is listed and updates"),
        "passed",
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_item_put_without_what_was_written_fails() {
    let run = crate::resource_chain(
        SPEC,
        Shelf {
            loses_text: true,
            ..Shelf::default()
        },
    )
    .await;
    assert!(
        run.failed_by(
            "What is created reads back",
            Rule::ReadBack,
            "`text` was written as"
        ),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_item_deleted_and_still_there_fails() {
    let run = crate::resource_chain(
        SPEC,
        Shelf {
            keeps_deleted: true,
            ..Shelf::default()
        },
    )
    .await;
    assert!(
        run.failed_by(
            "What is deleted is gone",
            Rule::UseAfterDelete,
            "a deleted resource reads as 200"
        ),
        "{}",
        run.stdout
    );
}

/// An update refused says what the backend gave as its reason.
#[tokio::test(flavor = "multi_thread")]
async fn an_update_refused_fails_with_the_backend_s_reason() {
    let run = crate::resource_chain(
        SPEC,
        Shelf {
            refuses_updates: true,
            ..Shelf::default()
        },
    )
    .await;
    assert!(
        run.failed_by(
            "What is created reads back",
            Rule::UpdatePersists,
            "renameNote of the resource just created answered 400: {\"message\":\"notes are read-only on this shelf\"}"
        ),
        "{}",
        run.stdout
    );
}

/// A create whose item the spec documents no read of (Jupyter's checkpoints: restored and
/// deleted, never read) names it in `Location` all the same: the 405 a read of it gets is the
/// spec's own design, said, not failed. Where the spec documents a read, it fails.
#[tokio::test(flavor = "multi_thread")]
async fn a_location_the_spec_documents_no_read_of_is_said_not_failed() {
    const MARKS: &str = r##"openapi: 3.0.3
info: { title: Marks, version: "1" }
paths:
  /api/marks:
    post:
      operationId: makeMark
      responses:
        "201":
          description: Made
          headers: { Location: { schema: { type: string } } }
          content: { application/json: { schema: { type: object, properties: { id: { type: string } } } } }
  /api/marks/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: string } }
    delete:
      operationId: dropMark
      responses:
        "204": { description: Dropped }
        "404": { description: Not found }
"##;
    let made = Arc::new(Mutex::new(0u32));
    let backend = {
        let made = made.clone();
        move |request: &Request| -> ResponseTemplate {
            match (request.method.as_str(), request.url.path()) {
                ("POST", "/api/marks") => {
                    let mut n = made.lock().unwrap();
                    *n += 1;
                    ResponseTemplate::new(201)
                        .insert_header("location", format!("/api/marks/m{n}").as_str())
                        .set_body_json(json!({"id": format!("m{n}")}))
                }
                ("DELETE", p) if p.starts_with("/api/marks/") => ResponseTemplate::new(204),
                (_, p) if p.starts_with("/api/marks") => ResponseTemplate::new(405)
                    .set_body_json(json!({"message": "method not allowed"})),
                _ => ResponseTemplate::new(404),
            }
        }
    };
    let run = crate::resource_chain(MARKS, backend.clone()).await;
    assert!(
        !run.failed_by("What is created reads back", Rule::Location, ""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("which answers 405: the spec documents no read of what it made"),
        "{}",
        run.stdout
    );
    // With a read documented, the same 405 fails.
    let read = MARKS.replace(
        "    delete:\n      operationId: dropMark",
        "    get:\n      operationId: readMark\n      responses:\n        \"200\": { description: Read }\n    delete:\n      operationId: dropMark",
    );
    assert_ne!(read, MARKS);
    let run = crate::resource_chain(&read, backend).await;
    assert!(
        run.failed_by(
            "What is created reads back",
            Rule::Location,
            "which answers 405"
        ),
        "{}",
        run.stdout
    );
}

/// A label the backend makes from a body without the key its spec requires (the error case
/// of a missing field, taken all the same) is deleted with the rest of the run's.
#[tokio::test(flavor = "multi_thread")]
async fn what_an_error_case_made_all_the_same_is_deleted() {
    let shelf = Shelf::default();
    let run = crate::tagged_run(SPEC, shelf.clone(), "@errors").await;
    let labels = shelf.labels.lock().unwrap().clone();
    assert!(
        labels.iter().any(|_| true) && labels.iter().all(String::is_empty),
        "{labels:?}\n{}",
        run.stdout
    );
}

/// The shelf with a note the run did not make (`seeded`, "kept").
fn seeded(shelf: Shelf) -> Shelf {
    shelf
        .notes
        .lock()
        .unwrap()
        .insert("seeded".into(), "kept".into());
    shelf
}

/// The generated and boundary inputs of the create of an item the client names go to names
/// of the run's own, one new item each (a create is what it tests), never over a note the
/// run did not make, and none is left; a create that crashes on one fails the boundary pass.
#[tokio::test(flavor = "multi_thread")]
async fn the_create_of_an_item_the_client_names_takes_edge_values_at_names_of_its_own() {
    let shelf = seeded(Shelf::default());
    let run = crate::tagged_run(SPEC, shelf.clone(), "@positive or @boundary").await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let puts = shelf.puts.lock().unwrap().clone();
    let made = puts
        .iter()
        .filter(|(n, s)| n.starts_with("accord-") && *s == 201);
    assert!(made.count() >= 3, "{puts:?}\n{}", run.stdout);
    assert!(
        puts.iter().all(|(n, _)| n.starts_with("accord-")),
        "{puts:?}"
    );
    let notes = shelf.notes.lock().unwrap().clone();
    assert_eq!(
        notes,
        BTreeMap::from([("seeded".to_string(), "kept".to_string())]),
        "{}",
        run.stdout
    );
    let broken = seeded(Shelf {
        crashes_on_markup: true,
        ..Shelf::default()
    });
    let run = crate::tagged_run(SPEC, broken.clone(), "@boundary").await;
    assert!(
        run.failed_by(
            "Boundary inputs never crash the backend",
            Rule::Boundary,
            "putNote: a server error (500) for quotes and markup (body /text)"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        broken
            .notes
            .lock()
            .unwrap()
            .get("seeded")
            .map(String::as_str),
        Some("kept")
    );
}
