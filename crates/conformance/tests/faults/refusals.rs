//! The boundary pass spends its requests where they tell something, on a backend made the
//! way Django REST framework makes one: a refusal names every field it refuses
//! (`{"when": ["Enter a valid date."], "count": ["Ensure this value is less than or equal to
//! 10."]}`), so the values the schema refuses go together, one per field, and a refusal
//! settles those it names; and the generated spec puts the list's filter on every method of
//! the item's route, where one code reads it: its edges go to the item's read alone. A value
//! the schema refuses that the backend takes must still be found, beside others it refuses.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Map, Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Notes, version: "1" }
paths:
  /notes/:
    get:
      operationId: notes_list
      parameters:
        - { name: q, in: query, schema: { type: string } }
      responses:
        "200": { description: "", content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Note" } } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Refusal" } } } }
    post:
      operationId: notes_create
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NoteWrite" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Refusal" } } } }
  /notes/{id}/:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
      - { name: q, in: query, schema: { type: string } }
    get:
      operationId: notes_retrieve
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Refusal" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Refusal" } } } }
    patch:
      operationId: notes_partial_update
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NotePatch" } } }
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Refusal" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Refusal" } } } }
    delete:
      operationId: notes_destroy
      responses:
        "204": { description: "" }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Refusal" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Refusal" } } } }
components:
  schemas:
    NoteWrite:
      type: object
      required: [title]
      properties:
        title: { type: string, maxLength: 20 }
        when: { type: string, format: date }
        count: { type: integer, minimum: 0, maximum: 10 }
    NotePatch:
      type: object
      properties:
        title: { type: string, maxLength: 20 }
        when: { type: string, format: date }
        count: { type: integer, minimum: 0, maximum: 10 }
    Note:
      type: object
      required: [id, title]
      properties:
        id: { type: integer, readOnly: true }
        title: { type: string }
        when: { type: string, format: date, nullable: true }
        count: { type: integer, nullable: true }
    Refusal:
      type: object
      additionalProperties: { type: array, items: { type: string } }
"##;

#[derive(Clone, Default)]
struct Notes {
    /// Whether a title past its 20 characters is taken (the schema refuses it).
    long_titles: bool,
    notes: Arc<Mutex<BTreeMap<u64, Value>>>,
    next: Arc<Mutex<u64>>,
    /// Each request: its method, path and query, and the fields its refusal named.
    seen: Arc<Mutex<Vec<(String, String, usize)>>>,
    /// The text of each create's `when`.
    whens: Arc<Mutex<Vec<String>>>,
}

fn refusal(fields: Map<String, Value>) -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(Value::Object(fields))
}

impl Notes {
    /// What of `body` the backend refuses, by field, as Django REST framework's serializer
    /// names it.
    fn refused(&self, body: &Value, partial: bool) -> Map<String, Value> {
        let mut out = Map::new();
        let Some(map) = body.as_object() else {
            out.insert("non_field_errors".into(), json!(["Invalid data."]));
            return out;
        };
        let text = |v: &Value| v.as_str().filter(|t| !t.contains('\0')).map(str::to_string);
        match map.get("title") {
            None if !partial => {
                out.insert("title".into(), json!(["This field is required."]));
            }
            None => {}
            Some(v) => match text(v) {
                Some(t) if t.chars().count() <= 20 || self.long_titles => {}
                _ => {
                    out.insert("title".into(), json!(["Not a valid string."]));
                }
            },
        }
        if let Some(v) = map.get("when").filter(|v| !v.is_null()) {
            let date = text(v).is_some_and(|t| {
                t.len() == 10
                    && t.chars().enumerate().all(|(i, c)| match i {
                        4 | 7 => c == '-',
                        _ => c.is_ascii_digit(),
                    })
            });
            if !date {
                out.insert("when".into(), json!(["Enter a valid date."]));
            }
        }
        if let Some(v) = map.get("count").filter(|v| !v.is_null())
            && !v.as_i64().is_some_and(|n| (0..=10).contains(&n))
        {
            out.insert(
                "count".into(),
                json!(["Ensure this value is between 0 and 10."]),
            );
        }
        out
    }
}

impl Respond for Notes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let method = request.method.as_str().to_string();
        let path = request.url.path().to_string();
        let query = request.url.query().unwrap_or_default().to_string();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        if method == "POST"
            && let Some(when) = body.get("when").and_then(Value::as_str)
        {
            self.whens.lock().unwrap().push(when.to_string());
        }
        let answer = self.answer(&method, &path, request, &body);
        let named = match answer.1.as_ref() {
            Some(fields) => fields.len(),
            None => 0,
        };
        self.seen
            .lock()
            .unwrap()
            .push((method, format!("{path}?{query}"), named));
        answer.0
    }
}

impl Notes {
    fn answer(
        &self,
        method: &str,
        path: &str,
        request: &Request,
        body: &Value,
    ) -> (ResponseTemplate, Option<Map<String, Value>>) {
        let mut notes = self.notes.lock().unwrap();
        let q: Option<String> = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "q")
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty());
        if q.as_deref().is_some_and(|q| q.contains('\0')) {
            let fields: Map<String, Value> =
                Map::from_iter([("q".to_string(), json!(["Null characters are not allowed."]))]);
            return (refusal(fields.clone()), Some(fields));
        }
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("GET", ["notes"]) => (
                ResponseTemplate::new(200).set_body_json(Value::Array(
                    notes
                        .values()
                        .filter(|n| q.as_ref().is_none_or(|q| n["title"].as_str() == Some(q)))
                        .cloned()
                        .collect(),
                )),
                None,
            ),
            ("POST", ["notes"]) => {
                let refused = self.refused(body, false);
                if !refused.is_empty() {
                    return (refusal(refused.clone()), Some(refused));
                }
                let mut next = self.next.lock().unwrap();
                *next += 1;
                let note = json!({
                    "id": *next,
                    "title": body["title"],
                    "when": body.get("when").cloned().unwrap_or(Value::Null),
                    "count": body.get("count").cloned().unwrap_or(Value::Null),
                });
                notes.insert(*next, note.clone());
                (ResponseTemplate::new(201).set_body_json(note), None)
            }
            (_, ["notes", id]) => {
                let missing = || {
                    let fields: Map<String, Value> =
                        Map::from_iter([("detail".to_string(), json!(["Not found."]))]);
                    (ResponseTemplate::new(404).set_body_json(&fields), None)
                };
                // The filter is the list's, on the item too: one that excludes it is a 404.
                let Some(id) = id.parse::<u64>().ok().filter(|id| {
                    notes
                        .get(id)
                        .is_some_and(|n| q.as_ref().is_none_or(|q| n["title"].as_str() == Some(q)))
                }) else {
                    return missing();
                };
                match method {
                    "GET" => (ResponseTemplate::new(200).set_body_json(&notes[&id]), None),
                    "PATCH" => {
                        let refused = self.refused(body, true);
                        if !refused.is_empty() {
                            return (refusal(refused.clone()), Some(refused));
                        }
                        let note = notes.get_mut(&id).unwrap();
                        for (k, v) in body.as_object().into_iter().flatten() {
                            note[k] = v.clone();
                        }
                        (ResponseTemplate::new(200).set_body_json(note.clone()), None)
                    }
                    "DELETE" => {
                        notes.remove(&id);
                        (ResponseTemplate::new(204), None)
                    }
                    _ => (
                        ResponseTemplate::new(405).insert_header("allow", "GET, PATCH, DELETE"),
                        None,
                    ),
                }
            }
            (_, ["notes"]) => (
                ResponseTemplate::new(405).insert_header("allow", "GET, POST"),
                None,
            ),
            _ => (ResponseTemplate::new(404), None),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_values_go_together_and_a_read_s_filter_goes_to_the_read() {
    let backend = Notes::default();
    let run = crate::tagged_run(SPEC, backend.clone(), "@boundary").await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let seen = backend.seen.lock().unwrap().clone();
    // The filter's edges (a NUL among them) reach the item's read, never its writes.
    let nul = |target: &str| target.contains("q=") && target.contains("%00");
    let reads: Vec<_> = seen
        .iter()
        .filter(|(m, t, _)| m == "GET" && !t.starts_with("/notes/?") && nul(t))
        .collect();
    let writes: Vec<_> = seen
        .iter()
        .filter(|(m, t, _)| m != "GET" && nul(t))
        .collect();
    assert!(!reads.is_empty(), "{seen:?}\n{}", run.stdout);
    assert!(writes.is_empty(), "{writes:?}\n{}", run.stdout);
    assert!(
        run.stdout.contains("to the GET alone, not to its writes"),
        "{}",
        run.stdout
    );
    // Refused values of several fields went in one request, which named each.
    let creates: Vec<_> = seen
        .iter()
        .filter(|(m, t, _)| m == "POST" && t.starts_with("/notes/?"))
        .collect();
    assert!(
        creates.iter().any(|(_, _, named)| *named >= 3),
        "{creates:?}\n{}",
        run.stdout
    );
    assert!(
        creates.len() <= 30,
        "{} creates: {creates:?}",
        creates.len()
    );
    // The kinds of text the date refuses went in one value, which the refusal named: a path
    // in `when` was sent once, beside markup, not once alone.
    let whens = backend.whens.lock().unwrap().clone();
    let paths: Vec<_> = whens
        .iter()
        .filter(|w| w.contains("../../etc/passwd"))
        .collect();
    assert_eq!(paths.len(), 1, "{whens:?}");
    assert!(paths[0].contains("<script>"), "{whens:?}");
}

/// A title past its bound taken, beside a date and a count the backend refuses: the
/// refusal does not name the title, which then goes alone and is found.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_value_taken_beside_others_refused_is_found() {
    let run = crate::tagged_run(
        SPEC,
        Notes {
            long_titles: true,
            ..Notes::default()
        },
        "@boundary",
    )
    .await;
    fails_saying(
        &run,
        "(body /title) accepted with 201, which the schema refuses",
    );
}

/// Whether `run` failed its boundary scenario, saying `detail`.
fn fails_saying(run: &crate::Run, detail: &str) {
    assert!(
        run.failed_by("Boundary inputs", Rule::Boundary, detail),
        "{detail}\n{}",
        run.stdout
    );
}

const SIGN_UP: &str = r##"openapi: 3.0.3
info: { title: Accounts, version: "1" }
paths:
  /accounts/:
    post:
      operationId: sign_up
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name, password]
              properties:
                name: { type: string, maxLength: 40 }
                password: { type: string, maxLength: 40 }
      responses:
        "201": { description: "", content: { application/json: { schema: { type: object, properties: { id: { type: integer } } } } } }
        "400": { description: "", content: { application/json: { schema: { type: object } } } }
"##;

/// A sign-up that hashes every password it takes, and whose database may refuse a NUL in
/// a name with a server error, and a name taken already with `taken`.
#[derive(Clone, Default)]
struct SignUp {
    nul_crashes: bool,
    /// The answer to a name taken already (201 where names need not be unique).
    taken: u16,
    /// The bodies of the requests that sent a NUL in the name.
    nul_names: Arc<Mutex<usize>>,
    made: Arc<Mutex<u64>>,
    names: Arc<Mutex<Vec<String>>>,
}

impl Respond for SignUp {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path() != "/accounts/" {
            return ResponseTemplate::new(404);
        }
        if request.method.as_str() != "POST" {
            return ResponseTemplate::new(405).insert_header("allow", "POST");
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let (Some(name), Some(_)) = (body["name"].as_str(), body["password"].as_str()) else {
            return refusal(Map::from_iter([("name".to_string(), json!(["Required."]))]));
        };
        for field in ["name", "password"] {
            if body[field].as_str().is_some_and(|t| t.chars().count() > 40) {
                return refusal(Map::from_iter([(field.to_string(), json!(["Too long."]))]));
            }
        }
        if name.contains('\0') && self.nul_crashes {
            *self.nul_names.lock().unwrap() += 1;
            return ResponseTemplate::new(500).set_body_string("invalid byte sequence");
        }
        let mut names = self.names.lock().unwrap();
        if names.iter().any(|n| n == name) && self.taken != 201 {
            return match self.taken {
                500 => ResponseTemplate::new(500).set_body_string("UNIQUE constraint failed"),
                status => ResponseTemplate::new(status)
                    .set_body_json(json!({"name": ["This name is taken."]})),
            };
        }
        names.push(name.to_string());
        let mut made = self.made.lock().unwrap();
        *made += 1;
        ResponseTemplate::new(201).set_body_json(json!({"id": *made}))
    }
}

/// A NUL in the name crashes the sign-up beside other values and alone: found, with no
/// third request for it (each a password hash on a real backend).
#[tokio::test(flavor = "multi_thread")]
async fn a_crash_seen_beside_other_values_and_alone_is_not_sent_a_third_time() {
    let backend = SignUp {
        nul_crashes: true,
        taken: 201,
        ..SignUp::default()
    };
    let run = crate::tagged_run(SIGN_UP, backend.clone(), "@boundary").await;
    fails_saying(
        &run,
        "sign_up: a server error (500) for a NUL character (body /name)",
    );
    let nul_names = *backend.nul_names.lock().unwrap();
    assert_eq!(nul_names, 2, "{}", run.stdout);
}

/// A create sent twice, as a second click sends it: a second account or a refusal of the
/// name taken is right, a server error (a unique constraint unchecked) is not.
#[tokio::test(flavor = "multi_thread")]
async fn a_create_sent_twice_must_not_crash_on_what_the_first_made() {
    for taken in [201, 400] {
        let run = crate::tagged_run(
            SIGN_UP,
            SignUp {
                taken,
                ..SignUp::default()
            },
            "@boundary",
        )
        .await;
        assert_eq!(run.code, Some(0), "{taken}: {}", run.stdout);
    }
    let run = crate::tagged_run(
        SIGN_UP,
        SignUp {
            taken: 500,
            ..SignUp::default()
        },
        "@boundary",
    )
    .await;
    fails_saying(
        &run,
        "sign_up: a server error (500) for the same request sent again, which it accepted a moment before",
    );
}

const POSTS: &str = r##"openapi: 3.0.3
info: { title: Posts, version: "1" }
paths:
  /posts/:
    post:
      operationId: create_post
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [title]
              properties:
                tags: { type: array, items: { type: string } }
                title: { type: string }
      responses:
        "201": { description: "", content: { application/json: { schema: { type: object, properties: { id: { type: integer } } } } } }
"##;

/// A create that crashes whenever its optional `tags` is left out (the Express Conduit's
/// `tagList`): the cases that set `tags` are taken, every other crashes, whatever its value.
#[derive(Clone, Default)]
struct Posts {
    made: Arc<Mutex<u64>>,
}

impl Respond for Posts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if (request.method.as_str(), request.url.path()) != ("POST", "/posts/") {
            return ResponseTemplate::new(404);
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        if !body["title"].is_string() {
            return refusal(Map::from_iter([(
                "title".to_string(),
                json!(["Required."]),
            )]));
        }
        if !body["tags"].is_array() {
            return ResponseTemplate::new(500)
                .set_body_string("TypeError: Cannot read properties of undefined (reading 'map')");
        }
        let mut made = self.made.lock().unwrap();
        *made += 1;
        ResponseTemplate::new(201).set_body_json(json!({"id": *made}))
    }
}

/// The crash is the operation's, not the title's: the request without any edge value
/// crashes too, though cases that set `tags` were taken beside it.
#[tokio::test(flavor = "multi_thread")]
async fn a_crash_whatever_the_value_is_not_blamed_on_a_value_when_others_were_taken() {
    let run = crate::tagged_run(POSTS, Posts::default(), "@boundary").await;
    fails_saying(
        &run,
        "create_post: a server error (500) for the request without any edge value too",
    );
    assert!(
        !run.stdout.contains("(body /title) the schema admits"),
        "{}",
        run.stdout
    );
}
