//! A reference that changes what it names: a feeding names the timer it was timed with
//! (optional in the spec, required by the backend, as Baby Buddy's `child` is), and the
//! backend stops the timer, deleting it (as Baby Buddy does). The run's resource chain checks
//! each resource as it made it (read back, updated, deleted), so its own feeding must not
//! name its own timer: a run that did would find its timer gone, and blame the backend. The
//! timer the run made to be named is gone after one feeding: the next feeding gets another.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Feedings, version: 1.0.0 }
paths:
  /api/timers:
    post:
      operationId: create_timer
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NewTimer" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Timer" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/timers/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: get_timer
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Timer" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    delete:
      operationId: delete_timer
      responses:
        "204": { description: "" }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/feedings:
    post:
      operationId: create_feeding
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NewFeeding" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Feeding" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/feedings/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: get_feeding
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Feeding" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    delete:
      operationId: delete_feeding
      responses:
        "204": { description: "" }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
components:
  schemas:
    Error:
      type: object
      required: [message]
      properties: { message: { type: string } }
    NewTimer:
      type: object
      required: [name]
      properties: { name: { type: string, minLength: 1, maxLength: 40 } }
    Timer:
      type: object
      required: [id, name]
      properties: { id: { type: integer }, name: { type: string } }
    NewFeeding:
      type: object
      required: [amount]
      properties:
        amount: { type: integer, minimum: 1, maximum: 500 }
        timer: { type: integer, description: the timer it was timed with, which it stops }
    Feeding:
      type: object
      required: [id, amount]
      properties: { id: { type: integer }, amount: { type: integer } }
"##;

#[derive(Default)]
struct State {
    next: i64,
    timers: Vec<(i64, String)>,
    feedings: Vec<(i64, i64)>,
    /// The timers feedings stopped.
    stopped: Vec<i64>,
}

#[derive(Clone, Default)]
struct Feedings(Arc<Mutex<State>>);

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "message": message }))
}

impl Respond for Feedings {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let id = segments.get(2).and_then(|x| x.parse::<i64>().ok());
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["api", "timers"]) => {
                let Some(name) = body
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| (1..=40).contains(&n.chars().count()) && !n.contains('\0'))
                else {
                    return error(400, "name: 1 to 40 characters");
                };
                s.next += 1;
                let id = s.next;
                s.timers.push((id, name.to_string()));
                ResponseTemplate::new(201).set_body_json(json!({"id": id, "name": name}))
            }
            ("GET", ["api", "timers", _]) => match s.timers.iter().find(|(t, _)| Some(*t) == id) {
                Some((id, name)) => {
                    ResponseTemplate::new(200).set_body_json(json!({"id": id, "name": name}))
                }
                None => error(404, "not found"),
            },
            ("DELETE", ["api", "timers", _]) => {
                let before = s.timers.len();
                s.timers.retain(|(t, _)| Some(*t) != id);
                if s.timers.len() == before {
                    return error(404, "not found");
                }
                ResponseTemplate::new(204)
            }
            ("POST", ["api", "feedings"]) => {
                let Some(amount) = body
                    .get("amount")
                    .and_then(Value::as_i64)
                    .filter(|a| (1..=500).contains(a))
                else {
                    return error(400, "amount: 1 to 500");
                };
                // Every feeding names its timer, which the spec leaves optional (as Baby
                // Buddy requires a feeding's `child`).
                let Some(timer) = body
                    .get("timer")
                    .and_then(Value::as_i64)
                    .filter(|t| s.timers.iter().any(|(x, _)| x == t))
                else {
                    return error(400, "timer: no such timer");
                };
                // The feeding stops its timer: the timer is gone.
                s.timers.retain(|(x, _)| *x != timer);
                s.stopped.push(timer);
                s.next += 1;
                let id = s.next;
                s.feedings.push((id, amount));
                ResponseTemplate::new(201).set_body_json(json!({"id": id, "amount": amount}))
            }
            ("GET", ["api", "feedings", _]) => {
                match s.feedings.iter().find(|(f, _)| Some(*f) == id) {
                    Some((id, amount)) => ResponseTemplate::new(200)
                        .set_body_json(json!({"id": id, "amount": amount})),
                    None => error(404, "not found"),
                }
            }
            ("DELETE", ["api", "feedings", _]) => {
                let before = s.feedings.len();
                s.feedings.retain(|(f, _)| Some(*f) != id);
                if s.feedings.len() == before {
                    return error(404, "not found");
                }
                ResponseTemplate::new(204)
            }
            _ => error(404, "no route"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chain_names_no_resource_of_its_own_by_an_optional_reference_and_a_consumed_referent_is_made_again()
 {
    let backend = Feedings::default();
    let run = crate::resource_chain(SPEC, backend.clone()).await;
    // The chain's timer is read back, and deleted, as the chain made it: every check passes.
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let state = backend.0.lock().unwrap();
    // Each scenario's chain made its feeding, the second with a timer made anew.
    assert!(
        state.stopped.len() >= 2,
        "{:?}\n{}",
        state.stopped,
        run.stdout
    );
    assert!(
        state.timers.is_empty(),
        "{:?}\n{}",
        state.timers,
        run.stdout
    );
}
