//! A list whose page size the run cannot set (Flask AppBuilder's is inside a rison `q`) and
//! whose first page is full of older records: a stated total beyond the items it answers
//! says the page is full, so the record just created may be on a later page. A list with
//! room that leaves it out still fails `behaviour.listed`.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Contacts, version: 1.0.0 }
paths:
  /contacts:
    get:
      operationId: listContacts
      responses:
        "200":
          description: the first page
          content:
            application/json:
              schema:
                type: object
                properties:
                  count: { type: number, description: The total record count on the backend }
                  result: { type: array, items: { $ref: "#/components/schemas/Contact" } }
    post:
      operationId: createContact
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties: { name: { type: string, maxLength: 40 } }
      responses:
        "201":
          description: created
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: { type: integer }
                  result: { $ref: "#/components/schemas/Contact" }
  /contacts/{pk}:
    parameters:
      - { name: pk, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getContact
      responses:
        "200":
          description: the contact
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: { type: integer }
                  result: { $ref: "#/components/schemas/Contact" }
        "404": { description: not found }
    delete:
      operationId: deleteContact
      responses:
        "200": { description: deleted }
        "404": { description: not found }
components:
  schemas:
    Contact:
      type: object
      properties:
        name: { type: string }
"##;

/// Contacts, three older ones seeded (ids 10 to 12), listed oldest first three to a page with their count
/// (`dropped`: the count is of what the page shows, and nothing the run made shows).
#[derive(Clone)]
struct Contacts {
    rows: Arc<Mutex<Vec<(u64, String)>>>,
    dropped: bool,
}

impl Contacts {
    fn new(dropped: bool) -> Contacts {
        // Ids that are no count: a total equal to the new id would name it.
        let seeded = (10..=12).map(|i| (i, format!("seeded {i}"))).collect();
        Contacts {
            rows: Arc::new(Mutex::new(seeded)),
            dropped,
        }
    }
}

impl Respond for Contacts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut rows = self.rows.lock().unwrap();
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let found = |pk: &str| rows.iter().position(|(id, _)| id.to_string() == pk);
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["contacts"]) => {
                // Dropped: none the run made shows (the chain and the delete's scenario make
                // theirs at once, so "the newest" would be either's).
                let shown: Vec<&(u64, String)> = if self.dropped {
                    rows.iter().filter(|(id, _)| *id <= 12).collect()
                } else {
                    rows.iter().take(3).collect()
                };
                let count = if self.dropped {
                    shown.len()
                } else {
                    rows.len()
                };
                let result: Vec<Value> = shown.iter().map(|(_, n)| json!({"name": n})).collect();
                let ids: Vec<u64> = shown.iter().map(|(id, _)| *id).collect();
                ResponseTemplate::new(200)
                    .set_body_json(json!({"count": count, "ids": ids, "result": result}))
            }
            ("POST", ["contacts"]) => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                let Some(name) = body.get("name").and_then(Value::as_str) else {
                    return ResponseTemplate::new(422).set_body_json(json!({"message": "name"}));
                };
                let id = rows.iter().map(|(id, _)| *id).max().unwrap_or(0) + 1;
                rows.push((id, name.to_string()));
                ResponseTemplate::new(201)
                    .set_body_json(json!({"id": id, "result": {"name": name}}))
            }
            ("GET", ["contacts", pk]) => match found(pk) {
                Some(i) => ResponseTemplate::new(200)
                    .set_body_json(json!({"id": rows[i].0, "result": {"name": rows[i].1}})),
                None => ResponseTemplate::new(404).set_body_json(json!({"message": "Not found"})),
            },
            ("DELETE", ["contacts", pk]) => match found(pk) {
                Some(i) => {
                    rows.remove(i);
                    ResponseTemplate::new(200).set_body_json(json!({"message": "OK"}))
                }
                None => ResponseTemplate::new(404).set_body_json(json!({"message": "Not found"})),
            },
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "Not found"})),
        }
    }
}

const CHAIN: &str = "What is created reads back, is listed and updates";

#[tokio::test(flavor = "multi_thread")]
async fn a_first_page_whose_total_goes_beyond_it_need_not_show_the_new_record() {
    let backend = Contacts::new(false);
    let run = crate::resource_chain(SPEC, backend.clone()).await;
    assert_eq!(run.verdict(CHAIN), "passed", "{}", run.stdout);
    // The seeded contacts are untouched.
    assert_eq!(
        backend
            .rows
            .lock()
            .unwrap()
            .iter()
            .map(|(id, _)| *id)
            .collect::<Vec<_>>(),
        [10, 11, 12]
    );
    let broken = crate::resource_chain(SPEC, Contacts::new(true)).await;
    assert!(
        broken.failed_by(
            CHAIN,
            accord_conformance::rules::Rule::Listed,
            "does not list the resource"
        ),
        "{}",
        broken.stdout
    );
}
