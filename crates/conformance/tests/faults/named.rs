//! A subscriber whose spec types every field as plain text (listmonk's `NewSubscriber`),
//! while the backend takes only an address in `email` and one of its two states in
//! `status`. The resource chain makes one all the same, with the values the names ask for,
//! says the spec does not state it, and checks the subscriber as any other resource.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Subscribers, version: "1" }
paths:
  /subscribers:
    get:
      operationId: getSubscribers
      responses:
        "200": { description: all, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Subscriber" } } } } }
    post:
      operationId: createSubscriber
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NewSubscriber" } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Subscriber" } } } }
        "400": { description: refused, content: { application/json: { schema: { type: object } } } }
  /subscribers/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getSubscriber
      responses:
        "200": { description: one, content: { application/json: { schema: { $ref: "#/components/schemas/Subscriber" } } } }
        "404": { description: none }
    delete:
      operationId: deleteSubscriber
      responses:
        "204": { description: gone }
        "404": { description: none }
components:
  schemas:
    NewSubscriber:
      type: object
      properties:
        email: { type: string }
        name: { type: string }
        status: { type: string }
    Subscriber:
      type: object
      required: [id, email]
      properties:
        id: { type: integer }
        email: { type: string }
        name: { type: string }
        status: { type: string }
"##;

#[derive(Clone, Default)]
struct Subscribers {
    made: Arc<Mutex<Vec<Value>>>,
    next: Arc<Mutex<u64>>,
}

impl Respond for Subscribers {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut made = self.made.lock().unwrap();
        let path = request.url.path().trim_matches('/').to_string();
        let segments: Vec<&str> = path.split('/').collect();
        let body = serde_json::from_slice::<Value>(&request.body).unwrap_or(Value::Null);
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["subscribers"]) => ResponseTemplate::new(200).set_body_json(made.clone()),
            ("POST", ["subscribers"]) => {
                let text = |k: &str| body.get(k).and_then(Value::as_str);
                let address = text("email").is_some_and(|e| {
                    e.split_once('@')
                        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
                });
                let state = body
                    .get("status")
                    .is_none_or(|s| s == "enabled" || s == "blocklisted");
                let name = body.get("name").is_none_or(Value::is_string);
                if !body.is_object() || !address || !state || !name {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"message": "Invalid email."}));
                }
                let mut next = self.next.lock().unwrap();
                *next += 1;
                let subscriber = json!({
                    "id": *next,
                    "email": text("email"),
                    "name": text("name").unwrap_or("Anon"),
                    "status": text("status").unwrap_or("enabled"),
                });
                made.push(subscriber.clone());
                ResponseTemplate::new(201).set_body_json(subscriber)
            }
            (method @ ("GET" | "DELETE"), ["subscribers", id]) => {
                let Some(at) = made
                    .iter()
                    .position(|s| id.parse::<u64>().ok() == s["id"].as_u64())
                else {
                    return ResponseTemplate::new(404);
                };
                if method == "DELETE" {
                    made.remove(at);
                    return ResponseTemplate::new(204);
                }
                ResponseTemplate::new(200).set_body_json(made[at].clone())
            }
            ("GET" | "POST", _) => ResponseTemplate::new(404),
            _ => ResponseTemplate::new(405),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_field_named_email_gets_an_address_where_the_spec_types_it_plain_text() {
    let backend = Subscribers::default();
    let run = crate::resource_chain(SPEC, backend.clone()).await;
    assert!(
        run.stdout.contains(
            "createSubscriber took a body only with the values the names of its plain text fields ask for"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("could not be created"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(backend.made.lock().unwrap().is_empty(), "{}", run.stdout);
}
