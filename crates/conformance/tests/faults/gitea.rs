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
      "Label": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}}},
      "CreateLabelOption": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "pattern": "^[a-z]{3,12}$"}}},
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
    "/orgs/{org}/labels": {
      "parameters": [{"name": "org", "in": "path", "required": true, "description": "name of the organization", "schema": {"type": "string"}}],
      "get": {"operationId": "orgListLabels", "responses": {"200": {"description": "OK",
        "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Label"}}}}}}},
      "post": {"operationId": "orgCreateLabel",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateLabelOption"}}}},
        "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Label"}}}}}}},
    "/orgs/{org}/labels/{id}": {
      "parameters": [
        {"name": "org", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}],
      "get": {"operationId": "orgGetLabel", "responses": {
        "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Label"}}}},
        "404": {"description": "Not found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIError"}}}}}},
      "delete": {"operationId": "orgDeleteLabel", "responses": {
        "204": {"description": "Deleted"},
        "404": {"description": "Not found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIError"}}}}}}},
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
    /// Whether an organization is its owner's alone (another user reads 404), while the
    /// labels under it answer anyone signed in: a leak.
    private: bool,
    /// The organizations, by name, each with its owner's token.
    orgs: Arc<Mutex<BTreeMap<String, (String, Value)>>>,
    /// The labels, by organization and id.
    labels: Arc<Mutex<BTreeMap<(String, u64), Value>>>,
    /// The requests that went to `/orgs/{org}` with a number for `{org}`.
    by_number: Arc<Mutex<Vec<String>>>,
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"message": message}))
}

impl Respond for Forge {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let token = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(' ').next())
            .filter(|t| matches!(*t, "forge-token" | "other-token"))
            .map(str::to_string);
        let path = request.url.path().to_string();
        let method = request.method.as_str();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let mut orgs = self.orgs.lock().unwrap();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        if let ["orgs", name, ..] = segments.as_slice()
            && name.parse::<i64>().is_ok()
        {
            self.by_number
                .lock()
                .unwrap()
                .push(format!("{method} {path}"));
        }
        // Public organizations, and their list, read without a token; the rest asks for one.
        let anonymous_read = method == "GET" && segments.len() <= 2 && !self.private;
        let Some(token) = token.or_else(|| anonymous_read.then(String::new)) else {
            return error(401, "token is required");
        };
        match segments.as_slice() {
            ["orgs"] => match method {
                "GET" => ResponseTemplate::new(200).set_body_json(Value::Array(
                    orgs.values()
                        .filter(|(owner, _)| !self.private || *owner == token)
                        .map(|(_, o)| o.clone())
                        .collect(),
                )),
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
                        orgs.insert(name.to_string(), (token, org.clone()));
                    }
                    ResponseTemplate::new(201).set_body_json(org)
                }
                _ => error(405, "method not allowed").insert_header("allow", "GET, POST"),
            },
            ["orgs", name] => {
                let name = name.to_string();
                let Some((owner, _)) = orgs.get(&name).cloned() else {
                    return error(404, "not found");
                };
                let owns = owner == token;
                match method {
                    "GET" if owns || !self.private => {
                        ResponseTemplate::new(200).set_body_json(&orgs[&name].1)
                    }
                    "GET" => error(404, "not found"),
                    "PATCH" | "DELETE" if !owns => error(403, "forbidden"),
                    "PATCH" => {
                        let org = &mut orgs.get_mut(&name).unwrap().1;
                        if let Some(d) = body["description"].as_str() {
                            org["description"] = json!(d);
                        }
                        ResponseTemplate::new(200).set_body_json(org.clone())
                    }
                    "DELETE" => {
                        orgs.remove(&name);
                        ResponseTemplate::new(204)
                    }
                    _ => error(405, "method not allowed")
                        .insert_header("allow", "GET, PATCH, DELETE"),
                }
            }
            ["orgs", name, "labels", rest @ ..] => {
                let name = name.to_string();
                let Some((owner, _)) = orgs.get(&name).cloned() else {
                    return error(404, "not found");
                };
                let owns = owner == token;
                let mut labels = self.labels.lock().unwrap();
                match (method, rest) {
                    // Any signed-in user reads the labels (a leak where the organization
                    // is its owner's alone).
                    ("GET", []) => ResponseTemplate::new(200).set_body_json(Value::Array(
                        labels
                            .iter()
                            .filter(|((o, _), _)| *o == name)
                            .map(|(_, l)| l.clone())
                            .collect(),
                    )),
                    ("POST", []) if owns => {
                        let Some(label) = body["name"].as_str().filter(|n| {
                            (3..=12).contains(&n.len()) && n.chars().all(|c| c.is_ascii_lowercase())
                        }) else {
                            return error(422, "[Name]: Required");
                        };
                        let id = 1 + labels.len() as u64;
                        let made = json!({"id": id, "name": label});
                        labels.insert((name, id), made.clone());
                        ResponseTemplate::new(201).set_body_json(made)
                    }
                    ("GET", [id]) => match id.parse().ok().and_then(|id| labels.get(&(name, id))) {
                        Some(l) => ResponseTemplate::new(200).set_body_json(l),
                        None => error(404, "not found"),
                    },
                    ("DELETE", [id]) if owns => {
                        match id.parse().ok().and_then(|id| labels.remove(&(name, id))) {
                            Some(_) => ResponseTemplate::new(204),
                            None => error(404, "not found"),
                        }
                    }
                    ("POST" | "DELETE", _) => error(403, "forbidden"),
                    _ => error(405, "method not allowed"),
                }
            }
            _ => error(404, "not found"),
        }
    }
}

async fn run(backend: Forge) -> crate::Run {
    let server = crate::serving(backend).await;
    // What init writes for the spec, the second user's token named beside the first's.
    let (dir, profile) = crate::spec_and_profile(
        SPEC,
        "spec.json",
        "request_timeout_secs = 5\ndeadline_secs = 60\n\n[auth]\nkind = \"static\"\ntoken_env = \"ACCORD_FORGE_TOKEN\"\nsecond_token_env = \"ACCORD_FORGE_TOKEN_2\"\n\n[behaviour]\nexamples = 3\nexpiry_wait_secs = 0\n",
    );
    crate::harness_in_env(
        profile,
        server.uri(),
        vec!["--tags".into(), "@writes".into()],
        dir,
        &[
            ("ACCORD_FORGE_TOKEN", "token forge-token"),
            ("ACCORD_FORGE_TOKEN_2", "token other-token"),
        ],
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
        "A second user cannot reach the first user's resources",
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

/// An organization its owner's alone, whose labels any signed-in user reads all the same:
/// nothing shares them, and the second user's read of one is a leak.
#[tokio::test(flavor = "multi_thread")]
async fn the_labels_of_an_organization_another_user_cannot_read_leak() {
    let run = run(Forge {
        private: true,
        ..Forge::default()
    })
    .await;
    assert!(
        run.failed_by(
            "A second user cannot reach",
            Rule::CrossUserRead,
            "the second user read the first user's resource at /orgs/"
        ),
        "{}",
        run.stdout
    );
}
