//! A list that answers 404 in its JSON envelope without a filter its spec leaves optional
//! (Label Studio's `GET /api/ml/`: `No Project matches the given query.`), where an unknown
//! route is an HTML page: the failure says the route is served and finds nothing for what
//! the request leaves out, not that the backend does not serve it.

use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Backends, version: 1.0.0 }
paths:
  /backends:
    get:
      operationId: listBackends
      parameters:
        - { name: project, in: query, schema: { type: integer } }
      responses:
        "200":
          description: the machine-learning backends of a project
          content:
            application/json:
              schema: { type: array, items: { type: object, properties: { id: { type: integer } } } }
"##;

struct Lookup;

impl Respond for Lookup {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path() != "/backends" {
            return ResponseTemplate::new(404)
                .set_body_raw("<!doctype html><title>404 | Backends</title>", "text/html");
        }
        match request.url.query_pairs().find(|(k, _)| k == "project") {
            Some(_) => ResponseTemplate::new(200).set_body_json(json!([])),
            None => ResponseTemplate::new(404)
                .set_body_json(json!({"detail": "No Project matches the given query."})),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_served_route_s_404_is_not_said_to_be_a_route_not_served() {
    let run = crate::tagged_run(SPEC, Lookup, "@positive").await;
    assert!(
        run.failed_by(
            "Valid requests get a documented answer",
            accord_conformance::rules::Rule::Positive,
            "answered 404, as no unknown route is: the route is served"
        ) && !run.stdout.contains("does not serve the route"),
        "{}",
        run.stdout
    );
}

const TASKS: &str = r##"openapi: 3.0.3
info: { title: Tasks, version: 1.0.0 }
paths:
  /projects:
    post:
      operationId: createProject
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Project" } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Project" } } } }
        "400": { description: refused, content: { application/json: { schema: { type: object } } } }
  /projects/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getProject
      responses:
        "200": { description: the project, content: { application/json: { schema: { $ref: "#/components/schemas/Project" } } } }
        "404": { description: none }
    delete:
      operationId: deleteProject
      responses:
        "204": { description: deleted }
        "404": { description: none }
  /tasks:
    get:
      operationId: listTasks
      parameters:
        - { name: project, in: query, schema: { type: integer } }
        - { name: limit, in: query, schema: { type: integer } }
      responses:
        "200":
          description: the tasks
          content: { application/json: { schema: { type: array, items: { type: object } } } }
        "400": { description: a filter refused, content: { application/json: { schema: { type: object } } } }
components:
  schemas:
    Project:
      type: object
      required: [title]
      properties:
        id: { type: integer, readOnly: true }
        title: { type: string, minLength: 1, maxLength: 50 }
"##;

/// Projects and their tasks: a `project` filter naming no project is refused, as Django's
/// filters refuse a choice that is not there (`refuses_zero_limit`: `limit=0` too, which
/// names nothing and is a number like any other).
struct Tasks {
    refuses_zero_limit: bool,
    projects: std::sync::Mutex<Vec<u64>>,
}

impl Respond for Tasks {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut projects = self.projects.lock().unwrap();
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let query = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let refused =
            |what: &str| ResponseTemplate::new(400).set_body_json(json!({"detail": what}));
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["projects"]) => {
                let body: serde_json::Value =
                    serde_json::from_slice(&request.body).unwrap_or_default();
                let Some(title) = body["title"]
                    .as_str()
                    .filter(|t| (1..=50).contains(&t.chars().count()))
                else {
                    return refused("title: 1 to 50 characters");
                };
                let id = projects.len() as u64 + 1;
                projects.push(id);
                ResponseTemplate::new(201).set_body_json(json!({"id": id, "title": title}))
            }
            ("GET", ["projects", id]) => match projects.iter().find(|p| p.to_string() == *id) {
                Some(p) => ResponseTemplate::new(200).set_body_json(json!({"id": p, "title": "t"})),
                None => ResponseTemplate::new(404).set_body_json(json!({"detail": "Not found."})),
            },
            ("DELETE", ["projects", id]) => {
                projects.retain(|p| p.to_string() != *id);
                ResponseTemplate::new(204)
            }
            ("GET", ["tasks"]) => {
                if let Some(project) = query("project")
                    && !projects.iter().any(|p| p.to_string() == project)
                {
                    return refused("project: Select a valid choice.");
                }
                match query("limit").and_then(|l| l.parse::<i64>().ok()) {
                    Some(0) if self.refuses_zero_limit => refused("limit: must be positive"),
                    _ => ResponseTemplate::new(200).set_body_json(json!([])),
                }
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"detail": "Not found."})),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filter_naming_another_resource_may_refuse_an_id_that_names_nothing() {
    const BOUNDARY: &str = "Boundary inputs never crash the backend";
    let tasks = |refuses_zero_limit| Tasks {
        refuses_zero_limit,
        projects: Default::default(),
    };
    let run = crate::tagged_run(TASKS, tasks(false), "@boundary").await;
    assert_eq!(run.verdict(BOUNDARY), "passed", "{}", run.stdout);
    let broken = crate::tagged_run(TASKS, tasks(true), "@boundary").await;
    assert!(
        broken.failed_by(
            BOUNDARY,
            accord_conformance::rules::Rule::Boundary,
            "0 (query parameter `limit`), which the schema admits, was refused with 400"
        ),
        "{}",
        broken.stdout
    );
}
