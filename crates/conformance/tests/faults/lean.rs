//! The boundary pass spends requests where they tell something: a list of six text filters
//! (as Django's lists take) gets its filters' admitted edge values together, a few to a
//! request, and each alone only where that request is not accepted, so that a crash on one
//! filter's value is still found and named; an operation whose method the route does not
//! allow (405, whatever the input) is not sent every case.

use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Lean, version: 1.0.0 }
paths:
  /api/items:
    get:
      operationId: list_items
      parameters:
        - { name: a, in: query, schema: { type: string } }
        - { name: b, in: query, schema: { type: string } }
        - { name: c, in: query, schema: { type: string } }
        - { name: d, in: query, schema: { type: string } }
        - { name: e, in: query, schema: { type: string } }
        - { name: f, in: query, schema: { type: string } }
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 100 } }
      responses:
        "200": { description: "", content: { application/json: { schema: { type: array, items: { type: object } } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    post:
      operationId: create_item
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties: { name: { type: string, maxLength: 20 }, size: { type: integer } }
      responses:
        "200": { description: "", content: { application/json: { schema: { type: object } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
components:
  schemas:
    Error:
      type: object
      required: [message]
      properties: { message: { type: string } }
"##;

#[derive(Clone, Default)]
struct Lean {
    lists: Arc<Mutex<usize>>,
    posts: Arc<Mutex<usize>>,
    /// Crashes on a NUL in filter `d`.
    crashes_on_d: bool,
    /// Takes any `limit`, even one the schema refuses, as a lenient list does.
    lenient: bool,
}

impl Respond for Lean {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match (request.method.as_str(), request.url.path()) {
            ("GET", "/api/items") => {
                *self.lists.lock().unwrap() += 1;
                let nul_in_d = request
                    .url
                    .query_pairs()
                    .any(|(k, v)| k == "d" && v.contains('\0'));
                if self.crashes_on_d && nul_in_d {
                    return ResponseTemplate::new(500);
                }
                let limit = request.url.query_pairs().find(|(k, _)| k == "limit");
                let refused = limit.is_some_and(|(_, v)| {
                    v.parse::<i64>().map_or(true, |n| !(1..=100).contains(&n))
                });
                if refused && !self.lenient {
                    return ResponseTemplate::new(400).set_body_json(json!({"message": "limit"}));
                }
                ResponseTemplate::new(200).set_body_json(json!([]))
            }
            ("POST", _) => {
                *self.posts.lock().unwrap() += 1;
                ResponseTemplate::new(405)
                    .insert_header("allow", "GET")
                    .set_body_json(json!({"message": "method not allowed"}))
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})),
        }
    }
}

async fn boundary(backend: Lean) -> crate::Run {
    crate::tagged_run(SPEC, backend, "@boundary").await
}

/// The broken-input pass alone against `backend`.
async fn broken_inputs(backend: Lean) -> crate::Run {
    crate::tagged_run(
        SPEC,
        backend,
        "@behaviour and not @boundary and not @positive and not @writes and not @roles and not @expiry",
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn admitted_filter_values_go_together_and_a_405_ends_the_operation_s_cases() {
    let backend = Lean::default();
    let run = boundary(backend.clone()).await;
    assert!(
        run.stdout.contains("tag @behaviour 1 passed, 0 failed"),
        "{}",
        run.stdout
    );
    // Six filters of a dozen edge values each and a limit's, one request apiece, would be
    // over seventy; the limit's refused values still go one at a time.
    let lists = *backend.lists.lock().unwrap();
    assert!(lists <= 30, "{lists} list requests\n{}", run.stdout);
    // The route allows no POST: its first case says so for every other (the cases sent at
    // once with it, as many as `behaviour.concurrency`, are in flight already).
    let posts = *backend.posts.lock().unwrap();
    assert!(posts <= 4, "{posts} POST requests\n{}", run.stdout);
    assert!(
        run.stdout
            .contains("create_item is left out of the rest of the boundary pass"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_on_one_filter_sent_with_others_is_found_and_named() {
    let run = boundary(Lean {
        crashes_on_d: true,
        ..Lean::default()
    })
    .await;
    assert!(
        run.failed_by(
            "Boundary inputs",
            Rule::Boundary,
            "a server error (500) for a NUL character (query parameter `d`)"
        ),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_405_ends_the_operation_s_broken_inputs_too() {
    let backend = Lean::default();
    let run = broken_inputs(backend.clone()).await;
    let posts = *backend.posts.lock().unwrap();
    assert!(posts <= 1, "{posts} POST requests\n{}", run.stdout);
    assert!(
        run.stdout
            .contains("create_item is left out of the rest of the broken-input pass"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_405_ends_the_operation_s_generated_calls_too() {
    let backend = Lean::default();
    let run = crate::tagged_run(SPEC, backend.clone(), "@positive").await;
    let posts = *backend.posts.lock().unwrap();
    assert!(posts <= 1, "{posts} POST requests\n{}", run.stdout);
    assert!(
        run.stdout
            .contains("create_item is left out of the rest of the generated calls: the backend answers its own example 405"),
        "{}",
        run.stdout
    );
}

/// A list that takes a `limit` the schema refuses fails at the first such input, and its
/// search stops there: the others could only say it again.
#[tokio::test(flavor = "multi_thread")]
async fn the_broken_input_pass_stops_an_operation_at_its_first_failure() {
    let backend = Lean {
        lenient: true,
        ..Lean::default()
    };
    let run = broken_inputs(backend.clone()).await;
    assert!(
        run.failed_by("break one constraint", Rule::Negative, "list_items: "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "note: behaviour: list_items: the broken-input pass stopped at its first failure"
        ),
        "{}",
        run.stdout
    );
    let lists = *backend.lists.lock().unwrap();
    assert!(lists <= 2, "{lists} list requests\n{}", run.stdout);
}
