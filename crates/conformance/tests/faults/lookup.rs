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

const GHOSTS: &str = r##"openapi: 3.0.3
info: { title: Ghosts, version: 1.0.0 }
paths:
  /projects:
    get:
      operationId: listProjects
      responses:
        "200": { description: the projects, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Item" } } } } }
    post:
      operationId: createProject
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } } }
        "400": { description: refused, content: { application/json: { schema: { type: object } } } }
  /projects/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getProject
      responses:
        "200": { description: the project, content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } } }
        "404": { description: none, content: { application/json: { schema: { type: object } } } }
    delete:
      operationId: deleteProject
      responses:
        "204": { description: deleted }
        "404": { description: none, content: { application/json: { schema: { type: object } } } }
  /notes:
    post:
      operationId: createNote
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } } }
        "400": { description: refused, content: { application/json: { schema: { type: object } } } }
  /notes/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getNote
      responses:
        "200": { description: the note, content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } } }
        "404": { description: none, content: { application/json: { schema: { type: object } } } }
    delete:
      operationId: deleteNote
      responses:
        "204": { description: deleted }
        "404": { description: none, content: { application/json: { schema: { type: object } } } }
components:
  schemas:
    Item:
      type: object
      properties:
        id: { type: integer, readOnly: true }
        title: { type: string, maxLength: 30 }
"##;

/// Projects and notes, each numbered from 1: a project refused for a blank title is stored
/// all the same (a ghost the run never learns the id of, holding no text of the run's).
/// A kind's last number and its rows (number, title).
type Rows = (u64, Vec<(u64, String)>);

#[derive(Default)]
struct Ghosts {
    rows: std::sync::Mutex<std::collections::BTreeMap<&'static str, Rows>>,
}

impl Respond for Ghosts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut rows = self.rows.lock().unwrap();
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let missing = || ResponseTemplate::new(404).set_body_json(json!({"detail": "Not found."}));
        let kind = match segments.first() {
            Some(&"projects") => "projects",
            Some(&"notes") => "notes",
            _ => return missing(),
        };
        let (next, items) = rows.entry(kind).or_default();
        let view = |(id, title): &(u64, String)| json!({"id": id, "title": title});
        match (request.method.as_str(), &segments[1..]) {
            ("GET", []) => {
                ResponseTemplate::new(200).set_body_json(items.iter().map(view).collect::<Vec<_>>())
            }
            ("POST", []) => {
                let body: serde_json::Value =
                    serde_json::from_slice(&request.body).unwrap_or_default();
                let title = body["title"].as_str().unwrap_or_default().to_string();
                *next += 1;
                items.push((*next, title.clone()));
                if title.is_empty() && kind == "projects" {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"detail": "title blank"}));
                }
                if title.chars().count() > 30 {
                    items.pop();
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"detail": "title too long"}));
                }
                ResponseTemplate::new(201).set_body_json(view(items.last().unwrap()))
            }
            ("GET", [id]) => match items.iter().find(|(i, _)| i.to_string() == *id) {
                Some(row) => ResponseTemplate::new(200).set_body_json(view(row)),
                None => missing(),
            },
            ("DELETE", [id]) => {
                let before = items.len();
                items.retain(|(i, _)| i.to_string() != *id);
                match items.len() < before {
                    true => ResponseTemplate::new(204),
                    false => missing(),
                }
            }
            _ => missing(),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn what_is_left_is_told_apart_from_another_kind_s_item_of_the_same_number() {
    let run = crate::tagged_run(GHOSTS, Ghosts::default(), "@behaviour and not @second_user").await;
    assert!(
        run.stdout.contains("cleanup: GET /projects lists")
            && run
                .stdout
                .contains("item(s) it did not list before the run")
            && !run.stdout.contains("cleanup: GET /projects still lists"),
        "{}",
        run.stdout
    );
}

const PROJECT_TASKS: &str = r##"openapi: 3.0.3
info: { title: Project tasks, version: 1.0.0 }
paths:
  /projects:
    post:
      operationId: createProject
      requestBody:
        required: true
        content: { application/json: { schema: { type: object, properties: { title: { type: string, maxLength: 40 } } } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Project" } } } }
  /projects/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getProject
      responses:
        "200": { description: the project, content: { application/json: { schema: { $ref: "#/components/schemas/Project" } } } }
        "404": { description: none, content: { application/json: { schema: { type: object } } } }
    delete:
      operationId: deleteProject
      responses:
        "204": { description: deleted }
        "404": { description: none, content: { application/json: { schema: { type: object } } } }
  /tasks:
    get:
      operationId: listTasks
      parameters:
        - { name: project, in: query, schema: { type: integer } }
      responses:
        "200": { description: the tasks, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Task" } } } } }
        "404": { description: no project named, content: { application/json: { schema: { type: object } } } }
    post:
      operationId: createTask
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [project], properties: { project: { type: integer }, text: { type: string, maxLength: 40 } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Task" } } } }
  /tasks/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getTask
      responses:
        "200": { description: the task, content: { application/json: { schema: { $ref: "#/components/schemas/Task" } } } }
        "404": { description: none, content: { application/json: { schema: { type: object } } } }
    delete:
      operationId: deleteTask
      responses:
        "204": { description: deleted }
        "404": { description: none, content: { application/json: { schema: { type: object } } } }
components:
  schemas:
    Project:
      type: object
      properties: { id: { type: integer, readOnly: true }, title: { type: string } }
    Task:
      type: object
      properties: { id: { type: integer, readOnly: true }, project: { type: integer }, text: { type: string } }
"##;

/// Projects (number, title) and tasks (number, project, text).
type ProjectRows = (Vec<(u64, serde_json::Value)>, Vec<(u64, u64, String)>);

/// Projects and their tasks; the task list answers 404 without the `project` its spec leaves
/// optional (Label Studio's `Neither project nor view id specified`).
#[derive(Default)]
struct ProjectTasks {
    rows: std::sync::Mutex<ProjectRows>,
}

impl Respond for ProjectTasks {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut rows = self.rows.lock().unwrap();
        let (projects, tasks) = &mut *rows;
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let missing = || ResponseTemplate::new(404).set_body_json(json!({"detail": "Not found."}));
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let task = |(id, project, text): &(u64, u64, String)| json!({"id": id, "project": project, "text": text});
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["projects"]) => {
                let id = projects.iter().map(|p| p.0).max().unwrap_or(0) + 1;
                projects.push((id, body["title"].clone()));
                ResponseTemplate::new(201).set_body_json(json!({"id": id, "title": body["title"]}))
            }
            ("GET", ["projects", id]) => match projects.iter().find(|p| p.0.to_string() == *id) {
                Some((p, title)) => {
                    ResponseTemplate::new(200).set_body_json(json!({"id": p, "title": title}))
                }
                None => missing(),
            },
            ("DELETE", ["projects", id]) => {
                projects.retain(|p| p.0.to_string() != *id);
                ResponseTemplate::new(204)
            }
            ("GET", ["tasks"]) => {
                let Some(project) = request
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "project")
                    .and_then(|(_, v)| v.parse::<u64>().ok())
                else {
                    return ResponseTemplate::new(404)
                        .set_body_json(json!({"detail": "Neither project nor view id specified"}));
                };
                let listed: Vec<_> = tasks.iter().filter(|t| t.1 == project).map(task).collect();
                ResponseTemplate::new(200).set_body_json(listed)
            }
            ("POST", ["tasks"]) => {
                let Some(project) = body["project"]
                    .as_u64()
                    .filter(|p| projects.iter().any(|q| q.0 == *p))
                else {
                    return ResponseTemplate::new(400).set_body_json(json!({"detail": "project"}));
                };
                let id = tasks.iter().map(|t| t.0).max().unwrap_or(0) + 1;
                let text = body["text"].as_str().unwrap_or_default().to_string();
                tasks.push((id, project, text));
                ResponseTemplate::new(201).set_body_json(task(tasks.last().unwrap()))
            }
            ("GET", ["tasks", id]) => match tasks.iter().find(|t| t.0.to_string() == *id) {
                Some(t) => ResponseTemplate::new(200).set_body_json(task(t)),
                None => missing(),
            },
            ("DELETE", ["tasks", id]) => {
                tasks.retain(|t| t.0.to_string() != *id);
                ResponseTemplate::new(204)
            }
            _ => missing(),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resource_is_listed_by_the_reference_it_was_made_with() {
    let run = crate::resource_chain(PROJECT_TASKS, ProjectTasks::default()).await;
    assert_eq!(
        run.verdict("What is created reads back, is listed and updates"),
        "passed",
        "{}",
        run.stdout
    );
}
