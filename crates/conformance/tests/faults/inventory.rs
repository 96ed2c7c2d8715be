//! An inventory service in Homebox's shape (Go, go-chi, a swaggo spec without operationIds):
//! - its sign-in takes the address in a field named `username` (its example says so) and
//!   answers the token with the word before it (`{"token": "Bearer T1"}`), which its frontend
//!   sends as given;
//! - `GET /v1/users/refresh` renews the session by the token alone, and the old token is
//!   refused from then on;
//! - `POST /v1/actions/zero-item-time-fields` takes no input and zeroes every item's dates;
//! - its ids are UUIDs its spec types as any text, and an id of another shape is refused as
//!   malformed (400), not as missing;
//! - a `parentId` that names no item is a server error (500), on a create and an update;
//! - another user's delete answers 204 and deletes nothing;
//! - its spec writes `PUT /v1/users/change-password`, which it routes elsewhere: that path
//!   is answered as any route it does not have (404).
//!
//! A new user's run with the spec and credentials alone signs in, keeps its session, leaves
//! the action alone, finds a missing item with an id of the backend's shape, gets to its
//! resource checks past the crash (which the generated calls report), and says of the
//! other user's delete that it did nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.0
info: { title: Inventory, version: "1.0" }
servers: [{ url: /api }]
components:
  securitySchemes:
    Bearer:
      type: apiKey
      name: Authorization
      in: header
      description: "Type 'Bearer TOKEN' to correctly set the API Key"
  schemas:
    LoginForm:
      type: object
      properties:
        username: { type: string, example: admin@admin.com }
        password: { type: string, example: admin }
    Registration:
      type: object
      properties:
        email: { type: string }
        name: { type: string }
        password: { type: string }
    TokenResponse:
      type: object
      properties:
        token: { type: string }
        expiresAt: { type: string }
    ItemCreate:
      type: object
      required: [name]
      properties:
        name: { type: string, minLength: 1, maxLength: 40 }
        parentId: { type: string }
    ItemOut:
      type: object
      properties:
        id: { type: string }
        name: { type: string }
        parentId: { type: string }
    User:
      type: object
      properties:
        id: { type: string }
        email: { type: string }
        name: { type: string }
paths:
  /v1/users/register:
    post:
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Registration" } } }
      responses:
        "204": { description: No Content }
  /v1/users/login:
    post:
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/LoginForm" } } }
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/TokenResponse" } } } }
  /v1/users/refresh:
    get:
      security: [{ Bearer: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/TokenResponse" } } } }
  /v1/users/self:
    get:
      security: [{ Bearer: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/User" } } } }
  /v1/users/change-password:
    put:
      security: [{ Bearer: [] }]
      requestBody:
        required: true
        content: { application/json: { schema: { type: object, properties: { current: { type: string }, new: { type: string } } } } }
      responses:
        "204": { description: No Content }
  /v1/actions/zero-item-time-fields:
    post:
      security: [{ Bearer: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object, properties: { completed: { type: integer } } } } } }
  /v1/items:
    get:
      security: [{ Bearer: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/ItemOut" } } } } }
    post:
      security: [{ Bearer: [] }]
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/ItemCreate" } } }
      responses:
        "201": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/ItemOut" } } } }
  /v1/items/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: string } }
    get:
      security: [{ Bearer: [] }]
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/ItemOut" } } } }
    put:
      security: [{ Bearer: [] }]
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/ItemCreate" } } }
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/ItemOut" } } } }
    delete:
      security: [{ Bearer: [] }]
      responses:
        "204": { description: No Content }
"##;

#[derive(Default)]
struct State {
    /// Address to (password, user id).
    users: HashMap<String, (String, String)>,
    /// Token to address.
    tokens: HashMap<String, String>,
    /// Item id to (owner's address, name, parent).
    items: HashMap<String, (String, String, Option<String>)>,
    next: u64,
}

#[derive(Clone, Default)]
struct Inventory {
    state: Arc<Mutex<State>>,
    /// Whether the action was called with a valid token.
    zeroed: Arc<Mutex<bool>>,
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "error": message }))
}

fn uuid(n: u64) -> String {
    format!("6f1c2d3e-4a5b-4c6d-8e7f-{n:012x}")
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The name and parent an item's create or update writes: 422 without a name, 500 for a
/// `parentId` that names no item.
fn written(body: &Value, state: &State) -> Result<(String, Option<String>), (u16, &'static str)> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let name = text("name")
        .filter(|n| (1..=40).contains(&n.chars().count()))
        .ok_or((422, "name is required"))?;
    let parent = text("parentId").filter(|p| !p.is_empty());
    if parent
        .as_ref()
        .is_some_and(|p| !state.items.contains_key(p))
    {
        return Err((500, "Unknown Error"));
    }
    Ok((name, parent))
}

impl Respond for Inventory {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap();
        let path = request.url.path().strip_prefix("/api").unwrap_or("");
        let method = request.method.as_str();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        match (method, path) {
            ("POST", "/v1/users/register") => {
                let (Some(email), Some(password)) = (text("email"), text("password")) else {
                    return error(500, "Unknown Error");
                };
                if password.len() < 6 || !email.contains('@') {
                    return error(500, "password must be at least 6 characters");
                }
                state.next += 1;
                let id = uuid(state.next);
                state.users.entry(email).or_insert((password, id));
                return ResponseTemplate::new(204);
            }
            ("POST", "/v1/users/login") => {
                let (Some(email), Some(password)) = (text("username"), text("password")) else {
                    return error(401, "invalid credentials");
                };
                if state.users.get(&email).map(|u| &u.0) != Some(&password) {
                    return error(401, "invalid credentials");
                }
                state.next += 1;
                let token = format!("T{}", state.next);
                state.tokens.insert(token.clone(), email);
                return ResponseTemplate::new(200).set_body_json(
                    json!({"token": format!("Bearer {token}"), "expiresAt": "2030-01-01T00:00:00Z"}),
                );
            }
            _ => {}
        }
        if !matches!(
            path,
            "/v1/users/refresh"
                | "/v1/users/self"
                | "/v1/actions/zero-item-time-fields"
                | "/v1/items"
        ) && !path.starts_with("/v1/items/")
        {
            return error(404, "Not Found");
        }
        let allowed: &[&str] = match path {
            "/v1/users/refresh" | "/v1/users/self" => &["GET"],
            "/v1/actions/zero-item-time-fields" => &["POST"],
            "/v1/items" => &["GET", "POST"],
            _ => &["GET", "PUT", "DELETE"],
        };
        if !allowed.contains(&method) {
            let mut answer = error(405, "Method Not Allowed");
            for m in allowed {
                answer = answer.append_header("allow", *m);
            }
            return answer;
        }
        // Only `Bearer <token>`, as its frontend sends the token it was given.
        let me = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .and_then(|t| state.tokens.get(t).cloned().map(|m| (t.to_string(), m)));
        let Some((token, me)) = me else {
            return error(401, "valid authorization token is required");
        };
        match (method, path) {
            ("GET", "/v1/users/refresh") => {
                state.tokens.remove(&token);
                state.next += 1;
                let token = format!("T{}", state.next);
                state.tokens.insert(token.clone(), me);
                ResponseTemplate::new(200).set_body_json(
                    json!({"token": format!("Bearer {token}"), "expiresAt": "2030-01-01T00:00:00Z"}),
                )
            }
            ("GET", "/v1/users/self") => {
                let id = state
                    .users
                    .get(&me)
                    .map(|u| u.1.clone())
                    .unwrap_or_default();
                ResponseTemplate::new(200)
                    .set_body_json(json!({"id": id, "email": me, "name": "A"}))
            }
            ("POST", "/v1/actions/zero-item-time-fields") => {
                *self.zeroed.lock().unwrap() = true;
                ResponseTemplate::new(200).set_body_json(json!({"completed": state.items.len()}))
            }
            ("GET", "/v1/items") => {
                let mine: Vec<Value> = state
                    .items
                    .iter()
                    .filter(|(_, (owner, _, _))| *owner == me)
                    .map(|(id, (_, name, parent))| json!({"id": id, "name": name, "parentId": parent.clone().unwrap_or_default()}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(Value::Array(mine))
            }
            ("POST", "/v1/items") => {
                let (name, parent) = match written(&body, &state) {
                    Ok(item) => item,
                    Err((status, message)) => return error(status, message),
                };
                state.next += 1;
                let id = uuid(state.next);
                state
                    .items
                    .insert(id.clone(), (me, name.clone(), parent.clone()));
                ResponseTemplate::new(201).set_body_json(
                    json!({"id": id, "name": name, "parentId": parent.unwrap_or_default()}),
                )
            }
            (_, item) => {
                let id = item.trim_start_matches("/v1/items/");
                if !is_uuid(id) {
                    return error(400, "invalid route key: id");
                }
                let Some((owner, name, parent)) = state.items.get(id).cloned() else {
                    return if method == "DELETE" {
                        ResponseTemplate::new(204)
                    } else {
                        error(404, "Not Found")
                    };
                };
                match method {
                    "GET" if owner == me => ResponseTemplate::new(200).set_body_json(
                        json!({"id": id, "name": name, "parentId": parent.unwrap_or_default()}),
                    ),
                    "PUT" if owner == me => {
                        let (name, parent) = match written(&body, &state) {
                            Ok(item) => item,
                            Err((status, message)) => return error(status, message),
                        };
                        state
                            .items
                            .insert(id.to_string(), (owner, name.clone(), parent.clone()));
                        ResponseTemplate::new(200).set_body_json(
                            json!({"id": id, "name": name, "parentId": parent.unwrap_or_default()}),
                        )
                    }
                    "DELETE" if owner == me => {
                        state.items.remove(id);
                        ResponseTemplate::new(204)
                    }
                    // Another user's delete: scoped to their own items, it deletes nothing,
                    // and says it did.
                    "DELETE" => ResponseTemplate::new(204),
                    _ => error(404, "Not Found"),
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inventory_in_homebox_shape_is_read_from_its_spec() {
    let backend = Inventory::default();
    let zeroed = backend.zeroed.clone();
    let server = crate::serving(backend).await;
    let run = crate::first_run_with(
        SPEC,
        format!("{}/api", server.uri()),
        "(@auth or @behaviour or @errors) and not @expiry",
        &[
            ("ACCORD_USER", "accord-a@example.com"),
            ("ACCORD_NAME", "accorda"),
            ("ACCORD_PASSWORD", "accord-password-1"),
        ],
    )
    .await;
    // Signed in by address, the token sent with its word once, the session never renewed
    // under the reads.
    assert_eq!(
        run.verdict("A valid token is accepted"),
        "passed",
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("auth: the sign-in answers its token with `Bearer` before it"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("is left out of the generated calls: it renews the session it is called in"),
        "{}",
        run.stdout
    );
    // The command on every item is left alone, saying why.
    assert!(
        !*zeroed.lock().unwrap(),
        "the action was called: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("post_v1_actions_zero_item_time_fields is left out of the generated calls: it takes no input and names no collection"),
        "{}",
        run.stdout
    );
    // The path it does not serve is one spec finding, not a refusal's or a method's failure.
    assert!(
        run.stdout.contains("finding rule spec: put_v1_users_change_password 404: the spec's PUT /v1/users/change-password is not served"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.verdict("Secured operations refuse no token"),
        "passed",
        "{}",
        run.stdout
    );
    assert!(
        !run.failed_by("", Rule::ErrorsMethod, "change-password"),
        "{}",
        run.stdout
    );
    // A missing item is asked for by an id of the backend's shape.
    assert_eq!(
        run.verdict("a request for a missing resource is answered 404"),
        "passed",
        "{}",
        run.stdout
    );
    // The crash on a `parentId` naming nothing is the generated calls' finding; the
    // resource checks go on past it.
    assert!(
        run.failed_by(
            "Valid requests get a documented answer",
            Rule::Positive,
            "500"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.verdict("What is created reads back, is listed and updates"),
        "passed",
        "{}",
        run.stdout
    );
    // The other user's delete did nothing, and said it did.
    assert!(
        run.failed_by(
            "A second user cannot reach",
            Rule::CrossUserWrite,
            "yet the owner's resource is unchanged"
        ),
        "{}",
        run.stdout
    );
}
