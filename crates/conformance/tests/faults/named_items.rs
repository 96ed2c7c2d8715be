//! A kind whose items the client names: its only create is a PUT at the item's own path,
//! documented 201 ("the requester specifies the name", as Jupyter's contents, a key-value
//! store's keys or an object store's objects), with no POST on the collection. The run
//! makes one at a name of its own, reads it back, finds it listed, updates and deletes it;
//! a backend that loses what was put, or keeps what was deleted, fails. The note's `name`
//! is the key it is put at, whatever the body says, as Jupyter's is its path's last part:
//! the run sends the key there too, as a frontend does.

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
components:
  schemas:
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
    /// Lists the notes as one object keyed by their keys, each without its key.
    keyed_list: bool,
    /// What it was asked to create or replace: (name, status).
    puts: Arc<Mutex<Vec<(String, u16)>>>,
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
                        if !valid || name.is_empty() || name.contains('\0') {
                            return error(400, "invalid note");
                        }
                        let existed = notes.contains_key(&name);
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
