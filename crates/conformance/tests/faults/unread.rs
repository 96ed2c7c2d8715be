//! A resource without a read of its own (a to-do API with `GET /todo`, `POST /todo` and
//! `PATCH /todo/{id}` alone, as many Spring Boot APIs are written): its update is read
//! back from the list: a create stored otherwise than it answers fails `behaviour.read_back`
//! (a flag the backend sets itself at creation, as it answers it, is a spec finding),
//! an update the backend drops `behaviour.update_persists`.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Todos, version: 1.0.0 }
paths:
  /todo:
    get:
      operationId: getAll
      responses:
        "200":
          description: every to-do
          content:
            "*/*":
              schema: { type: array, items: { $ref: "#/components/schemas/Todo" } }
    post:
      operationId: addTodo
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/TodoInput" }
      responses:
        "200":
          description: the to-do made
          content:
            "*/*":
              schema: { $ref: "#/components/schemas/Todo" }
  /todo/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer, format: int64 } }
    patch:
      operationId: updateTodo
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/TodoInput" }
      responses:
        "200":
          description: the to-do changed
          content:
            "*/*":
              schema: { $ref: "#/components/schemas/Todo" }
    delete:
      operationId: deleteTodo
      responses:
        "200": { description: deleted }
components:
  schemas:
    TodoInput:
      type: object
      required: [title]
      properties:
        title: { type: string, maxLength: 60 }
        done: { type: boolean }
    Todo:
      type: object
      properties:
        id: { type: integer, format: int64 }
        title: { type: string }
        done: { type: boolean }
"##;

/// To-dos in memory (`keeps_title`: an update keeps the title it had, and answers it;
/// `stores_other_title`: a create stores another title than the one it answers).
#[derive(Clone)]
struct Todos {
    rows: Arc<Mutex<Vec<(u64, String, bool)>>>,
    keeps_title: bool,
    stores_other_title: bool,
}

impl Todos {
    fn new(keeps_title: bool) -> Todos {
        Todos {
            rows: Arc::default(),
            keeps_title,
            stores_other_title: false,
        }
    }
}

impl Respond for Todos {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut rows = self.rows.lock().unwrap();
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let view = |(id, title, done): &(u64, String, bool)| json!({"id": id, "title": title, "done": done});
        let title = || {
            serde_json::from_slice::<Value>(&request.body)
                .ok()
                .and_then(|b| b.get("title").and_then(Value::as_str).map(String::from))
        };
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["todo"]) => {
                ResponseTemplate::new(200).set_body_json(rows.iter().map(view).collect::<Vec<_>>())
            }
            ("POST", ["todo"]) => {
                let Some(title) = title() else {
                    return ResponseTemplate::new(400);
                };
                let id = rows.iter().map(|(id, _, _)| *id).max().unwrap_or(0) + 1;
                // A new to-do is never done, whatever is sent: the backend's own rule.
                let answer = view(&(id, title.clone(), false));
                let stored = match self.stores_other_title {
                    true => format!("{title} (copy)"),
                    false => title,
                };
                rows.push((id, stored, false));
                ResponseTemplate::new(200).set_body_json(answer)
            }
            ("PATCH", ["todo", id]) => {
                let Some(row) = rows.iter_mut().find(|(i, _, _)| i.to_string() == *id) else {
                    return ResponseTemplate::new(404);
                };
                let Some(title) = title() else {
                    return ResponseTemplate::new(400);
                };
                if !self.keeps_title {
                    row.1 = title;
                }
                if let Some(done) = serde_json::from_slice::<Value>(&request.body)
                    .ok()
                    .and_then(|b| b.get("done").and_then(Value::as_bool))
                {
                    row.2 = done;
                }
                ResponseTemplate::new(200).set_body_json(view(row))
            }
            ("DELETE", ["todo", id]) => {
                rows.retain(|(i, _, _)| i.to_string() != *id);
                ResponseTemplate::new(200)
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

const CHAIN: &str = "What is created reads back, is listed and updates";

#[tokio::test(flavor = "multi_thread")]
async fn an_update_of_a_resource_without_a_read_is_read_back_from_its_list() {
    let run = crate::resource_chain(SPEC, Todos::new(false)).await;
    assert_eq!(run.verdict(CHAIN), "passed", "{}", run.stdout);
    // The chain writes every property: `done: true`, which the backend answers, and reads
    // back, as false. What it sets itself at creation is the spec's gap, not a write lost.
    assert!(
        run.stdout
            .contains("addTodo 200: sets `done` itself at creation"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("not checked for persisting"),
        "{}",
        run.stdout
    );
    let broken = crate::resource_chain(SPEC, Todos::new(true)).await;
    assert!(
        broken.failed_by(
            CHAIN,
            accord_conformance::rules::Rule::UpdatePersists,
            "`title` was written as"
        ),
        "{}",
        broken.stdout
    );
    // What the create stored is read back from the list too.
    let stored = Todos {
        stores_other_title: true,
        ..Todos::new(false)
    };
    let broken = crate::resource_chain(SPEC, stored).await;
    assert!(
        broken.failed_by(
            CHAIN,
            accord_conformance::rules::Rule::ReadBack,
            "`title` was written as"
        ),
        "{}",
        broken.stdout
    );
}
