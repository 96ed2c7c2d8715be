//! A backend that stops answering in time under the run, in the way of Prefect's server
//! (Python, FastAPI + SQLite) whose in-memory event queue filled: once a search for text
//! with a NUL comes in, every request after it, and that one, waits past any timeout. The
//! run says so once, as `behaviour.crash`, naming the requests that timed out in a row, and
//! stops piling requests on it; the scenarios that met nothing else are not judged.
//!
//! Beside it, one whose base URL still answers once it stalls, while every read of its
//! items hangs (Semaphore's, its database locked): the run tells it by a read that answered
//! before, sent again, and says the stall too.
//!
//! Beside them, a backend on which only that search hangs, for any text but letters and
//! digits (several requests in a row time out): its base URL and every other route answer,
//! so the hang is that operation's, and no stall is said.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use accord_conformance::rules::Rule;
use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Items, version: "1" }
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - { name: q, in: query, schema: { type: string } }
      responses:
        "200":
          description: The items
          content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Item" } } } }
  /items/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getItem
      responses:
        "200": { description: The item, content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } } }
        "404": { description: Not found, content: { application/json: { schema: { type: object } } } }
components:
  schemas:
    Item:
      type: object
      properties:
        id: { type: integer }
        name: { type: string }
"##;

#[derive(Clone)]
struct Items {
    /// Whether the whole backend stops answering after a NUL search (else only that
    /// search hangs).
    whole: bool,
    /// Whether its base URL answers while it is stalled (its reads alone hang).
    base_answers: bool,
    stalled: Arc<AtomicBool>,
    /// The requests that came in while it was stalled.
    while_stalled: Arc<AtomicUsize>,
}

const WAIT: Duration = Duration::from_secs(30);

impl Respond for Items {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let nul = request
            .url
            .query_pairs()
            .any(|(k, v)| k == "q" && v.contains('\0'));
        if nul && self.whole {
            self.stalled.store(true, Ordering::SeqCst);
        }
        if self.stalled.load(Ordering::SeqCst) {
            self.while_stalled.fetch_add(1, Ordering::SeqCst);
        }
        // Where only the search hangs, it hangs on any text but letters and digits: the
        // boundary pass meets it several times in a row.
        let odd = request
            .url
            .query_pairs()
            .any(|(k, v)| k == "q" && v.chars().any(|c| !c.is_ascii_alphanumeric()));
        let spared = self.base_answers && !request.url.path().starts_with("/items");
        if nul || (odd && !self.whole) || (self.stalled.load(Ordering::SeqCst) && !spared) {
            return ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(WAIT);
        }
        match request.url.path() {
            "/items" => ResponseTemplate::new(200).set_body_json(json!([{"id": 1, "name": "a"}])),
            "/items/1" => ResponseTemplate::new(200).set_body_json(json!({"id": 1, "name": "a"})),
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})),
        }
    }
}

async fn run(whole: bool, base_answers: bool) -> (crate::Run, Duration, usize) {
    let backend = Items {
        whole,
        base_answers,
        stalled: Arc::new(AtomicBool::new(false)),
        while_stalled: Arc::new(AtomicUsize::new(0)),
    };
    let server = crate::serving(backend.clone()).await;
    let (dir, profile) = crate::spec_and_profile(
        SPEC,
        "spec.yaml",
        "request_timeout_secs = 1\ndeadline_secs = 60\n\n[behaviour]\nexamples = 3\nexpiry_wait_secs = 0\n",
    );
    let started = Instant::now();
    let run = crate::harness_in(
        profile,
        server.uri(),
        vec!["--tags".into(), "@behaviour".into()],
        dir,
    )
    .await;
    let sent = backend.while_stalled.load(Ordering::SeqCst);
    (run, started.elapsed(), sent)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_that_stops_answering_in_time_is_said_once_and_spared() {
    let (run, took, sent) = run(true, false).await;
    assert!(
        run.failed_by(
            "The backend stays up",
            Rule::Crash,
            "it stopped answering in time"
        ) && run.stdout.contains("GET /items?q=")
            && run
                .stdout
                .contains("(not judged: the backend went down under the run"),
        "{}",
        run.stdout
    );
    assert!(took < Duration::from_secs(45), "the run took {took:?}");
    // Those in flight when it stalled (two scenarios at once, four lanes each, and what a
    // lane sent before the base URL's GET began), that GET, and a probe now and then; not
    // every request the run had left. Nothing is sent while that GET is out (6 to 9 here
    // on a loaded machine; 10 to 14 when the lanes went on sending meanwhile).
    assert!(
        sent <= 12,
        "{sent} requests sent to the stalled backend\n{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_route_that_hangs_is_no_stall() {
    let (run, _, _) = run(false, false).await;
    assert!(
        !run.failed_by("", Rule::Crash, "") && !run.stdout.contains("stopped answering in time"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stall_behind_a_base_url_that_still_answers_is_said_too() {
    let (run, took, _) = run(true, true).await;
    assert!(
        run.failed_by(
            "The backend stays up",
            Rule::Crash,
            "it stopped answering in time"
        ),
        "{}",
        run.stdout
    );
    assert!(took < Duration::from_secs(45), "the run took {took:?}");
}

const RULES: &str = r##"openapi: 3.0.3
info: { title: Rules, version: "1" }
paths:
  /rules:
    get:
      operationId: listRules
      responses:
        "200":
          description: The rules
          content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Rule" } } } }
    post:
      operationId: createRule
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Rule" } } }
      responses:
        "201": { description: The rule, content: { application/json: { schema: { $ref: "#/components/schemas/Rule" } } } }
components:
  schemas:
    Rule:
      type: object
      required: [pattern]
      properties:
        id: { type: integer, readOnly: true }
        pattern: { type: string, description: what events the rule reacts to }
"##;

/// Rules that react to events, in the way of Prefect's automations: one whose pattern is
/// empty reacts to every event, its own too, and once it is taken (201) the server answers
/// nothing more.
#[derive(Clone, Default)]
struct Rules {
    stalled: Arc<AtomicBool>,
}

impl Respond for Rules {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if self.stalled.load(Ordering::SeqCst) {
            return ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(WAIT);
        }
        match (request.method.as_str(), request.url.path()) {
            ("POST", "/rules") => {
                let body: serde_json::Value =
                    serde_json::from_slice(&request.body).unwrap_or_default();
                let Some(pattern) = body.get("pattern").and_then(|p| p.as_str()) else {
                    return ResponseTemplate::new(422).set_body_json(json!({"message": "pattern"}));
                };
                if pattern.is_empty() {
                    self.stalled.store(true, Ordering::SeqCst);
                }
                ResponseTemplate::new(201).set_body_json(json!({"id": 1, "pattern": pattern}))
            }
            ("GET", "/rules") => ResponseTemplate::new(200).set_body_json(json!([])),
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stall_names_the_last_writes_the_backend_took_before_it() {
    let server = crate::serving(Rules::default()).await;
    let (dir, profile) = crate::spec_and_profile(
        RULES,
        "spec.yaml",
        "request_timeout_secs = 1\ndeadline_secs = 60\n\n[behaviour]\nexamples = 3\nexpiry_wait_secs = 0\n",
    );
    let run = crate::harness_in(
        profile,
        server.uri(),
        vec!["--tags".into(), "@boundary".into()],
        dir,
    )
    .await;
    assert!(
        run.failed_by(
            "The backend stays up",
            Rule::Crash,
            "the last writes it took before, whose work it may still have been doing: "
        ) && run.stdout.contains(r#"POST /rules {"pattern":""} (201), "#),
        "{}",
        run.stdout
    );
}

const SLOW: &str = r##"openapi: 3.0.3
info: { title: Slow, version: "1" }
paths:
  /items:
    get:
      operationId: listItems
      responses:
        "200":
          description: The items
          content: { application/json: { schema: { type: array, items: { type: object, properties: { id: { type: integer } } } } } }
  /reports:
    get:
      operationId: listReports
      responses:
        "200": { description: The reports, content: { application/json: { schema: { type: array, items: { type: object } } } } }
"##;

/// Its reports wait on what it cannot reach (an address a webhook names), past any timeout;
/// its items are a server error.
struct Slow;

impl Respond for Slow {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match request.url.path() {
            "/reports" => ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(WAIT),
            "/items" => ResponseTemplate::new(500).set_body_json(json!({"message": "boom"})),
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_route_that_hangs_is_its_own_problem_and_the_pass_goes_on() {
    let server = crate::serving(Slow).await;
    let (dir, profile) = crate::spec_and_profile(
        SLOW,
        "spec.yaml",
        "request_timeout_secs = 1\ndeadline_secs = 60\n\n[behaviour]\nexamples = 2\nexpiry_wait_secs = 0\n",
    );
    let run = crate::harness_in(
        profile,
        server.uri(),
        vec!["--tags".into(), "@positive".into()],
        dir,
    )
    .await;
    const POSITIVE: &str = "Valid requests get a documented answer";
    assert!(
        run.failed_by(
            POSITIVE,
            Rule::Positive,
            "listReports: no answer: GET /reports"
        ) && run.failed_by(POSITIVE, Rule::Positive, "listItems: a server error (500)")
            && !run.failed_by("", Rule::Transport, ""),
        "{}",
        run.stdout
    );
}

const HOOKS: &str = r##"openapi: 3.0.3
info: { title: Hooks, version: "1" }
paths:
  /hooks:
    post:
      operationId: createHook
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Hook" } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Hook" } } } }
  /hooks/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getHook
      responses:
        "200": { description: the hook, content: { application/json: { schema: { $ref: "#/components/schemas/Hook" } } } }
  /notes:
    post:
      operationId: createNote
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
  /notes/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getNote
      responses:
        "200": { description: the note, content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
components:
  schemas:
    Hook:
      type: object
      properties: { id: { type: integer, readOnly: true }, url: { type: string } }
    Note:
      type: object
      properties: { id: { type: integer, readOnly: true }, title: { type: string } }
"##;

/// A hook's create waits on the address it names, past any timeout; notes are made and read.
#[derive(Default)]
struct Hooks {
    notes: std::sync::Mutex<Vec<serde_json::Value>>,
}

impl Respond for Hooks {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut notes = self.notes.lock().unwrap();
        match (request.method.as_str(), request.url.path()) {
            ("POST", "/hooks") => ResponseTemplate::new(201)
                .set_body_json(json!({"id": 1, "url": "u"}))
                .set_delay(WAIT),
            ("POST", "/notes") => {
                let body: serde_json::Value =
                    serde_json::from_slice(&request.body).unwrap_or_default();
                let note = json!({"id": notes.len() + 1, "title": body["title"]});
                notes.push(note.clone());
                ResponseTemplate::new(201).set_body_json(note)
            }
            ("GET", path) if path.starts_with("/notes/") => {
                let id = path.trim_start_matches("/notes/");
                match notes
                    .iter()
                    .find(|n| id.parse::<u64>().is_ok_and(|i| n["id"] == i))
                {
                    Some(n) => ResponseTemplate::new(200).set_body_json(n),
                    None => ResponseTemplate::new(404).set_body_json(json!({"message": "none"})),
                }
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_that_gets_no_answer_is_its_kind_s_failure_and_the_others_are_checked() {
    let server = crate::serving(Hooks::default()).await;
    let (dir, profile) = crate::spec_and_profile(
        HOOKS,
        "spec.yaml",
        "request_timeout_secs = 1\ndeadline_secs = 60\n\n[behaviour]\nexamples = 2\nexpiry_wait_secs = 0\n",
    );
    let run = crate::harness_in(
        profile,
        server.uri(),
        vec![
            "--tags".into(),
            "@behaviour and @writes and not @second_user".into(),
        ],
        dir,
    )
    .await;
    const CHAIN: &str = "What is created reads back, is listed and updates";
    assert!(
        run.failed_by(CHAIN, Rule::Created, "createHook got no answer")
            && !run.failed_by("", Rule::Transport, "")
            && run.stdout.contains("each reads back as written"),
        "{}",
        run.stdout
    );
}

const SECURED: &str = r##"openapi: 3.0.3
info: { title: Node, version: "1" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    Error:
      type: object
      required: [message]
      properties: { message: { type: string } }
  responses:
    Refused:
      description: no valid token
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
security: [{ bearer: [] }]
paths:
  /items:
    get:
      operationId: listItems
      responses:
        "200": { description: The items, content: { application/json: { schema: { type: array, items: { type: object } } } } }
        "401": { $ref: "#/components/responses/Refused" }
  /channels:
    get:
      operationId: listChannels
      responses:
        "200": { description: The node's channels, content: { application/json: { schema: { type: array, items: { type: object } } } } }
        "401": { $ref: "#/components/responses/Refused" }
"##;

/// Its channels wait on a node it cannot reach, past any timeout, whatever the token; its
/// items refuse a request without the valid token, or, when `open`, answer it all the same.
struct Node {
    open: bool,
}

impl Respond for Node {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let valid = request
            .headers
            .get("authorization")
            .is_some_and(|v| v.as_bytes() == b"Bearer node-token");
        match request.url.path() {
            "/channels" => ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(WAIT),
            "/items" if valid || self.open => ResponseTemplate::new(200).set_body_json(json!([])),
            "/items" => ResponseTemplate::new(401)
                .insert_header("www-authenticate", "Bearer error=\"invalid_token\"")
                .set_body_json(json!({"message": "not signed in"})),
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})),
        }
    }
}

async fn node_auth(open: bool) -> crate::Run {
    let server = crate::serving(Node { open }).await;
    let (dir, profile) = crate::spec_and_profile(
        SECURED,
        "spec.yaml",
        "request_timeout_secs = 1\ndeadline_secs = 60\n\n[auth]\nkind = \"static\"\ntoken_env = \"ACCORD_NODE_TOKEN\"\n",
    );
    crate::harness_in_env(
        profile,
        server.uri(),
        vec!["--tags".into(), "@auth and not @expiry".into()],
        dir,
        &[("ACCORD_NODE_TOKEN", "node-token")],
    )
    .await
}

/// One secured route that never answers is noted, and the authentication checks judge the
/// others: the backend above passes them, its copy that answers its items without a token
/// fails `auth.status` for them. Before, every scenario that calls each secured operation
/// ended at that route (`rule transport`), and none of their verdicts was given.
#[tokio::test(flavor = "multi_thread")]
async fn one_secured_route_that_hangs_leaves_the_others_judged() {
    let run = node_auth(false).await;
    assert!(
        !run.failed_by("", Rule::Transport, "")
            && run.verdict("Secured operations refuse no token") == "passed"
            && run.verdict("A valid token is accepted") == "passed"
            && run.stdout.contains("listChannels: no answer"),
        "{}",
        run.stdout
    );
    let open = node_auth(true).await;
    assert!(
        open.failed_by(
            "Secured operations refuse no token",
            Rule::AuthStatus,
            "listItems"
        ) && !open.failed_by("", Rule::Transport, ""),
        "{}",
        open.stdout
    );
}
