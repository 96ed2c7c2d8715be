//! A boolean filter that crashes on `false` alone, as Python's `if done:` where
//! `if done is not None:` was meant does (Litestar's to-do example, broken): the boundary
//! pass sends both values of every boolean, and finds it.

use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.1.0
info: { title: Todos, version: "1" }
paths:
  /todos:
    get:
      operationId: list_todos
      parameters:
        - { name: done, in: query, schema: { oneOf: [ { type: boolean }, { type: "null" } ] } }
      responses:
        "200":
          description: the todos
          content: { application/json: { schema: { type: array, items: { type: string } } } }
"##;

struct Todos {
    crash_on_false: bool,
}

impl Respond for Todos {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path() != "/todos" {
            return ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"}));
        }
        let done = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "done")
            .map(|(_, v)| v.into_owned());
        match done.as_deref() {
            Some("false") if self.crash_on_false => {
                ResponseTemplate::new(500).set_body_json(json!({"detail": "Internal Server Error"}))
            }
            None | Some("true") | Some("false") => {
                ResponseTemplate::new(200).set_body_json(json!(["a"]))
            }
            Some(_) => {
                ResponseTemplate::new(400).set_body_json(json!({"detail": "done: a boolean"}))
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_boolean_gets_both_values_at_the_boundary() {
    let broken = crate::tagged_run(
        SPEC,
        Todos {
            crash_on_false: true,
        },
        "@boundary",
    )
    .await;
    assert!(
        broken.failed_by(
            "Boundary inputs never crash the backend",
            accord_conformance::rules::Rule::Boundary,
            "a server error (500) for false (query parameter `done`)"
        ),
        "{}",
        broken.stdout
    );
    let correct = crate::tagged_run(
        SPEC,
        Todos {
            crash_on_false: false,
        },
        "@boundary",
    )
    .await;
    assert_eq!(correct.code, Some(0), "{}", correct.stdout);
}
