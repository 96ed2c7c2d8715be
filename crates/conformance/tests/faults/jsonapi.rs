//! A backend in JSON:API's shape, read from its spec by a new user with nothing but the spec
//! and credentials: every body, request and answer, is `application/vnd.api+json` (anything
//! else is refused with 415), a resource is `{"data": {"id", "type", "attributes", "links"}}`
//! and an error `{"errors": [{"status", "title", "source": {"pointer"}}]}` in the same media
//! type, the sign-in makes a `sessions` resource whose attributes hold the token, and a
//! resource's `links.self` is the server's. The correct copy passes every scenario; a broken
//! one crashes on a NUL in a note's body.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Notes (JSON:API), version: 1.0.0 }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    Errors:
      type: object
      required: [errors]
      properties:
        errors:
          type: array
          items:
            type: object
            properties:
              status: { type: string }
              title: { type: string }
              detail: { type: string }
              source: { type: object, properties: { pointer: { type: string } } }
    NoteAttributes:
      type: object
      required: [title]
      properties:
        title: { type: string, minLength: 1, maxLength: 80 }
        body: { type: string, maxLength: 2000 }
        pinned: { type: boolean }
    NoteResource:
      type: object
      required: [id, type, attributes]
      properties:
        id: { type: string }
        type: { type: string, enum: [notes] }
        attributes: { $ref: "#/components/schemas/NoteAttributes" }
        links: { type: object, properties: { self: { type: string } } }
    NewNote:
      type: object
      required: [data]
      properties:
        data:
          type: object
          required: [type, attributes]
          properties:
            type: { type: string, enum: [notes] }
            attributes: { $ref: "#/components/schemas/NoteAttributes" }
    NoteDocument:
      type: object
      required: [data]
      properties:
        data: { $ref: "#/components/schemas/NoteResource" }
    NoteList:
      type: object
      required: [data]
      properties:
        data: { type: array, items: { $ref: "#/components/schemas/NoteResource" } }
        meta: { type: object, properties: { total: { type: integer } } }
    NewComment:
      type: object
      required: [data]
      properties:
        data:
          type: object
          required: [type, attributes, relationships]
          properties:
            type: { type: string, enum: [comments] }
            attributes:
              type: object
              required: [text]
              properties: { text: { type: string, minLength: 1, maxLength: 500 } }
            relationships:
              type: object
              required: [note]
              properties:
                note:
                  type: object
                  required: [data]
                  properties:
                    data:
                      type: object
                      required: [type, id]
                      properties:
                        type: { type: string, enum: [notes] }
                        id: { type: string }
    CommentDocument:
      type: object
      required: [data]
      properties:
        data:
          type: object
          required: [id, type, attributes]
          properties:
            id: { type: string }
            type: { type: string, enum: [comments] }
            attributes: { type: object, properties: { text: { type: string } } }
    Login:
      type: object
      required: [data]
      properties:
        data:
          type: object
          required: [type, attributes]
          properties:
            type: { type: string, enum: [sessions] }
            attributes:
              type: object
              required: [email, password]
              properties:
                email: { type: string, format: email }
                password: { type: string, format: password }
    Session:
      type: object
      properties:
        data:
          type: object
          properties:
            id: { type: string }
            type: { type: string }
            attributes:
              type: object
              properties:
                access_token: { type: string }
  responses:
    Error:
      description: error
      content: { application/vnd.api+json: { schema: { $ref: "#/components/schemas/Errors" } } }
security: [ { bearer: [] } ]
paths:
  /sessions:
    post:
      operationId: createSession
      security: []
      requestBody:
        required: true
        content: { application/vnd.api+json: { schema: { $ref: "#/components/schemas/Login" } } }
      responses:
        "201": { description: signed in, content: { application/vnd.api+json: { schema: { $ref: "#/components/schemas/Session" } } } }
        "401": { $ref: "#/components/responses/Error" }
        "422": { $ref: "#/components/responses/Error" }
  /notes:
    get:
      operationId: listNotes
      parameters:
        - { name: "page[size]", in: query, schema: { type: integer, minimum: 1, maximum: 100 } }
        - { name: "page[number]", in: query, schema: { type: integer, minimum: 1 } }
      responses:
        "200": { description: notes, content: { application/vnd.api+json: { schema: { $ref: "#/components/schemas/NoteList" } } } }
        "400": { $ref: "#/components/responses/Error" }
        "401": { $ref: "#/components/responses/Error" }
    post:
      operationId: createNote
      requestBody:
        required: true
        content: { application/vnd.api+json: { schema: { $ref: "#/components/schemas/NewNote" } } }
      responses:
        "201": { description: created, content: { application/vnd.api+json: { schema: { $ref: "#/components/schemas/NoteDocument" } } } }
        "400": { $ref: "#/components/responses/Error" }
        "401": { $ref: "#/components/responses/Error" }
        "403": { $ref: "#/components/responses/Error" }
        "409": { $ref: "#/components/responses/Error" }
        "415": { $ref: "#/components/responses/Error" }
        "422": { $ref: "#/components/responses/Error" }
  /comments:
    post:
      operationId: createComment
      requestBody:
        required: true
        content: { application/vnd.api+json: { schema: { $ref: "#/components/schemas/NewComment" } } }
      responses:
        "201": { description: created, content: { application/vnd.api+json: { schema: { $ref: "#/components/schemas/CommentDocument" } } } }
        "400": { $ref: "#/components/responses/Error" }
        "401": { $ref: "#/components/responses/Error" }
        "404": { $ref: "#/components/responses/Error" }
        "409": { $ref: "#/components/responses/Error" }
        "415": { $ref: "#/components/responses/Error" }
        "422": { $ref: "#/components/responses/Error" }
  /comments/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: string } }
    get:
      operationId: getComment
      responses:
        "200": { description: comment, content: { application/vnd.api+json: { schema: { $ref: "#/components/schemas/CommentDocument" } } } }
        "401": { $ref: "#/components/responses/Error" }
        "404": { $ref: "#/components/responses/Error" }
    delete:
      operationId: deleteComment
      responses:
        "204": { description: deleted }
        "401": { $ref: "#/components/responses/Error" }
        "404": { $ref: "#/components/responses/Error" }
  /notes/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: string } }
    get:
      operationId: getNote
      responses:
        "200": { description: note, content: { application/vnd.api+json: { schema: { $ref: "#/components/schemas/NoteDocument" } } } }
        "401": { $ref: "#/components/responses/Error" }
        "404": { $ref: "#/components/responses/Error" }
    patch:
      operationId: updateNote
      requestBody:
        required: true
        content: { application/vnd.api+json: { schema: { $ref: "#/components/schemas/NoteDocument" } } }
      responses:
        "200": { description: note, content: { application/vnd.api+json: { schema: { $ref: "#/components/schemas/NoteDocument" } } } }
        "401": { $ref: "#/components/responses/Error" }
        "404": { $ref: "#/components/responses/Error" }
        "400": { $ref: "#/components/responses/Error" }
        "409": { $ref: "#/components/responses/Error" }
        "415": { $ref: "#/components/responses/Error" }
        "422": { $ref: "#/components/responses/Error" }
    delete:
      operationId: deleteNote
      responses:
        "204": { description: deleted }
        "401": { $ref: "#/components/responses/Error" }
        "404": { $ref: "#/components/responses/Error" }
"##;

const MEDIA: &str = "application/vnd.api+json";
const USER: &str = "alice@example.com";
const PASSWORD: &str = "pw-alice-1";

#[derive(Default)]
struct Store {
    /// Each comment's text and the note it is on.
    comments: BTreeMap<u64, (String, u64)>,
    notes: BTreeMap<u64, Value>,
    last: u64,
    tokens: Vec<String>,
}

#[derive(Clone, Default)]
struct Notes {
    store: Arc<Mutex<Store>>,
    crashes_on_nul: bool,
}

fn answer(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string().into_bytes(), MEDIA)
}

fn error(status: u16, title: &str, pointer: Option<&str>) -> ResponseTemplate {
    let mut e = json!({ "status": status.to_string(), "title": title });
    if let Some(p) = pointer {
        e["source"] = json!({ "pointer": p });
    }
    answer(status, json!({ "errors": [e] }))
}

fn resource(id: u64, attributes: &Value) -> Value {
    json!({
        "id": id.to_string(),
        "type": "notes",
        "attributes": attributes,
        "links": { "self": format!("/notes/{id}") }
    })
}

impl Notes {
    /// What is wrong with a note's attributes, if anything; `partial` for an update.
    fn invalid(&self, attributes: &Value, partial: bool) -> Option<ResponseTemplate> {
        let Some(a) = attributes.as_object() else {
            return Some(error(
                422,
                "attributes must be an object",
                Some("/data/attributes"),
            ));
        };
        if let Some(k) = a
            .keys()
            .find(|k| !["title", "body", "pinned"].contains(&k.as_str()))
        {
            return Some(error(
                422,
                "unknown attribute",
                Some(&format!("/data/attributes/{k}")),
            ));
        }
        if a.contains_key("title") || !partial {
            let ok = a
                .get("title")
                .and_then(Value::as_str)
                .is_some_and(|t| (1..=80).contains(&t.chars().count()));
            if !ok {
                return Some(error(
                    422,
                    "title is 1 to 80 characters",
                    Some("/data/attributes/title"),
                ));
            }
        }
        if let Some(b) = a.get("body") {
            let Some(text) = b.as_str().filter(|t| t.chars().count() <= 2000) else {
                return Some(error(
                    422,
                    "body is text of at most 2000 characters",
                    Some("/data/attributes/body"),
                ));
            };
            if text.contains('\0') && self.crashes_on_nul {
                return Some(
                    ResponseTemplate::new(500)
                        .set_body_string("A string literal cannot contain NUL"),
                );
            }
        }
        if a.get("pinned").is_some_and(|p| !p.is_boolean()) {
            return Some(error(
                422,
                "pinned is a boolean",
                Some("/data/attributes/pinned"),
            ));
        }
        None
    }
}

impl Respond for Notes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let method = request.method.as_str();
        let path = request.url.path().to_string();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let media = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            });
        // The document, or the refusal of it (its status and title).
        let body = || -> Result<Value, (u16, &str)> {
            if media.as_deref() != Some(MEDIA) {
                return Err((415, "send application/vnd.api+json"));
            }
            serde_json::from_slice(&request.body).map_err(|_| (400, "malformed JSON"))
        };
        let mut store = self.store.lock().unwrap();
        if segments == ["sessions"] {
            if method != "POST" {
                return error(405, "method not allowed", None).insert_header("allow", "POST");
            }
            let doc = match body() {
                Ok(doc) => doc,
                Err((status, title)) => return error(status, title, None),
            };
            let a = &doc["data"]["attributes"];
            let (Some(email), Some(password)) = (a["email"].as_str(), a["password"].as_str())
            else {
                return error(
                    422,
                    "email and password are required",
                    Some("/data/attributes"),
                );
            };
            if doc["data"]["type"] != "sessions" {
                return error(422, "type must be sessions", Some("/data/type"));
            }
            if (email, password) != (USER, PASSWORD) {
                return error(401, "invalid credentials", None);
            }
            let token = format!("t{}", store.tokens.len() + 1000);
            store.tokens.push(token.clone());
            return answer(
                201,
                json!({"data": {"id": token, "type": "sessions", "attributes": {"access_token": token}}}),
            );
        }
        let (id, allowed) = match segments.as_slice() {
            ["notes"] => (None, "GET, POST"),
            ["notes", id] => (Some(*id), "GET, PATCH, DELETE"),
            ["comments"] => (None, "POST"),
            ["comments", id] => (Some(*id), "GET, DELETE"),
            _ => return error(404, "no such route", None),
        };
        if !allowed.split(", ").any(|m| m == method) {
            return error(405, "method not allowed", None).insert_header("allow", allowed);
        }
        let token = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string);
        if !token.is_some_and(|t| store.tokens.contains(&t)) {
            return error(401, "a bearer token is required", None)
                .insert_header("www-authenticate", "Bearer realm=\"notes\"");
        }
        if segments[0] == "comments" {
            let comment = |id: u64, text: &str| json!({"data": {"id": id.to_string(), "type": "comments", "attributes": {"text": text}}});
            let Some(id) = id else {
                let doc = match body() {
                    Ok(doc) => doc,
                    Err((status, title)) => return error(status, title, None),
                };
                let data = &doc["data"];
                if data["type"] != "comments" {
                    return error(409, "type must be comments", Some("/data/type"));
                }
                let Some(text) = data["attributes"]["text"]
                    .as_str()
                    .filter(|t| (1..=500).contains(&t.chars().count()))
                else {
                    return error(
                        422,
                        "text is 1 to 500 characters",
                        Some("/data/attributes/text"),
                    );
                };
                // The note it is on: a relationship to one that exists.
                let note = &data["relationships"]["note"]["data"];
                let Some(note) = note["id"]
                    .as_str()
                    .and_then(|n| n.parse::<u64>().ok())
                    .filter(|n| note["type"] == "notes" && store.notes.contains_key(n))
                else {
                    return error(404, "no such note", Some("/data/relationships/note"));
                };
                store.last += 1;
                let id = store.last;
                store.comments.insert(id, (text.to_string(), note));
                return answer(201, comment(id, text));
            };
            let Some(n) = id
                .parse::<u64>()
                .ok()
                .filter(|n| store.comments.contains_key(n))
            else {
                return error(404, "no such comment", None);
            };
            return match method {
                "GET" => answer(200, comment(n, &store.comments[&n].0)),
                _ => {
                    store.comments.remove(&n);
                    ResponseTemplate::new(204)
                }
            };
        }
        let Some(id) = id else {
            if method == "GET" {
                let q: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
                let size = q.get("page[size]").map(|s| s.parse::<u64>());
                let number = q.get("page[number]").map(|s| s.parse::<u64>());
                let (size, number) = match (size, number) {
                    (Some(Err(_)), _) | (_, Some(Err(_))) => {
                        return error(400, "page parameters are integers", None);
                    }
                    (s, n) => (s.map_or(20, |s| s.unwrap()), n.map_or(1, |n| n.unwrap())),
                };
                if !(1..=100).contains(&size) || number < 1 {
                    return error(400, "page[size] is 1 to 100, page[number] at least 1", None);
                }
                let all: Vec<Value> = store.notes.iter().map(|(id, a)| resource(*id, a)).collect();
                let page: Vec<Value> = all
                    .iter()
                    .skip(((number - 1).saturating_mul(size)) as usize)
                    .take(size as usize)
                    .cloned()
                    .collect();
                return answer(200, json!({"data": page, "meta": {"total": all.len()}}));
            }
            let doc = match body() {
                Ok(doc) => doc,
                Err((status, title)) => return error(status, title, None),
            };
            let Some(data) = doc.get("data").filter(|d| d.is_object()) else {
                return error(422, "a data object is required", Some("/data"));
            };
            if data["type"] != "notes" {
                return error(409, "type must be notes", Some("/data/type"));
            }
            if data.get("id").is_some() {
                return error(
                    403,
                    "client-generated ids are not supported",
                    Some("/data/id"),
                );
            }
            if let Some(e) = self.invalid(&data["attributes"], false) {
                return e;
            }
            store.last += 1;
            let id = store.last;
            store.notes.insert(id, data["attributes"].clone());
            return answer(201, json!({ "data": resource(id, &data["attributes"]) }))
                .insert_header("location", format!("/notes/{id}").as_str());
        };
        let Some(n) = id
            .parse::<u64>()
            .ok()
            .filter(|n| store.notes.contains_key(n))
        else {
            return error(404, "no such note", None);
        };
        match method {
            "GET" => answer(200, json!({ "data": resource(n, &store.notes[&n]) })),
            "DELETE" => {
                store.notes.remove(&n);
                ResponseTemplate::new(204)
            }
            _ => {
                let doc = match body() {
                    Ok(doc) => doc,
                    Err((status, title)) => return error(status, title, None),
                };
                let Some(data) = doc.get("data").filter(|d| d.is_object()) else {
                    return error(422, "a data object is required", Some("/data"));
                };
                if data["type"] != "notes" || data["id"] != json!(id) {
                    return error(409, "type and id must match the note", Some("/data/id"));
                }
                if let Some(e) = self.invalid(&data["attributes"], true) {
                    return e;
                }
                let note = store.notes.get_mut(&n).unwrap();
                for (k, v) in data["attributes"].as_object().unwrap() {
                    note[k] = v.clone();
                }
                answer(200, json!({ "data": resource(n, note) }))
            }
        }
    }
}

const TAGS: &str = "(@auth or @errors or @behaviour) and not @expiry";

async fn first_run(backend: Notes) -> crate::Run {
    let server = crate::serving(backend).await;
    crate::first_run_with(
        SPEC,
        server.uri(),
        TAGS,
        &[("ACCORD_USER", USER), ("ACCORD_PASSWORD", PASSWORD)],
    )
    .await
}

/// Every request body goes in the media type its operation declares, the errors are
/// judged in the one the spec declares for them, a malformed body is sent in the declared
/// type (so that the body, not its type, is refused), and `links` is not compared as
/// written: a correct JSON:API backend passes a new user's first run.
#[tokio::test(flavor = "multi_thread")]
async fn a_json_api_backend_is_read_in_its_own_media_type() {
    let run = first_run(Notes::default()).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run.fails_none_of(&[
        Rule::Setup,
        Rule::Envelope,
        Rule::ErrorsStatus,
        Rule::UpdatePersists,
    ]);
    run.says(&["tag @behaviour", "tag @errors", "createComment ("]);
    // A comment names its note by a to-one relationship: the run names the one it made.
    run.fails_none_of(&[Rule::Created]);
    assert!(
        !run.stdout.contains("createComment is left out"),
        "{}",
        run.stdout
    );
    let broken = Notes {
        crashes_on_nul: true,
        ..Notes::default()
    };
    let run = first_run(broken).await;
    assert!(
        run.failed_by(
            "Boundary inputs",
            Rule::Boundary,
            "a NUL character (body /data/attributes/body)"
        ),
        "{}",
        run.stdout
    );
}
