//! Values sent together must not hide what one of them does alone, nor cost a request each
//! for one field's refusals. A list's filter that matches nothing answers an empty page: a
//! `limit` the backend crashes on where it has rows (Django's `limit=2^64`) then passes
//! unseen unless each value goes alone. A create whose one field
//! refuses every edge value (a code checked against a table) names that field in its
//! refusal: the others go together again, not one request apiece.

use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Masked, version: 1.0.0 }
paths:
  /api/rows:
    get:
      operationId: list_rows
      parameters:
        - { name: name, in: query, schema: { type: string } }
        - { name: colour, in: query, schema: { type: string } }
        - { name: limit, in: query, schema: { type: integer } }
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Page" } } } }
        "400": { description: "", content: { application/json: { schema: { type: object } } } }
    post:
      operationId: create_row
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: { type: string }
                colour: { type: string }
                note: { type: string }
                shelf: { type: string }
                code: { type: integer }
      responses:
        "201": { description: "", content: { application/json: { schema: { type: object } } } }
        "400": { description: "", content: { application/json: { schema: { type: object } } } }
components:
  schemas:
    Page:
      type: object
      required: [count, results]
      properties:
        count: { type: integer }
        results: { type: array, items: { type: object, properties: { name: { type: string } } } }
"##;

#[derive(Clone, Default)]
struct Shelf {
    posts: Arc<Mutex<usize>>,
    /// Refuses a `code` it has no row for, naming the field, as DRF does.
    checks_code: bool,
    /// Whether a limit of any size is served (no overflow).
    wide_limits: bool,
    /// How many reads of the list arrived.
    reads: Arc<Mutex<usize>>,
}

const ROWS: [&str; 3] = ["oak", "elm", "ash"];

impl Respond for Shelf {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match (request.method.as_str(), request.url.path()) {
            ("GET", "/api/rows") => {
                *self.reads.lock().unwrap() += 1;
                let query = |name: &str| {
                    request
                        .url
                        .query_pairs()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.into_owned())
                };
                let limit = match query("limit").map(|v| v.parse::<i128>()) {
                    Some(Err(_)) => {
                        return ResponseTemplate::new(400)
                            .set_body_json(json!({"limit": "not a number"}));
                    }
                    limit => limit.and_then(Result::ok),
                };
                // The filters: a name or a colour that matches no row empties the page.
                let rows: Vec<&str> = ROWS
                    .iter()
                    .copied()
                    .filter(|r| query("name").is_none_or(|n| n.is_empty() || *r == n))
                    .filter(|_| query("colour").is_none_or(|c| c.is_empty() || c == "brown"))
                    .collect();
                // The page's slice goes to the database only when there are rows to slice:
                // a limit past the 64-bit maximum overflows there.
                if !rows.is_empty()
                    && !self.wide_limits
                    && limit.is_some_and(|l| l > i128::from(i64::MAX))
                {
                    return ResponseTemplate::new(500);
                }
                let results: Vec<Value> = rows.iter().map(|r| json!({"name": r})).collect();
                ResponseTemplate::new(200)
                    .set_body_json(json!({"count": results.len(), "results": results}))
            }
            ("POST", "/api/rows") => {
                *self.posts.lock().unwrap() += 1;
                let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                if !body.get("name").is_some_and(Value::is_string) {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"name": ["This field is required."]}));
                }
                let code = body.get("code");
                if self.checks_code
                    && code.is_some_and(|c| c.as_i64().is_none_or(|c| !(1..=9).contains(&c)))
                {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"code": ["No such code."]}));
                }
                ResponseTemplate::new(201).set_body_json(body)
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"detail": "not found"})),
        }
    }
}

async fn boundary(backend: Shelf) -> crate::Run {
    crate::tagged_run(SPEC, backend, "@boundary").await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_limit_that_crashes_a_list_with_rows_is_found_beside_filters_that_empty_it() {
    let run = boundary(Shelf::default()).await;
    assert!(
        run.failed_by(
            "Boundary inputs",
            Rule::Boundary,
            "list_rows: a server error (500) for past the 64-bit maximum (query parameter `limit`)"
        ),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_field_its_refusals_name_goes_alone_and_the_rest_together() {
    let backend = Shelf {
        checks_code: true,
        ..Shelf::default()
    };
    let run = boundary(backend.clone()).await;
    // The code's refusals are the spec's gap (it admits any integer); nothing crashes.
    assert!(
        !run.stdout.contains("create_row: a server error"),
        "{}",
        run.stdout
    );
    // Each request with a code among its values, split into one request apiece, made 33
    // creates at seed 7; the rest together again, 18.
    let posts = *backend.posts.lock().unwrap();
    assert!(posts <= 24, "{posts} creates\n{}", run.stdout);
}

/// A page that the filters emptied sends its numbers alone, not the text it took: the
/// limits that reach rows are each tried, and the filters' kinds of text hold together.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_the_filters_emptied_sends_its_numbers_alone_and_nothing_else() {
    let backend = Shelf {
        wide_limits: true,
        ..Shelf::default()
    };
    let run = boundary(backend.clone()).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let reads = *backend.reads.lock().unwrap();
    assert!(reads <= 24, "{reads} reads of the list\n{}", run.stdout);
}
