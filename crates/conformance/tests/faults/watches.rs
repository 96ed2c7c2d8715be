//! A website change monitor in changedetection.io's shape (Python, Flask), read from its
//! OpenAPI 3.1 document with its API key:
//! - a watch is created with `allOf: [Watch, {required: [url]}]`, its `url` a `uri` that
//!   `Watch` describes, and the document's example beside the media type
//!   (`{"url": "https://example.com", ...}`), not in the schema;
//! - it answers the create with `{"uuid": ...}`, and lists the watches as one object keyed by
//!   their uuids.
//!
//! - `POST /watch/{uuid}/duplicate` makes a new watch, answered as a read answers one,
//!   whatever its body (a broken one too);
//! - a watch whose title holds a NUL is refused, or, in a broken copy, stored and answered 500;
//! - a broken copy answers a watch's delete 200 and keeps it listed; another answers the
//!   create of a long title, or of the example's, `{}`, naming nothing;
//! - a tag's create of a title the instance has answers that tag (get or create), as the
//!   document's example (`Tech news`, the instance's own tag) asks;
//! - a watch's `tag` names a tag by its title, and one the backend does not have it makes;
//!   the instance has a tag of its own ("Tech news") before the run.
//!
//! A new user's run sends the document's own example as it is, a URL where a URL is asked
//! for, and finds what it made in the keyed list; a backend that leaves a new watch out of
//! its list fails. What the backend made of the run's writes (the tags its watches named)
//! is said after the cleanup, and left, as the instance's own tag is.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.1.0
info: { title: Watches, version: "1" }
security: [ { ApiKeyAuth: [] } ]
paths:
  /watch:
    get:
      operationId: listWatches
      responses:
        "200":
          description: Every watch, keyed by its uuid
          content:
            application/json:
              schema: { type: object, additionalProperties: { $ref: "#/components/schemas/Watch" } }
    post:
      operationId: createWatch
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/CreateWatch" }
            example: { url: "https://example.com", title: Example Site Monitor }
      responses:
        "200":
          description: Created
          content: { application/json: { schema: { type: object, properties: { uuid: { type: string, format: uuid } } } } }
        "400": { description: Invalid input }
  /tags:
    get:
      operationId: listTags
      responses:
        "200":
          description: Every tag, keyed by its uuid
          content:
            application/json:
              schema: { type: object, additionalProperties: { $ref: "#/components/schemas/Tag" } }
  /tag:
    post:
      operationId: createTag
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Tag" }, example: { title: Tech news } } }
      responses:
        "201":
          description: Created
          content: { application/json: { schema: { type: object, properties: { uuid: { type: string, format: uuid } } } } }
        "400": { description: Invalid input }
  /tag/{uuid}:
    parameters:
      - { name: uuid, in: path, required: true, schema: { type: string, format: uuid } }
    get:
      operationId: getTag
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Tag" } } } }
        "404": { description: Not found }
    delete:
      operationId: deleteTag
      responses:
        "200": { description: Deleted }
  /watch/{uuid}:
    parameters:
      - { name: uuid, in: path, required: true, schema: { type: string, format: uuid } }
    get:
      operationId: getWatch
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Watch" } } } }
        "404": { description: Not found }
    delete:
      operationId: deleteWatch
      responses:
        "200": { description: Deleted }
  /watch/{uuid}/duplicate:
    parameters:
      - { name: uuid, in: path, required: true, schema: { type: string, format: uuid } }
    post:
      operationId: duplicateWatch
      requestBody:
        content: { application/json: { schema: { type: object, properties: { copyTitle: { type: boolean } } } } }
      responses:
        "201": { description: The new watch, content: { application/json: { schema: { $ref: "#/components/schemas/Watch" } } } }
        "404": { description: Not found }
components:
  securitySchemes:
    ApiKeyAuth: { type: apiKey, in: header, name: x-api-key }
  schemas:
    Watch:
      type: object
      properties:
        uuid: { type: string, format: uuid, readOnly: true }
        url: { type: string, format: uri, maxLength: 5000 }
        title: { type: [string, "null"], maxLength: 5000 }
        tag: { type: string, maxLength: 100, description: a tag's title; one the instance does not have is made }
    Tag:
      type: object
      required: [title]
      properties:
        title: { type: string, minLength: 1, maxLength: 100 }
    CreateWatch:
      allOf:
        - $ref: "#/components/schemas/Watch"
        - type: object
          required: [url]
"##;

const KEY: &str = "watches-api-key";

#[derive(Clone, Default)]
struct Watches {
    watches: Arc<Mutex<BTreeMap<String, Value>>>,
    last: Arc<Mutex<u64>>,
    /// Leaves a watch out of its list.
    unlisted: bool,
    /// The tags, keyed by uuid: (title).
    tags: Arc<Mutex<BTreeMap<String, String>>>,
    /// Makes a tag for a watch's `tag` it does not have.
    makes_tags: bool,
    /// Stores a watch whose title holds a NUL, then answers 500.
    stores_on_failure: bool,
    /// Answers a watch's delete 200 and keeps it.
    keeps_deleted: bool,
    /// Answers the create of a watch whose title is 1,000 characters or more `{}`, naming
    /// nothing, and stores it.
    nameless_answers: bool,
    /// Leaves the instance's own tag out of the list (archived, say): only its `created`,
    /// years before, says a create answering it did not make it.
    hides_own_tag: bool,
}

impl Watches {
    /// An instance with a tag of its own, as its first start makes one.
    fn with_own_tag(makes_tags: bool) -> Watches {
        let w = Watches {
            makes_tags,
            ..Watches::default()
        };
        w.tags.lock().unwrap().insert(
            "0e0e0e0e-0000-4000-8000-000000000001".into(),
            "Tech news".into(),
        );
        w
    }

    fn uuid(&self) -> String {
        let mut last = self.last.lock().unwrap();
        *last += 1;
        format!("00000000-0000-4000-8000-{:012}", *last)
    }
}

impl Respond for Watches {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            != Some(KEY)
        {
            return ResponseTemplate::new(401)
                .insert_header("www-authenticate", "ApiKey")
                .set_body_json(json!("Invalid API key"));
        }
        let segments: Vec<String> = request
            .url
            .path_segments()
            .map(|s| s.map(String::from).collect())
            .unwrap_or_default();
        let mut watches = self.watches.lock().unwrap();
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", [w]) if w == "watch" => ResponseTemplate::new(200).set_body_json(
                watches
                    .iter()
                    .filter(|_| !self.unlisted)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<serde_json::Map<String, Value>>(),
            ),
            ("POST", [w]) if w == "watch" => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                let url = body.get("url").and_then(Value::as_str).unwrap_or_default();
                let title = body.get("title").cloned().unwrap_or(Value::Null);
                if !(url.starts_with("https://") || url.starts_with("http://"))
                    || url.contains(char::is_whitespace)
                    || url.len() > 5000
                    || !(title.is_null() || title.as_str().is_some_and(|t| t.len() <= 5000))
                {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!("Invalid or unsupported URL"));
                }
                if let Some(tag) = body.get("tag").and_then(Value::as_str)
                    && self.makes_tags
                    && !tag.is_empty()
                {
                    let mut tags = self.tags.lock().unwrap();
                    if !tags.values().any(|t| t == tag) {
                        tags.insert(self.uuid(), tag.to_string());
                    }
                }
                let uuid = self.uuid();
                let nul = title.as_str().is_some_and(|t| t.contains('\0'));
                if nul && !self.stores_on_failure {
                    return ResponseTemplate::new(400).set_body_json(json!("Invalid title"));
                }
                watches.insert(uuid.clone(), json!({"url": url, "title": title}));
                if nul {
                    return ResponseTemplate::new(500).set_body_json(json!("Internal error"));
                }
                if self.nameless_answers
                    && title
                        .as_str()
                        .is_some_and(|t| t.chars().count() >= 1000 || t == "Example Site Monitor")
                {
                    return ResponseTemplate::new(200).set_body_json(json!({}));
                }
                ResponseTemplate::new(200).set_body_json(json!({"uuid": uuid}))
            }
            ("GET", [t]) if t == "tags" => ResponseTemplate::new(200).set_body_json(
                self.tags
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|(k, _)| !(self.hides_own_tag && k.starts_with("0e0e0e0e")))
                    .map(|(k, v)| (k.clone(), json!({"title": v})))
                    .collect::<serde_json::Map<String, Value>>(),
            ),
            ("POST", [t]) if t == "tag" => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                match body.get("title").and_then(Value::as_str) {
                    Some(title) if (1..=100).contains(&title.chars().count()) => {
                        // One of a title the instance has already is that one (get or create).
                        if let Some((uuid, _)) =
                            self.tags.lock().unwrap().iter().find(|(_, t)| *t == title)
                        {
                            let mut answer = json!({"uuid": uuid});
                            if uuid.starts_with("0e0e0e0e") {
                                answer["created"] = json!("2020-01-01T00:00:00Z");
                            }
                            return ResponseTemplate::new(200).set_body_json(answer);
                        }
                        let uuid = self.uuid();
                        self.tags.lock().unwrap().insert(uuid.clone(), title.into());
                        ResponseTemplate::new(201).set_body_json(json!({"uuid": uuid}))
                    }
                    _ => ResponseTemplate::new(400).set_body_json(json!("A title is required")),
                }
            }
            ("GET", [t, id]) if t == "tag" => match self.tags.lock().unwrap().get(id) {
                Some(title) => ResponseTemplate::new(200).set_body_json(json!({"title": title})),
                None => ResponseTemplate::new(404).set_body_json(json!("Tag not found")),
            },
            ("DELETE", [t, id]) if t == "tag" => {
                self.tags.lock().unwrap().remove(id);
                ResponseTemplate::new(200).set_body_json(json!("DELETED"))
            }
            ("POST", [w, id, d]) if w == "watch" && d == "duplicate" => {
                let Some(watch) = watches.get(id).cloned() else {
                    return ResponseTemplate::new(404).set_body_json(json!("Watch not found"));
                };
                let uuid = self.uuid();
                watches.insert(uuid.clone(), watch.clone());
                let mut answer = watch;
                answer["uuid"] = json!(uuid);
                ResponseTemplate::new(201).set_body_json(answer)
            }
            ("GET", [w, id]) if w == "watch" => match watches.get(id) {
                Some(v) => ResponseTemplate::new(200).set_body_json(v),
                None => ResponseTemplate::new(404).set_body_json(json!("Watch not found")),
            },
            ("DELETE", [w, id]) if w == "watch" => {
                if !self.keeps_deleted {
                    watches.remove(id);
                }
                ResponseTemplate::new(200).set_body_json(json!("DELETED"))
            }
            (_, [w, ..]) if w == "watch" => {
                ResponseTemplate::new(405).insert_header("allow", "GET, POST, DELETE")
            }
            _ => ResponseTemplate::new(404).set_body_json(json!("Not found")),
        }
    }
}

async fn run(backend: Watches) -> crate::Run {
    let server = crate::serving(backend).await;
    crate::first_run_with(
        SPEC,
        server.uri(),
        "@behaviour and not @second_user",
        &[("ACCORD_TOKEN", KEY)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_is_made_from_the_document_s_own_example_and_found_in_its_keyed_list() {
    let run = run(Watches::default()).await;
    for scenario in [
        "Valid requests get a documented answer, never a server error",
        "What is created reads back, is listed and updates",
    ] {
        assert_eq!(
            run.verdict(scenario),
            "passed",
            "{scenario}\n{}",
            run.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_left_out_of_its_list_fails() {
    let run = run(Watches {
        unlisted: true,
        ..Watches::default()
    })
    .await;
    assert!(
        run.failed_by(
            "What is created reads back",
            Rule::Listed,
            "does not list the resource"
        ),
        "{}",
        run.stdout
    );
}

/// The tags the backend made of the run's watches are said after the cleanup and left; the
/// instance's own tag is neither named nor touched. A backend that makes none has nothing
/// said.
#[tokio::test(flavor = "multi_thread")]
async fn what_the_backend_made_of_the_run_s_writes_is_said_and_left() {
    let backend = Watches::with_own_tag(true);
    let run = run(backend.clone()).await;
    assert!(
        run.stdout.contains("cleanup: GET /tags lists ")
            && run
                .stdout
                .contains("none of them a resource the run knows it made"),
        "{}",
        run.stdout
    );
    let tags = backend.tags.lock().unwrap().clone();
    assert!(
        tags.values().any(|t| t == "Tech news")
            && !run
                .stdout
                .lines()
                .any(|l| l.contains("did not list before the run")
                    && l.contains("0e0e0e0e-0000-4000-8000-000000000001")),
        "{tags:?}\n{}",
        run.stdout
    );
    let quiet = run_plain(Watches::with_own_tag(false)).await;
    assert!(
        !quiet.contains("none of them a resource the run knows it made"),
        "{quiet}"
    );
}

/// A watch's duplicate, made by `POST /watch/{uuid}/duplicate` (not the watches' create), is
/// deleted with the rest, the ones the broken-input pass made too: the backend holds none
/// of the run's watches after it.
#[tokio::test(flavor = "multi_thread")]
async fn what_another_operation_makes_of_a_kind_is_deleted_with_the_rest() {
    let backend = Watches::default();
    let run = run(backend.clone()).await;
    let left = backend.watches.lock().unwrap().clone();
    assert!(
        run.stdout.contains("duplicateWatch") && left.is_empty(),
        "{left:?}\n{}",
        run.stdout
    );
}

/// A watch the backend stores though it answers its create 500 holds the run's text: it is
/// said, with the write that made it, and deleted; a backend that refuses the same create
/// has nothing said.
#[tokio::test(flavor = "multi_thread")]
async fn what_a_create_answered_500_stored_all_the_same_is_said_and_deleted() {
    let backend = Watches {
        stores_on_failure: true,
        ..Watches::default()
    };
    let run = run(backend.clone()).await;
    let left = backend.watches.lock().unwrap().clone();
    assert!(
        run.stdout.contains(
            "item(s) holding the text of a write of the run's that did not name them (POST /watch answered 500, a server error, yet made "
        ) && left.is_empty(),
        "{left:?}\n{}",
        run.stdout
    );
    let quiet = run_plain(Watches::default()).await;
    assert!(!quiet.contains("holding the text of a write"), "{quiet}");
}

/// A watch made by a create whose answer names nothing (`{}`) holds the run's text: it is
/// said, with the write that made it, and deleted. One whose text is the document's own
/// example is anyone's who tried the API from its documentation: said and left.
#[tokio::test(flavor = "multi_thread")]
async fn what_a_create_made_without_naming_it_is_said_and_deleted() {
    let backend = Watches {
        nameless_answers: true,
        ..Watches::default()
    };
    let run = run(backend.clone()).await;
    let left = backend.watches.lock().unwrap().clone();
    assert!(
        run.stdout
            .contains("(POST /watch answered 200 without naming what it made: ")
            && !left.is_empty()
            && left
                .values()
                .all(|w| w["title"] == json!("Example Site Monitor"))
            && run.stdout.contains("cleanup: GET /watch lists ")
            && run.stdout.contains("it did not list before the run"),
        "{left:?}\n{}",
        run.stdout
    );
}

/// Watches the run made and deleted that the list still names after the run are said; a
/// backend that deletes them has nothing said.
#[tokio::test(flavor = "multi_thread")]
async fn what_the_run_deleted_and_is_still_listed_is_said() {
    let run = run(Watches {
        keeps_deleted: true,
        ..Watches::default()
    })
    .await;
    assert!(
        run.stdout.contains("cleanup: GET /watch still lists ")
            && run.stdout.contains("item(s) the run made and deleted"),
        "{}",
        run.stdout
    );
    let quiet = run_plain(Watches::default()).await;
    assert!(!quiet.contains("still lists"), "{quiet}");
}

/// A create that answers what the instance had already (a tag of a title it holds: get or
/// create, as the document's own example asks for "Tech news") is said and never deleted.
#[tokio::test(flavor = "multi_thread")]
async fn what_a_create_answers_that_was_there_before_the_run_is_left_alone() {
    let backend = Watches::with_own_tag(false);
    let run = run(backend.clone()).await;
    let tags = backend.tags.lock().unwrap().clone();
    assert!(
        tags.get("0e0e0e0e-0000-4000-8000-000000000001").map(String::as_str) == Some("Tech news")
            && run.stdout.contains(
                "createTag answered 200 with /tag/0e0e0e0e-0000-4000-8000-000000000001, which was there before the run (GET /tags listed it before the run)"
            ),
        "{tags:?}\n{}",
        run.stdout
    );
}

/// The same where the list leaves the instance's tag out: the answer's `created`, years
/// before the backend's `Date`, says the create answered what was there.
#[tokio::test(flavor = "multi_thread")]
async fn what_a_create_answers_made_years_before_is_left_alone() {
    let backend = Watches {
        hides_own_tag: true,
        ..Watches::with_own_tag(false)
    };
    let run = run(backend.clone()).await;
    let tags = backend.tags.lock().unwrap().clone();
    assert!(
        tags.get("0e0e0e0e-0000-4000-8000-000000000001").map(String::as_str) == Some("Tech news")
            && run.stdout.contains(
                "which was there before the run (its `created` (2020-01-01T00:00:00Z) is well before the backend's `Date` of the answer)"
            ),
        "{tags:?}\n{}",
        run.stdout
    );
}

async fn run_plain(backend: Watches) -> String {
    run(backend).await.stdout
}
