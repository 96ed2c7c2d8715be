//! A list with the filters Django REST framework's django-filter gives it: each checks its
//! own value and a refusal names every filter it refuses (`{"start": ["Enter a valid
//! date/time."]}`), before the query runs with the rest. The spec types each filter as a
//! plain string, so what a filter refuses is the backend's to refuse; the query's own
//! crash (a NUL in a text filter, which PostgreSQL refuses) must still be found.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Readings, version: "1" }
paths:
  /readings:
    get:
      operationId: listReadings
      parameters:
        - { name: start, in: query, schema: { type: string } }
        - { name: end, in: query, schema: { type: string } }
        - { name: child, in: query, schema: { type: string } }
        - { name: kind, in: query, schema: { type: string } }
        - { name: name, in: query, schema: { type: string } }
      responses:
        "200":
          description: the readings
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  required: [id, name]
                  properties: { id: { type: integer }, name: { type: string } }
        "400":
          description: a filter refused
          content:
            application/json:
              schema: { type: object, additionalProperties: { type: array, items: { type: string } } }
"##;

#[derive(Clone, Default)]
struct Readings {
    /// Whether a NUL in the `name` filter crashes the query (500).
    nul_crashes: bool,
    /// How many requests reached the list.
    calls: Arc<Mutex<usize>>,
}

impl Respond for Readings {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path() != "/readings" {
            return ResponseTemplate::new(404);
        }
        if request.method.as_str() != "GET" {
            return ResponseTemplate::new(405).insert_header("allow", "GET");
        }
        *self.calls.lock().unwrap() += 1;
        let mut refused = Map::new();
        let mut name = String::new();
        for (key, value) in request.url.query_pairs() {
            let date = |v: &str| v.len() == 10 && v.chars().all(|c| c.is_ascii_digit() || c == '-');
            let why = match key.as_ref() {
                "start" | "end" if !value.is_empty() && !date(&value) => "Enter a valid date.",
                "child" if !value.is_empty() && value.parse::<u32>().is_err() => {
                    "Select a valid choice."
                }
                "kind" if !matches!(value.as_ref(), "" | "wet" | "solid") => {
                    "Select a valid choice."
                }
                "name" if value.contains('\0') && !self.nul_crashes => {
                    "Null characters are not allowed."
                }
                "name" => {
                    name = value.to_string();
                    continue;
                }
                _ => continue,
            };
            refused.insert(key.to_string(), json!([why]));
        }
        if !refused.is_empty() {
            return ResponseTemplate::new(400).set_body_json(Value::Object(refused));
        }
        if name.contains('\0') {
            return ResponseTemplate::new(500)
                .set_body_string("A string literal cannot contain NUL");
        }
        ResponseTemplate::new(200).set_body_json(json!([{ "id": 1, "name": "first" }]))
    }
}

/// The boundary pass over the list: each filter's refused values settled by the refusal
/// that names them (one request for the NULs of all five filters, not six), and the NUL a
/// filter's check lets through to the query that crashes on it found alone.
#[tokio::test(flavor = "multi_thread")]
async fn refusals_naming_their_filters_settle_them_and_hide_no_crash() {
    let correct = Readings::default();
    let run = crate::tagged_run(SPEC, correct.clone(), "@boundary").await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let calls = *correct.calls.lock().unwrap();
    assert!(calls <= 25, "{calls} requests to the list:\n{}", run.stdout);
    let broken = Readings {
        nul_crashes: true,
        ..Readings::default()
    };
    let run = crate::tagged_run(SPEC, broken, "@boundary").await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "listReadings: a server error (500) for a NUL character (query parameter `name`)"
        ),
        "{}",
        run.stdout
    );
}
