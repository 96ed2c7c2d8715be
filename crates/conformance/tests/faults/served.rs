//! A spec whose server has a path (`servers: [{url: /v1}]`) and a base URL given without
//! one: the backend that serves the spec's paths under `/v1` is called there, the one that
//! serves them at its root (a local instance of a spec written for its deployment) at the
//! root, as the spec's first read tells.

use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Things, version: "1" }
servers: [ { url: /v1 } ]
paths:
  /things:
    get:
      operationId: list_things
      responses:
        "200":
          description: the things
          content: { application/json: { schema: { type: array, items: { type: string } } } }
"##;

/// Serves `GET {prefix}/things`; anything else is `unknown` (404, or the 400 an OpenAPI
/// validator in front of every route answers a path it does not know).
struct Things {
    prefix: &'static str,
    unknown: u16,
}

impl Respond for Things {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.method.as_str() == "GET"
            && request.url.path() == format!("{}/things", self.prefix)
        {
            ResponseTemplate::new(200).set_body_json(json!(["a", "b"]))
        } else {
            ResponseTemplate::new(self.unknown)
                .set_body_json(json!({"message": "no matching operation was found"}))
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_base_url_without_a_path_goes_where_the_backend_serves_the_spec() {
    let tags = "@behaviour and not @writes and not @roles and not @expiry";
    let under = crate::tagged_run(
        SPEC,
        Things {
            prefix: "/v1",
            unknown: 404,
        },
        tags,
    )
    .await;
    under.says(&["note: the spec's server is under /v1: requests go to"]);
    assert!(
        !under.stdout.contains("status 404 is not documented"),
        "{}",
        under.stdout
    );
    assert_eq!(under.code, Some(0), "{}", under.stdout);
    let root = crate::tagged_run(
        SPEC,
        Things {
            prefix: "",
            unknown: 404,
        },
        tags,
    )
    .await;
    root.says(&["but the backend answers its paths without it"]);
    assert!(
        !root.stdout.contains("status 404 is not documented"),
        "{}",
        root.stdout
    );
    assert_eq!(root.code, Some(0), "{}", root.stdout);
}

/// A backend whose OpenAPI validator answers a path it does not know with 400, not 404
/// (oapi-codegen's Fiber middleware): served at the root all the same, as its read says.
#[tokio::test(flavor = "multi_thread")]
async fn a_validator_refusing_the_prefixed_path_still_shows_the_root() {
    let tags = "@behaviour and not @writes and not @roles and not @expiry";
    let root = crate::tagged_run(
        SPEC,
        Things {
            prefix: "",
            unknown: 400,
        },
        tags,
    )
    .await;
    root.says(&["but the backend answers its paths without it"]);
    assert_eq!(root.code, Some(0), "{}", root.stdout);
}

/// A spec whose one item route takes any segment at the root (Litestar's `PUT
/// /{item_title}`): a GET of any one-segment path is that route's 405, so the unknown route
/// goes a segment deeper, where the backend answers 404 as it should.
struct RootItems;

impl Respond for RootItems {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", [""]) => ResponseTemplate::new(200).set_body_json(json!(["a", "b"])),
            ("PUT", [_]) => ResponseTemplate::new(200).set_body_json(json!("a")),
            (_, [_]) => ResponseTemplate::new(405)
                .insert_header("allow", "PUT")
                .set_body_json(json!({"detail": "Method Not Allowed"})),
            _ => ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"})),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_route_goes_deeper_than_a_root_template_takes() {
    const ROOT: &str = r##"openapi: 3.0.3
info: { title: Items, version: "1" }
paths:
  /:
    get:
      operationId: list_items
      responses:
        "200":
          description: the items
          content: { application/json: { schema: { type: array, items: { type: string } } } }
  /{item_title}:
    put:
      operationId: update_item
      parameters: [ { name: item_title, in: path, required: true, schema: { type: string } } ]
      requestBody:
        content: { application/json: { schema: { type: string } } }
      responses:
        "200":
          description: the item
          content: { application/json: { schema: { type: string } } }
"##;
    let run = crate::tagged_run(ROOT, RootItems, "@errors").await;
    assert_eq!(
        run.verdict("a request to an unknown route is answered 404 in the error envelope"),
        "passed",
        "{}",
        run.stdout
    );
}
