//! Resources addressed by a name where their answer carries a numeric id too, in the way of
//! Gitea's organizations: `POST /orgs` answers `{"id": 13, "name": "...", "username": "..."}`
//! and the organization lives at `/orgs/{org}`, `{org}` its name (text, no id). The run must
//! read, update and delete it by its name; a backend that loses what it made still fails.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"{
  "openapi": "3.0.3",
  "info": {"title": "Forge", "version": "1"},
  "components": {
    "securitySchemes": {"Token": {"type": "apiKey", "in": "header", "name": "Authorization"}},
    "schemas": {
      "Organization": {"type": "object", "properties": {
        "id": {"type": "integer", "format": "int64"},
        "name": {"type": "string"},
        "username": {"type": "string"},
        "description": {"type": "string"}}},
      "CreateOrgOption": {"type": "object", "required": ["username"], "properties": {
        "username": {"type": "string", "pattern": "^[a-z][a-z0-9]{2,20}$"},
        "description": {"type": "string", "maxLength": 255}}},
      "EditOrgOption": {"type": "object", "properties": {"description": {"type": "string", "maxLength": 255}}},
      "APIError": {"type": "object", "properties": {"message": {"type": "string"}}}
    }
  },
  "security": [{"Token": []}],
  "paths": {
    "/orgs": {
      "get": {"operationId": "orgGetAll", "responses": {"200": {"description": "OK",
        "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Organization"}}}}}}},
      "post": {"operationId": "orgCreate",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateOrgOption"}}}},
        "responses": {
          "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Organization"}}}},
          "422": {"description": "Invalid", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIError"}}}}}}},
    "/orgs/{org}": {
      "parameters": [{"name": "org", "in": "path", "required": true, "description": "name of the organization", "schema": {"type": "string"}}],
      "get": {"operationId": "orgGet", "responses": {
        "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Organization"}}}},
        "404": {"description": "Not found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIError"}}}}}},
      "patch": {"operationId": "orgEdit",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EditOrgOption"}}}},
        "responses": {
          "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Organization"}}}},
          "404": {"description": "Not found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIError"}}}}}},
      "delete": {"operationId": "orgDelete", "responses": {
        "204": {"description": "Deleted"},
        "404": {"description": "Not found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIError"}}}}}}
    }
  }
}"##;

#[derive(Clone, Default)]
struct Forge {
    /// Whether an organization made is lost at once (its read answers 404).
    loses: bool,
    /// The organizations, by name.
    orgs: Arc<Mutex<BTreeMap<String, Value>>>,
    /// The requests that went to `/orgs/{org}` with a number for `{org}`.
    by_number: Arc<Mutex<Vec<String>>>,
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"message": message}))
}

impl Respond for Forge {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| !v.ends_with("forge-token"))
        {
            return error(401, "token is required");
        }
        let path = request.url.path().to_string();
        let method = request.method.as_str();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let mut orgs = self.orgs.lock().unwrap();
        if path == "/orgs" {
            return match method {
                "GET" => ResponseTemplate::new(200)
                    .set_body_json(Value::Array(orgs.values().cloned().collect())),
                "POST" => {
                    let Some(name) = body["username"]
                        .as_str()
                        .filter(|n| n.len() >= 3 && n.chars().all(|c| c.is_ascii_alphanumeric()))
                    else {
                        return error(422, "[UserName]: Required");
                    };
                    let org = json!({
                        "id": 13 + orgs.len(),
                        "name": name,
                        "username": name,
                        "description": body["description"].as_str().unwrap_or_default(),
                    });
                    if !self.loses {
                        orgs.insert(name.to_string(), org.clone());
                    }
                    ResponseTemplate::new(201).set_body_json(org)
                }
                _ => error(405, "method not allowed").insert_header("allow", "GET, POST"),
            };
        }
        let Some(name) = path.strip_prefix("/orgs/").map(str::to_string) else {
            return error(404, "not found");
        };
        if name.parse::<i64>().is_ok() {
            self.by_number
                .lock()
                .unwrap()
                .push(format!("{method} {path}"));
        }
        match method {
            "GET" => match orgs.get(&name) {
                Some(org) => ResponseTemplate::new(200).set_body_json(org),
                None => error(404, "not found"),
            },
            "PATCH" => match orgs.get_mut(&name) {
                Some(org) => {
                    if let Some(d) = body["description"].as_str() {
                        org["description"] = json!(d);
                    }
                    ResponseTemplate::new(200).set_body_json(org.clone())
                }
                None => error(404, "not found"),
            },
            "DELETE" => match orgs.remove(&name) {
                Some(_) => ResponseTemplate::new(204),
                None => error(404, "not found"),
            },
            _ => error(405, "method not allowed").insert_header("allow", "GET, PATCH, DELETE"),
        }
    }
}

async fn run(backend: Forge) -> crate::Run {
    let server = crate::serving(backend).await;
    // The spec alone, as a new user runs it first, the token in the environment.
    crate::first_run_with(
        SPEC,
        server.uri(),
        "@writes and not @second_user",
        &[("ACCORD_TOKEN", "token forge-token")],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organization_named_by_its_name_reads_back_updates_and_is_deleted() {
    let backend = Forge::default();
    let run = run(backend.clone()).await;
    for scenario in [
        "What is created reads back, is listed and updates",
        "What is deleted is gone",
    ] {
        assert_eq!(
            run.verdict(scenario),
            "passed",
            "{scenario}\n{}",
            run.stdout
        );
    }
    let by_number = backend.by_number.lock().unwrap().clone();
    assert!(by_number.is_empty(), "{by_number:?}\n{}", run.stdout);
    assert!(
        backend.orgs.lock().unwrap().is_empty(),
        "left behind\n{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organization_lost_once_made_fails() {
    let run = run(Forge {
        loses: true,
        ..Forge::default()
    })
    .await;
    assert!(
        run.failed_by("What is created reads back", Rule::ReadBack, "404"),
        "{}",
        run.stdout
    );
}
