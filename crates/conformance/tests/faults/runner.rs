//! A task runner's API in Semaphore's shape, read from its hand-written Swagger 2.0 spec by a
//! new user with nothing but the spec and credentials: the browser's session is a cookie
//! the sign-in sets (a 204 with no body) and the spec's `cookie` scheme is an apiKey in the
//! `Cookie` header, naming no cookie; services send an API token, made by the signed-in user,
//! as `Authorization: Bearer <id>` where the spec's `bearer` scheme says no word; projects
//! are made at `/projects` and read at `/project/{project_id}/`; an update wants the
//! project's `id` in its body, which its schema leaves out; a sign-out answers 204 to anyone;
//! the spec writes a nullable field as a list of types. A broken copy still takes a token
//! after it is revoked.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"swagger: '2.0'
info: { title: Runner, version: "1" }
basePath: /api
consumes: [application/json]
produces: [application/json]
securityDefinitions:
  cookie: { type: apiKey, name: Cookie, in: header }
  bearer: { type: apiKey, name: Authorization, in: header }
security:
  - bearer: []
  - cookie: []
definitions:
  Login:
    type: object
    properties:
      auth: { type: string, description: Username/Email address }
      password: { type: string, format: password }
  ProjectRequest:
    type: object
    properties:
      name: { type: string, minLength: 1, maxLength: 40 }
      alert_chat: { type: [string, 'null'], maxLength: 40 }
  Project:
    type: object
    properties:
      id: { type: integer }
      name: { type: string }
      alert_chat: { type: [string, 'null'] }
  AccessKeyRequest:
    type: object
    properties:
      name: { type: string, minLength: 1, maxLength: 40 }
      type: { type: string, enum: [ssh, none] }
      login_password:
        type: object
        properties:
          login: { type: string, maxLength: 40 }
          password: { type: string, format: password, maxLength: 40 }
  RepositoryRequest:
    type: object
    properties:
      name: { type: string, minLength: 1, maxLength: 40 }
      ssh_key_id: { type: integer }
  Repository:
    type: object
    properties:
      id: { type: integer }
      name: { type: string }
      ssh_key_id: { type: integer }
  AccessKey:
    type: object
    properties:
      id: { type: integer }
      name: { type: string }
      type: { type: string }
  APIToken:
    type: object
    properties:
      id: { type: string }
      expired: { type: boolean }
paths:
  /auth/login:
    post:
      security: []
      parameters:
        - { name: Login Body, in: body, required: true, schema: { $ref: '#/definitions/Login' } }
      responses:
        204: { description: You are logged in }
        400: { description: something in body is missing / is invalid }
  /auth/logout:
    post:
      responses:
        204: { description: Your session was successfully nuked }
  /user/tokens:
    post:
      responses:
        201: { description: API Token, schema: { $ref: '#/definitions/APIToken' } }
  /user/tokens/{api_token_id}:
    parameters:
      - { name: api_token_id, in: path, type: string, required: true }
    delete:
      responses:
        204: { description: Expired API Token }
  /projects:
    get:
      responses:
        200: { description: Projects, schema: { type: array, items: { $ref: '#/definitions/Project' } } }
    post:
      parameters:
        - { name: Project, in: body, required: true, schema: { $ref: '#/definitions/ProjectRequest' } }
      responses:
        201: { description: Created project }
        400: { description: Bad request }
  /project/{project_id}/:
    parameters:
      - { name: project_id, in: path, type: integer, required: true }
    get:
      responses:
        200: { description: Project, schema: { $ref: '#/definitions/Project' } }
        404: { description: Not found }
    put:
      parameters:
        - name: Project
          in: body
          required: true
          schema: { type: object, properties: { name: { type: string, minLength: 1, maxLength: 40 } } }
      responses:
        204: { description: Project saved }
        400: { description: Bad request }
        404: { description: Not found }
    delete:
      responses:
        204: { description: Project deleted }
        404: { description: Not found }
  /project/{project_id}/keys:
    parameters:
      - { name: project_id, in: path, type: integer, required: true }
    get:
      responses:
        200: { description: Keys, schema: { type: array, items: { $ref: '#/definitions/AccessKey' } } }
    post:
      parameters:
        - { name: Key, in: body, required: true, schema: { $ref: '#/definitions/AccessKeyRequest' } }
      responses:
        204: { description: Key created }
        400: { description: Bad request }
  /project/{project_id}/repositories:
    parameters:
      - { name: project_id, in: path, type: integer, required: true }
    get:
      responses:
        200: { description: Repositories, schema: { type: array, items: { $ref: '#/definitions/Repository' } } }
    post:
      parameters:
        - { name: Repository, in: body, required: true, schema: { $ref: '#/definitions/RepositoryRequest' } }
      responses:
        201: { description: Repository created, schema: { $ref: '#/definitions/Repository' } }
        400: { description: Bad request }
  /project/{project_id}/repositories/{repository_id}:
    parameters:
      - { name: project_id, in: path, type: integer, required: true }
      - { name: repository_id, in: path, type: integer, required: true }
    get:
      responses:
        200: { description: Repository, schema: { $ref: '#/definitions/Repository' } }
        404: { description: Not found }
    delete:
      responses:
        204: { description: Repository deleted }
        404: { description: Not found }
  /project/{project_id}/keys/{key_id}:
    parameters:
      - { name: project_id, in: path, type: integer, required: true }
      - { name: key_id, in: path, type: integer, required: true }
    get:
      responses:
        200: { description: Key, schema: { $ref: '#/definitions/AccessKey' } }
        404: { description: Not found }
    delete:
      responses:
        204: { description: Key deleted }
        404: { description: Not found }
"##;

const USER: &str = "runner-admin";
const PASSWORD: &str = "runner-password-1";

#[derive(Clone, Default)]
struct Runner {
    /// A revoked token is taken all the same.
    revoked_works: bool,
    /// The list of a project's keys leaves out what was made (the create answers no id).
    keys_unlisted: bool,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    sessions: Vec<String>,
    /// Each token the signed-in user made, and whether it is revoked.
    tokens: BTreeMap<String, bool>,
    projects: BTreeMap<u64, Value>,
    /// Each key and repository, by its id: its project, its kind (the collection's name),
    /// and what it is.
    items: BTreeMap<u64, (u64, String, Value)>,
    next: u64,
}

impl State {
    /// What a create of `kind` in `project` makes of `body`, with the status it answers
    /// (a key's create answers 204, no id); or the refusal.
    fn made(&mut self, kind: &str, project: u64, body: &Value) -> Result<(Value, u16), String> {
        let name = body["name"].as_str().unwrap_or_default();
        if !(1..=40).contains(&name.chars().count()) {
            return Err(format!("invalid {kind}"));
        }
        let id = self.next + 1;
        let (item, status) = match kind {
            "keys" => {
                let kind = body.get("type").cloned().unwrap_or(json!("none"));
                if !["ssh", "none"].iter().any(|k| kind == *k) {
                    return Err("invalid key type".into());
                }
                (json!({"id": id, "name": name, "type": kind}), 204)
            }
            _ => {
                // The key must be one of this project's.
                let key = body["ssh_key_id"].as_u64().filter(|k| {
                    self.items
                        .get(k)
                        .is_some_and(|(p, kind, _)| *p == project && kind == "keys")
                });
                let Some(key) = key else {
                    return Err("ssh_key_id names no key of this project".into());
                };
                (json!({"id": id, "name": name, "ssh_key_id": key}), 201)
            }
        };
        self.next = id;
        self.items
            .insert(id, (project, kind.to_string(), item.clone()));
        Ok((item, status))
    }
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "error": message }))
}

impl Respond for Runner {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap();
        let state = &mut *state;
        let method = request.method.as_str();
        let Some(path) = request.url.path().strip_prefix("/api") else {
            return error(404, "not found");
        };
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        match (method, path) {
            ("POST", "/auth/login") => {
                return if body["auth"] == USER && body["password"] == PASSWORD {
                    state.next += 1;
                    let session = format!("session-{}", state.next);
                    state.sessions.push(session.clone());
                    ResponseTemplate::new(204)
                        .append_header("set-cookie", format!("runner={session}; Path=/"))
                } else {
                    error(400, "wrong login or password")
                };
            }
            // Nothing to end without a session: a sign-out answers 204 to anyone.
            ("POST", "/auth/logout") => return ResponseTemplate::new(204),
            _ => {}
        }
        let session = header("cookie")
            .split(';')
            .filter_map(|c| c.trim().strip_prefix("runner="))
            .any(|s| state.sessions.iter().any(|k| k == s));
        let token = header("authorization")
            .strip_prefix("Bearer ")
            .and_then(|t| state.tokens.get(t))
            .is_some_and(|revoked| !revoked || self.revoked_works);
        if !session && !token {
            return error(401, "not signed in");
        }
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("POST", ["user", "tokens"]) if session => {
                state.next += 1;
                let id = format!("tok{:08}x", state.next * 7919);
                state.tokens.insert(id.clone(), false);
                ResponseTemplate::new(201).set_body_json(json!({"id": id, "expired": false}))
            }
            ("DELETE", ["user", "tokens", id]) if session => {
                match state.tokens.get_mut(*id) {
                    Some(revoked) => *revoked = true,
                    None => return error(404, "no such token"),
                }
                ResponseTemplate::new(204)
            }
            ("GET", ["projects"]) => ResponseTemplate::new(200)
                .set_body_json(Value::Array(state.projects.values().cloned().collect())),
            ("POST", ["projects"]) => {
                let fits = |v: &Value, nullable: bool| match v {
                    Value::Null => nullable,
                    Value::String(s) => (1..=40).contains(&s.chars().count()),
                    _ => false,
                };
                if !body.is_object()
                    || !fits(&body["name"], false)
                    || body.get("alert_chat").is_some_and(|c| !fits(c, true))
                {
                    return error(400, "invalid project");
                }
                state.next += 1;
                let project = json!({
                    "id": state.next,
                    "name": body["name"],
                    "alert_chat": body.get("alert_chat").cloned().unwrap_or(Value::Null),
                });
                state.projects.insert(state.next, project.clone());
                ResponseTemplate::new(201).set_body_json(project)
            }
            (
                _,
                [
                    "project",
                    project,
                    kind @ ("keys" | "repositories"),
                    rest @ ..,
                ],
            ) => {
                let kind = kind.to_string();
                let Some(project) = project
                    .parse::<u64>()
                    .ok()
                    .filter(|p| state.projects.contains_key(p))
                else {
                    return error(404, "project not found");
                };
                let here = |(p, k, _): &(u64, String, Value)| *p == project && *k == kind;
                match (method, rest) {
                    ("GET", []) => ResponseTemplate::new(200).set_body_json(Value::Array(
                        state
                            .items
                            .values()
                            .filter(|i| here(i) && !(self.keys_unlisted && kind == "keys"))
                            .map(|(_, _, item)| item.clone())
                            .collect(),
                    )),
                    ("POST", []) => match state.made(&kind, project, &body) {
                        Ok((_, 204)) => ResponseTemplate::new(204),
                        Ok((item, status)) => ResponseTemplate::new(status).set_body_json(item),
                        Err(why) => error(400, &why),
                    },
                    (_, [id]) => {
                        let Some(id) = id
                            .parse::<u64>()
                            .ok()
                            .filter(|id| state.items.get(id).is_some_and(here))
                        else {
                            return error(404, "not found");
                        };
                        match method {
                            "GET" => ResponseTemplate::new(200).set_body_json(&state.items[&id].2),
                            "DELETE" => {
                                state.items.remove(&id);
                                ResponseTemplate::new(204)
                            }
                            _ => error(405, "method not allowed")
                                .append_header("allow", "GET, DELETE"),
                        }
                    }
                    _ => error(405, "method not allowed").append_header("allow", "GET, POST"),
                }
            }
            (_, ["project", id]) => {
                let Some(id) = id
                    .parse::<u64>()
                    .ok()
                    .filter(|id| state.projects.contains_key(id))
                else {
                    return error(404, "project not found");
                };
                match method {
                    "GET" => ResponseTemplate::new(200).set_body_json(&state.projects[&id]),
                    "PUT" => {
                        if body.get("id").and_then(Value::as_u64) != Some(id) {
                            return error(400, "Project ID in body and URL must be the same");
                        }
                        match body.get("name").and_then(Value::as_str) {
                            Some(name) if (1..=40).contains(&name.chars().count()) => {
                                state.projects.get_mut(&id).unwrap()["name"] = json!(name);
                                ResponseTemplate::new(204)
                            }
                            _ => error(400, "invalid project"),
                        }
                    }
                    "DELETE" => {
                        state.projects.remove(&id);
                        ResponseTemplate::new(204)
                    }
                    _ => {
                        error(405, "method not allowed").append_header("allow", "GET, PUT, DELETE")
                    }
                }
            }
            _ => error(404, "not found"),
        }
    }
}

async fn first_run(backend: Runner, tags: &str) -> crate::Run {
    let server = crate::serving(backend).await;
    crate::first_run_with(
        SPEC,
        format!("{}/api", server.uri()),
        tags,
        &[("ACCORD_USER", USER), ("ACCORD_PASSWORD", PASSWORD)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cookie_session_and_a_bearer_token_are_read_from_the_spec() {
    let run = first_run(
        Runner::default(),
        "@auth or @apikey or (@behaviour and @writes and not @second_user)",
    )
    .await;
    run.says(&[
        // The session is the cookie the sign-in sets, sent back as a browser does.
        "the spec's scheme `cookie` is the `Cookie` header, which names no cookie: the sign-in sets the session in `runner`",
        // A sign-out that answers anyone is no hole.
        "auth: POST /auth/logout signs in or out (its path says so)",
        // The token the run makes goes after `Bearer`, which the spec does not say.
        "refuses the API key of scheme `bearer` alone in `Authorization` (401) and takes it after `Bearer`",
        // The update goes with the `id` its schema leaves out.
        "refuses an update without the resource's `id` in its body (400)",
        // A key's create answers 204: the key is found on the list by the name it was given.
        "post_project_by_project_id_keys answers no id for what it makes: the run found it on get_project_by_project_id_keys by the text it sent (`name`)",
    ]);
    run.fails_none_of(&[Rule::AuthStatus, Rule::ApiKeyValid, Rule::ApiKeyRevoked]);
    // Projects are made at `/projects` and read at `/project/{project_id}/`.
    assert_eq!(
        run.verdict("What is created reads back, is listed and updates"),
        "passed",
        "{}",
        run.stdout
    );
    // No check fails; the spec's gaps (the undocumented 401s, the word and the `id`) do.
    assert!(run.stdout.contains(" passed, 0 failed"), "{}", run.stdout);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_still_taken_fails() {
    let run = first_run(
        Runner {
            revoked_works: true,
            ..Runner::default()
        },
        "@apikey",
    )
    .await;
    assert!(
        run.failed_by("A revoked API key is refused", Rule::ApiKeyRevoked, ""),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_answering_no_id_and_listing_nothing_fails() {
    let run = first_run(
        Runner {
            keys_unlisted: true,
            ..Runner::default()
        },
        "@behaviour and @writes and not @second_user",
    )
    .await;
    assert!(
        run.failed_by(
            "What is created reads back",
            Rule::Created,
            "post_project_by_project_id_keys answered 204 without an id"
        ),
        "{}",
        run.stdout
    );
}
