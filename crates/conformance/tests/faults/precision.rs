//! Ids a JavaScript frontend cannot read exactly: a Go or Java backend's int64 (a Snowflake
//! id) sent as a JSON number past 2^53 - 1 reads rounded in `JSON.parse`, and the frontend
//! then asks for, or writes to, another record. The same id as a string is read exactly.

use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const ID: u64 = 1_152_921_504_606_846_977;

fn spec(id_type: &str) -> String {
    format!(
        r##"openapi: 3.0.3
info: {{ title: Things, version: "1" }}
paths:
  /things:
    get:
      operationId: list_things
      responses:
        "200":
          description: the things
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  required: [id, name]
                  properties: {{ id: {id_type}, name: {{ type: string }} }}
"##
    )
}

/// Answers its one list with a thing whose id is past 2^53, as a number or as a string.
struct Things {
    as_text: bool,
}

impl Respond for Things {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path() != "/things" {
            return ResponseTemplate::new(404).set_body_json(json!({"message": "no route"}));
        }
        let id = if self.as_text {
            json!(ID.to_string())
        } else {
            json!(ID)
        };
        ResponseTemplate::new(200).set_body_json(json!([{"id": id, "name": "a"}]))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_past_what_a_javascript_number_holds_is_a_finding() {
    let tags = "@behaviour and not @writes and not @roles and not @expiry";
    let number = crate::tagged_run(
        &spec("{ type: integer, format: int64 }"),
        Things { as_text: false },
        tags,
    )
    .await;
    number.says(&[
        "list_things 200 at /0/id: is an integer beyond what a JavaScript number holds exactly (2^53 - 1) (1152921504606846977)",
    ]);
    assert_eq!(number.code, Some(1), "{}", number.stdout);
    let text = crate::tagged_run(
        &spec("{ type: string, format: int64 }"),
        Things { as_text: true },
        tags,
    )
    .await;
    assert!(
        !text
            .stdout
            .contains("beyond what a JavaScript number holds"),
        "{}",
        text.stdout
    );
    assert_eq!(text.code, Some(0), "{}", text.stdout);
}

/// Refuses a `limit` over 100 with 422, naming the value it refused as the double it read
/// it as (huma, in Go, answers 9223372036854775807 as 9223372036854776000; here as the
/// double's exact digits, 9223372036854775808).
#[derive(Clone, Default)]
struct Echoing {
    /// The values it refused, as sent.
    refused: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Respond for Echoing {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path() != "/things" {
            return ResponseTemplate::new(404).set_body_json(json!({"message": "no route"}));
        }
        let limit = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "limit")
            .and_then(|(_, v)| v.parse::<f64>().ok());
        match limit {
            Some(l) if l > 100.0 => {
                if let Some((_, v)) = request.url.query_pairs().find(|(k, _)| k == "limit") {
                    self.refused.lock().unwrap().push(v.into_owned());
                }
                // The double's own digits: 9223372036854775807 as 9223372036854775808.
                let text = format!("{l:.0}");
                ResponseTemplate::new(422).set_body_raw(
                    format!(r#"{{"detail": "limit too large", "value": {text}}}"#),
                    "application/json",
                )
            }
            _ => ResponseTemplate::new(200).set_body_json(json!([{"id": 1, "name": "a"}])),
        }
    }
}

/// A value the run sent, echoed in a refusal as the double the backend read it as, is the
/// run's own number: no finding.
#[tokio::test(flavor = "multi_thread")]
async fn a_sent_number_echoed_as_a_double_is_no_finding() {
    let spec = spec("{ type: integer }").replace(
        "      operationId: list_things\n",
        "      operationId: list_things\n      parameters:\n        - { name: limit, in: query, schema: { type: integer, format: int64 } }\n",
    ).replace(
        "        \"200\":",
        "        \"422\": { description: refused, content: { application/json: { schema: { type: object } } } }\n        \"200\":",
    );
    assert!(
        spec.contains("name: limit") && spec.contains("\"422\""),
        "{spec}"
    );
    let backend = Echoing::default();
    let run = crate::tagged_run(&spec, backend.clone(), "@boundary").await;
    let refused = backend.refused.lock().unwrap().clone();
    assert!(
        refused.iter().any(|v| v == "9223372036854775807"),
        "the 64-bit edge was not refused: {refused:?}\n{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("beyond what a JavaScript number holds"),
        "{}",
        run.stdout
    );
}

/// A backend that negotiates (Jersey, Spring with an XML converter) answers XML to a bare
/// `*/*` where the spec declares XML beside JSON: the run asks for the JSON, as a frontend's
/// client does, and reads the things back.
#[derive(Clone, Default)]
struct Negotiating {
    /// The answers it gave in XML.
    xml: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

impl Respond for Negotiating {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path() != "/things" {
            return ResponseTemplate::new(404).set_body_json(json!({"message": "no route"}));
        }
        let accept = request
            .headers
            .get("accept")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("*/*");
        if accept.contains("application/json") {
            ResponseTemplate::new(200).set_body_json(json!([{"id": 1, "name": "a"}]))
        } else {
            self.xml.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_raw(
                "<things><thing><id>1</id><name>a</name></thing></things>",
                "application/xml",
            )
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_run_asks_for_the_json_the_operation_answers() {
    let spec = spec("{ type: integer }").replace(
        "                  properties: { id: { type: integer }, name: { type: string } }\n",
        "                  properties: { id: { type: integer }, name: { type: string } }\n            application/xml:\n              schema: { type: string }\n",
    );
    assert!(spec.contains("application/xml"), "{spec}");
    let backend = Negotiating::default();
    let run = crate::tagged_run(
        &spec,
        backend.clone(),
        "@behaviour and not @writes and not @roles and not @expiry",
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(
        backend.xml.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "{}",
        run.stdout
    );
}

/// A success answered with a 2xx the spec does not document (201 where it says 200) is read
/// by the frontend's client as the one it documents: its body is held to that one's, and a
/// string id there is found (the Express Conduit's comment, broken), beside the status.
struct Created201;

impl Respond for Created201 {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match (request.method.as_str(), request.url.path()) {
            ("POST", "/things") => {
                ResponseTemplate::new(201).set_body_json(json!({"id": "7", "name": "a"}))
            }
            ("GET", "/things") => ResponseTemplate::new(200).set_body_json(json!([])),
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "no route"})),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undocumented_success_is_read_as_the_documented_one() {
    let spec = format!(
        "{}{}",
        spec("{ type: integer }"),
        r##"    post:
      operationId: add_thing
      requestBody:
        content: { application/json: { schema: { type: object, properties: { name: { type: string } } } } }
      responses:
        "200":
          description: the thing
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties: { id: { type: integer }, name: { type: string } }
"##
    );
    let run = crate::tagged_run(
        &spec,
        Created201,
        "@behaviour and not @writes and not @roles and not @expiry",
    )
    .await;
    run.says(&[
        "add_thing 201 at /id: must be an integer (read as its documented 200)",
        "add_thing 201: status 201 is not documented",
    ]);
}
