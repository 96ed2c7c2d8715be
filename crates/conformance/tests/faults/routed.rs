//! A path whose URL another template routes too: LoopBack's `GET /todos/count` beside
//! `/todos/{id}`, whose `PUT` takes `count` as an id and refuses it (400). The wrong-method
//! probe of the error scenarios sends a method no template routes the path to, so a correct
//! backend passes, and one that answers that method with anything but 405 still fails.

use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Todos, version: 1.0.0 }
paths:
  /todos/count:
    get:
      operationId: countTodos
      responses:
        "200": { description: "", content: { application/json: { schema: { type: object } } } }
  /todos/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getTodo
      responses:
        "200": { description: "", content: { application/json: { schema: { type: object } } } }
        "404": { description: "" }
    put:
      operationId: replaceTodo
      requestBody:
        content: { application/json: { schema: { type: object } } }
      responses:
        "204": { description: "" }
        "404": { description: "" }
  /todos:
    get:
      operationId: listTodos
      responses:
        "200": { description: "", content: { application/json: { schema: { type: array, items: { type: object } } } } }
"##;

/// LoopBack's router, reduced: the routes above, `count` an invalid id, and a method no
/// route has answered 405 with `Allow` (or, `unknown`, 404 as an unknown route).
struct Todos {
    unknown: bool,
}

impl Respond for Todos {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let error = |status: u16, message: &str| {
            ResponseTemplate::new(status)
                .set_body_json(json!({"error": {"statusCode": status, "message": message}}))
        };
        let path = request.url.path();
        let method = request.method.as_str();
        let allowed: &[&str] = match path {
            "/todos" => &["GET"],
            "/todos/count" => &["GET", "PUT"],
            p if p.starts_with("/todos/") => &["GET", "PUT"],
            _ => return error(404, "Endpoint not found"),
        };
        if !allowed.contains(&method) {
            if self.unknown {
                return error(404, "Endpoint not found");
            }
            return error(405, "Method not allowed").insert_header("allow", allowed.join(", "));
        }
        match (method, path) {
            ("GET", "/todos/count") => {
                ResponseTemplate::new(200).set_body_json(json!({"count": 0}))
            }
            ("GET", "/todos") => ResponseTemplate::new(200).set_body_json(json!([])),
            (_, p) if p["/todos/".len()..].parse::<u64>().is_err() => {
                error(400, "Invalid data for parameter \"id\"")
            }
            _ => error(404, "Entity not found"),
        }
    }
}

const WRONG_METHOD: &str = "a request with a wrong method is answered 405";
const EVERY_PATH: &str = "Every path refuses the methods it does not document";

#[tokio::test(flavor = "multi_thread")]
async fn a_method_another_template_routes_the_path_to_is_no_wrong_method() {
    let run = crate::tagged_run(SPEC, Todos { unknown: false }, "@errors").await;
    for scenario in [WRONG_METHOD, EVERY_PATH] {
        assert_eq!(
            run.verdict(scenario),
            "passed",
            "{scenario}: {}",
            run.stdout
        );
    }
    // A router answering a lacking method as an unknown route fails (judged once, where
    // every path is sent the methods it lacks).
    let broken = crate::tagged_run(SPEC, Todos { unknown: true }, "@errors").await;
    assert_eq!(broken.verdict(EVERY_PATH), "failed", "{}", broken.stdout);
    broken.says(&["every method the spec does not document for its path answered 404, not 405 (5 tried: POST /todos/count,"]);
}
