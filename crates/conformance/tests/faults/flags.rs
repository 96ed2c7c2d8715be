//! A feature-flag service in Unleash's shape (Node.js, Express), read from its spec alone with
//! the admin's personal access token:
//! - its spec secures every route (`security` at the top: an `apiKey` in `Authorization`, or
//!   a bearer token), its health check and its password-reset routes too, which answer
//!   without credentials as any such route does: `/health` 200, `GET /auth/reset/validate`
//!   (which reads a `?token=` its spec does not declare) 401 `InvalidTokenError` whoever
//!   asks;
//! - its sign-in takes ten requests a minute: here none is left (429);
//! - it checks credentials before it routes anything under `/api/admin` (401 to a visitor,
//!   for a path it does not have too), and its web app answers every other path with its
//!   page;
//! - an invite link it makes answers its `secret` (the id its route takes), its `Location`
//!   (`tokens/SECRET`) and the `role` it grants, `{"id": 3, ...}`, no id of its own;
//! - `POST /api/admin/maintenance` puts the whole service in maintenance: every write of
//!   everyone answers 503 after it.
//!
//! A new user's run reads all of it without failing a check on any of it, and never switches
//! the maintenance on. Each broken copy fails its rule.

use std::sync::{Arc, Mutex};

use accord_conformance::rules::Rule;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Flags, version: "1" }
components:
  securitySchemes:
    apiKey: { type: apiKey, in: header, name: Authorization }
    bearerToken: { type: http, scheme: bearer }
  schemas:
    Error:
      type: object
      properties: { id: { type: string }, name: { type: string }, message: { type: string } }
    Segment:
      type: object
      required: [name]
      properties:
        id: { type: integer }
        name: { type: string, minLength: 1, maxLength: 100 }
        description: { type: string, nullable: true }
    Segments:
      type: object
      properties: { segments: { type: array, items: { $ref: "#/components/schemas/Segment" } } }
    Invite:
      type: object
      properties:
        secret: { type: string }
        name: { type: string }
        url: { type: string }
        enabled: { type: boolean }
        createdBy: { type: string }
        expiresAt: { type: string, format: date-time }
        role:
          type: object
          properties: { id: { type: integer }, name: { type: string }, type: { type: string } }
    InviteCreate:
      type: object
      required: [name]
      properties: { name: { type: string, minLength: 1, maxLength: 50 } }
    Note:
      type: object
      properties: { id: { type: integer }, text: { type: string }, segmentId: { type: integer } }
    NoteCreate:
      type: object
      required: [text]
      properties: { text: { type: string, minLength: 1, maxLength: 200 } }
    Project:
      type: object
      properties: { id: { type: string }, name: { type: string } }
    Feature:
      type: object
      properties:
        name: { type: string }
        description: { type: string, nullable: true }
        project: { type: string }
        stale: { type: boolean }
    FeatureCreate:
      type: object
      required: [name]
      properties:
        name: { type: string, pattern: "^[a-z0-9-]{1,60}$" }
        description: { type: string, nullable: true, maxLength: 100 }
        project: { type: string }
    Login:
      type: object
      required: [username, password]
      properties: { username: { type: string }, password: { type: string } }
    Maintenance:
      type: object
      required: [enabled]
      properties: { enabled: { type: boolean } }
  responses:
    Unauthorized:
      description: Authorization information is missing or invalid
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    BadRequest:
      description: The request is invalid
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    NotFound:
      description: Not found
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
security: [{ apiKey: [] }, { bearerToken: [] }]
paths:
  /health:
    get:
      operationId: getHealth
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object, properties: { health: { type: string } } } } } }
  /auth/simple/login:
    post:
      operationId: login
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Login" } } } }
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /auth/reset/validate:
    get:
      operationId: validateToken
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/admin/segments:
    get:
      operationId: getSegments
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Segments" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
    post:
      operationId: createSegment
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Segment" } } } }
      responses:
        "201": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/Segment" } } } }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/admin/segments/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getSegment
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Segment" } } } }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
    put:
      operationId: updateSegment
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Segment" } } } }
      responses:
        "204": { description: Updated }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
    delete:
      operationId: removeSegment
      responses:
        "204": { description: Deleted }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/admin/segments/{segmentId}/notes:
    parameters:
      - { name: segmentId, in: path, required: true, schema: { type: integer } }
    post:
      operationId: createSegmentNote
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/NoteCreate" } } } }
      responses:
        "201": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/admin/segments/{segmentId}/notes/{noteId}:
    parameters:
      - { name: segmentId, in: path, required: true, schema: { type: integer } }
      - { name: noteId, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getSegmentNote
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Note" } } } }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
    delete:
      operationId: removeSegmentNote
      responses:
        "204": { description: Deleted }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/admin/invite-link/tokens:
    get:
      operationId: getAllPublicSignupTokens
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object, properties: { tokens: { type: array, items: { $ref: "#/components/schemas/Invite" } } } } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
    post:
      operationId: createPublicSignupToken
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/InviteCreate" } } } }
      responses:
        "201": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/Invite" } } } }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/admin/invite-link/tokens/{token}:
    parameters:
      - { name: token, in: path, required: true, schema: { type: string } }
    get:
      operationId: getPublicSignupToken
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Invite" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
    delete:
      operationId: deletePublicSignupToken
      responses:
        "200": { description: Deleted }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/admin/projects:
    get:
      operationId: getProjects
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object, properties: { version: { type: integer }, projects: { type: array, items: { $ref: "#/components/schemas/Project" } } } } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/admin/projects/{projectId}/features:
    parameters:
      - { name: projectId, in: path, required: true, schema: { type: string } }
    get:
      operationId: getFeatures
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object, properties: { features: { type: array, items: { $ref: "#/components/schemas/Feature" } } } } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
    post:
      operationId: createFeature
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/FeatureCreate" } } } }
      responses:
        "200": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/Feature" } } } }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/admin/projects/{projectId}/features/{featureName}:
    parameters:
      - { name: projectId, in: path, required: true, schema: { type: string } }
      - { name: featureName, in: path, required: true, schema: { type: string } }
    get:
      operationId: getFeature
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Feature" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
    delete:
      operationId: archiveFeature
      responses:
        "202": { description: Archived }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/admin/maintenance:
    get:
      operationId: getMaintenance
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/Maintenance" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
    post:
      operationId: toggleMaintenance
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Maintenance" } } } }
      responses:
        "204": { description: Switched }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
"##;

const TOKEN: &str = "user:0123456789abcdef";

#[derive(Default)]
struct State {
    segments: Vec<(u64, Value)>,
    /// Each note with the segment it is under.
    notes: Vec<(u64, Value)>,
    /// The `default` project's features.
    features: Vec<Value>,
    /// The writes that reached a project itself (the run's parent it did not make).
    project_writes: u32,
    invites: Vec<Value>,
    next: u64,
    maintenance: bool,
    /// The `POST /api/admin/maintenance` requests that reached it.
    switched: u32,
}

/// What is broken in the backend, if anything.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// `GET /api/admin/segments` answers without credentials.
    OpenSegments,
    /// `GET /api/admin/segments` refuses the valid token (401).
    RefusesToken,
    /// A path it does not have under `/api/admin` is answered with the web app's page, to a
    /// signed-in user too.
    PageForUnknown,
    /// A feature's `description` is stored empty.
    FeatureDescriptionLost,
    /// Not a fault: the project it lists is not the caller's to add flags to (400 for any
    /// create there).
    ForeignProject,
}

#[derive(Clone)]
struct Flags {
    state: Arc<Mutex<State>>,
    fault: Fault,
}

fn error(status: u16, name: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "id": "9c40958a-daac-400e-98fb-3bb438567008",
        "name": name,
        "message": message,
    }))
}

fn page() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        "<!doctype html><html><body><div id=\"app\"></div></body></html>",
        "text/html; charset=utf-8",
    )
}

/// Whether a segment's body is one the backend takes: a name of 1 to 100 characters, a
/// description that is text or null.
fn segment_fits(body: &Value) -> bool {
    let name = body.get("name").and_then(Value::as_str);
    name.is_some_and(|n| !n.is_empty() && n.chars().count() <= 100)
        && body.get("id").is_none_or(Value::is_i64)
        && body
            .get("description")
            .is_none_or(|d| d.is_null() || d.is_string())
}

impl Respond for Flags {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap();
        let path = request.url.path().to_string();
        let method = request.method.as_str();
        let header = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let signed_in = header == TOKEN || header.strip_prefix("Bearer ") == Some(TOKEN);
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let only = match path.as_str() {
            "/health" | "/auth/reset/validate" => Some("GET"),
            "/auth/simple/login" => Some("POST"),
            _ => None,
        };
        if let Some(only) = only
            && method != only
        {
            if method == "OPTIONS" {
                return ResponseTemplate::new(204).append_header("allow", only);
            }
            return error(405, "MethodNotAllowed", "Method not allowed")
                .append_header("allow", only);
        }
        match path.as_str() {
            "/health" => {
                return ResponseTemplate::new(200).set_body_json(json!({"health": "GOOD"}));
            }
            "/auth/simple/login" => {
                return error(429, "TooManyRequests", "Too many sign-ins")
                    .append_header("retry-after", "60")
                    .append_header("ratelimit-limit", "10")
                    .append_header("ratelimit-remaining", "0");
            }
            "/auth/reset/validate" => {
                return error(401, "InvalidTokenError", "Token was not valid");
            }
            p if !p.starts_with("/api/") => return page(),
            _ => {}
        }
        let open = self.fault == Fault::OpenSegments
            && (method, path.as_str()) == ("GET", "/api/admin/segments");
        let refused = error(
            401,
            "AuthenticationRequired",
            "You must log in to use Flags.",
        )
        .append_header("www-authenticate", "Bearer realm=\"flags\"");
        // Reads of the invite tokens without any credentials are rate-limited first.
        if header.is_empty() && (method, path.as_str()) == ("GET", "/api/admin/invite-link/tokens")
        {
            return error(429, "TooManyRequests", "Too many requests")
                .append_header("retry-after", "60");
        }
        if !signed_in && !open {
            return refused;
        }
        if self.fault == Fault::RefusesToken
            && (method, path.as_str()) == ("GET", "/api/admin/segments")
        {
            return refused;
        }
        if state.maintenance && method != "GET" {
            return error(
                503,
                "MaintenanceError",
                "Flags is currently in maintenance mode.",
            );
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let allow = match segments.as_slice() {
            ["api", "admin", "segments"] | ["api", "admin", "invite-link", "tokens"] => "GET, POST",
            ["api", "admin", "segments", _] => "GET, PUT, DELETE",
            ["api", "admin", "segments", _, "notes"] => "POST",
            ["api", "admin", "segments", _, "notes", _] => "GET, DELETE",
            ["api", "admin", "invite-link", "tokens", _] => "GET, DELETE",
            ["api", "admin", "maintenance"] => "GET, POST",
            ["api", "admin", "projects"] => "GET",
            ["api", "admin", "projects", _] => "GET, PUT, DELETE",
            ["api", "admin", "projects", _, "features"] => "GET, POST",
            ["api", "admin", "projects", _, "features", _] => "GET, DELETE",
            _ if self.fault == Fault::PageForUnknown => return page(),
            _ => return error(404, "NotFoundError", "Could not find the route"),
        };
        if method == "OPTIONS" {
            return ResponseTemplate::new(204).append_header("allow", allow);
        }
        if !allow.split(", ").any(|m| m == method) {
            return error(405, "MethodNotAllowed", "Method not allowed")
                .append_header("allow", allow);
        }
        match (method, segments.as_slice()) {
            ("GET", ["api", "admin", "segments"]) => {
                let list: Vec<Value> = state.segments.iter().map(|(_, s)| s.clone()).collect();
                ResponseTemplate::new(200).set_body_json(json!({ "segments": list }))
            }
            ("POST", ["api", "admin", "segments"]) => {
                if !segment_fits(&body) {
                    return error(400, "BadDataError", "Request validation failed");
                }
                state.next += 1;
                let id = state.next;
                let segment = json!({
                    "id": id,
                    "name": body["name"],
                    "description": body.get("description").cloned().unwrap_or(Value::Null),
                });
                state.segments.push((id, segment.clone()));
                ResponseTemplate::new(201).set_body_json(segment)
            }
            (_, ["api", "admin", "segments", segment, "notes", rest @ ..]) => {
                let Ok(segment) = segment.parse::<u64>() else {
                    return error(400, "BadDataError", "The id must be an integer");
                };
                if !state.segments.iter().any(|(i, _)| *i == segment) {
                    return error(404, "NotFoundError", "No segment with that id");
                }
                match (method, rest) {
                    ("POST", []) => {
                        let text = body.get("text").and_then(Value::as_str).unwrap_or_default();
                        if text.is_empty() || text.chars().count() > 200 {
                            return error(400, "BadDataError", "Request validation failed");
                        }
                        state.next += 1;
                        let note = json!({"id": state.next, "text": text, "segmentId": segment});
                        state.notes.push((segment, note.clone()));
                        ResponseTemplate::new(201).set_body_json(note)
                    }
                    (_, [note]) => {
                        let Some(at) = state.notes.iter().position(|(s, n)| {
                            *s == segment && note.parse::<u64>().is_ok_and(|id| n["id"] == id)
                        }) else {
                            return error(404, "NotFoundError", "No note with that id");
                        };
                        if method == "DELETE" {
                            state.notes.remove(at);
                            return ResponseTemplate::new(204);
                        }
                        ResponseTemplate::new(200).set_body_json(state.notes[at].1.clone())
                    }
                    _ => error(404, "NotFoundError", "Could not find the route"),
                }
            }
            (_, ["api", "admin", "segments", id]) => {
                let Ok(id) = id.parse::<i64>() else {
                    return error(400, "BadDataError", "The id must be an integer");
                };
                let Some(at) = state.segments.iter().position(|(i, _)| *i as i64 == id) else {
                    return error(404, "NotFoundError", "No segment with that id");
                };
                match method {
                    "GET" => ResponseTemplate::new(200).set_body_json(state.segments[at].1.clone()),
                    "DELETE" => {
                        state.segments.remove(at);
                        ResponseTemplate::new(204)
                    }
                    _ => {
                        if !segment_fits(&body) {
                            return error(400, "BadDataError", "Request validation failed");
                        }
                        state.segments[at].1 = json!({
                            "id": id,
                            "name": body["name"],
                            "description": body.get("description").cloned().unwrap_or(Value::Null),
                        });
                        ResponseTemplate::new(204)
                    }
                }
            }
            ("GET", ["api", "admin", "invite-link", "tokens"]) => {
                ResponseTemplate::new(200).set_body_json(json!({ "tokens": state.invites }))
            }
            ("POST", ["api", "admin", "invite-link", "tokens"]) => {
                let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
                if name.is_empty() || name.chars().count() > 50 {
                    return error(400, "BadDataError", "Request validation failed");
                }
                state.next += 1;
                let secret = format!("{:032x}", state.next * 7919);
                let invite = json!({
                    "secret": secret,
                    "name": name,
                    "url": format!("http://localhost/new-user?invite={secret}"),
                    "enabled": true,
                    "createdBy": "admin",
                    "expiresAt": "2027-01-06T14:02:35.645Z",
                    "role": {"id": 3, "name": "Viewer", "type": "root"},
                });
                state.invites.push(invite.clone());
                ResponseTemplate::new(201)
                    .append_header("location", format!("tokens/{secret}").as_str())
                    .set_body_json(invite)
            }
            (_, ["api", "admin", "invite-link", "tokens", secret]) => {
                let Some(at) = state.invites.iter().position(|i| i["secret"] == *secret) else {
                    return error(404, "NotFoundError", "No invite with that secret");
                };
                if method == "DELETE" {
                    state.invites.remove(at);
                    return ResponseTemplate::new(200);
                }
                ResponseTemplate::new(200).set_body_json(state.invites[at].clone())
            }
            ("GET", ["api", "admin", "projects"]) => ResponseTemplate::new(200).set_body_json(
                json!({"version": 1, "projects": [{"id": "default", "name": "Default"}]}),
            ),
            (_, ["api", "admin", "projects", project]) => {
                if method != "GET" {
                    state.project_writes += 1;
                }
                if *project != "default" {
                    return error(404, "NotFoundError", "No such project");
                }
                ResponseTemplate::new(200)
                    .set_body_json(json!({"id": "default", "name": "Default"}))
            }
            (_, ["api", "admin", "projects", project, "features", ..]) if *project != "default" => {
                error(404, "NotFoundError", "No such project")
            }
            ("GET", ["api", "admin", "projects", _, "features"]) => {
                ResponseTemplate::new(200).set_body_json(json!({ "features": state.features }))
            }
            ("POST", ["api", "admin", "projects", _, "features"])
                if self.fault == Fault::ForeignProject =>
            {
                error(400, "BadDataError", "You may not add flags to this project")
            }
            ("POST", ["api", "admin", "projects", _, "features"]) => {
                let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
                let fits = !name.is_empty()
                    && name.len() <= 60
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                let description = body.get("description").cloned().unwrap_or(Value::Null);
                if !fits
                    || !(description.is_null()
                        || description
                            .as_str()
                            .is_some_and(|d| d.chars().count() <= 100))
                {
                    return error(400, "BadDataError", "Request validation failed");
                }
                if state.features.iter().any(|f| f["name"] == name) {
                    return error(409, "NameExistsError", "The name is taken");
                }
                let feature = json!({
                    "name": name,
                    "description": if self.fault == Fault::FeatureDescriptionLost { json!("") } else { description },
                    "project": "default",
                    "stale": false,
                });
                state.features.push(feature.clone());
                ResponseTemplate::new(200).set_body_json(feature)
            }
            (_, ["api", "admin", "projects", _, "features", name]) => {
                let Some(at) = state.features.iter().position(|f| f["name"] == *name) else {
                    return error(404, "NotFoundError", "No such feature");
                };
                if method == "DELETE" {
                    state.features.remove(at);
                    return ResponseTemplate::new(202);
                }
                ResponseTemplate::new(200).set_body_json(state.features[at].clone())
            }
            ("GET", ["api", "admin", "maintenance"]) => {
                ResponseTemplate::new(200).set_body_json(json!({ "enabled": state.maintenance }))
            }
            ("POST", ["api", "admin", "maintenance"]) => {
                state.switched += 1;
                match body.get("enabled").and_then(Value::as_bool) {
                    Some(on) => {
                        state.maintenance = on;
                        ResponseTemplate::new(204)
                    }
                    None => error(400, "BadDataError", "Request validation failed"),
                }
            }
            _ => error(404, "NotFoundError", "Could not find the route"),
        }
    }
}

const TAGS: &str = "@auth or @errors or @behaviour";

async fn run(fault: Fault) -> (crate::Run, u32) {
    let (run, switched, _) = run_counting(fault).await;
    (run, switched)
}

/// The run, the maintenance switches and the writes to a project that reached the backend.
async fn run_counting(fault: Fault) -> (crate::Run, u32, u32) {
    let state: Arc<Mutex<State>> = Arc::default();
    let server = crate::serving(Flags {
        state: state.clone(),
        fault,
    })
    .await;
    let run = crate::first_run_with(SPEC, server.uri(), TAGS, &[("ACCORD_TOKEN", TOKEN)]).await;
    let (switched, project_writes) = {
        let state = state.lock().unwrap();
        (state.switched, state.project_writes)
    };
    (run, switched, project_writes)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flag_service_in_unleash_shape_is_read_from_its_spec() {
    let (run, switched) = run(Fault::None).await;
    // The whole service's mode is left as it was.
    assert_eq!(switched, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("its name says it switches the whole service's mode (`maintenance`)"),
        "{}",
        run.stdout
    );
    // The health check answers anyone, whatever the spec secures: noted, not failed.
    assert!(
        run.stdout
            .contains("the credentials the spec asks of GET /health (getHealth) are not checked"),
        "{}",
        run.stdout
    );
    assert!(!run.failed_by("", Rule::AuthStatus, ""), "{}", run.stdout);
    assert!(
        !run.failed_by("", Rule::ApiKeyRefused, ""),
        "{}",
        run.stdout
    );
    // The reset link's check refuses the token it reads, not the session's.
    assert!(!run.failed_by("", Rule::AuthValid, ""), "{}", run.stdout);
    assert!(
        !run.failed_by("", Rule::AuthChallenge, ""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("validateToken answered 401: it takes a credential of its own"),
        "{}",
        run.stdout
    );
    // The rate-limited sign-in is left for another operation; the unknown route goes under
    // `/api/admin`, signed in.
    assert!(!run.failed_by("", Rule::ErrorsStatus, ""), "{}", run.stdout);
    // The sign-in, which the spec's global security covers, is no operation a token opens;
    // a read rate-limited before it looks at credentials is the backend defending itself.
    assert!(
        run.stdout.contains(
            "auth: POST /auth/simple/login signs in or out (its path says so): the token checks do not hold it to refusing a request without a session"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "auth: getAllPublicSignupTokens answered 429 (a rate limit), not 401: the backend defends itself; not judged"
        ),
        "{}",
        run.stdout
    );
    // Nor is the 429 a spec finding where the spec does not document it: noted once.
    run.says(&[
        "rate limit: getAllPublicSignupTokens answered 429, which its spec does not document",
    ]);
    assert!(
        !run.failed_by("", Rule::Spec, "status 429 is not documented"),
        "{}",
        run.stdout
    );
    assert!(!run.failed_by("", Rule::Positive, ""), "{}", run.stdout);
    // The invite is read at its secret, not at its role's id.
    assert!(!run.failed_by("", Rule::Created, ""), "{}", run.stdout);
    assert!(
        !run.failed_by("", Rule::Boundary, "not found at"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.verdict("What is created reads back, is listed and updates"),
        "passed",
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_answering_without_credentials_fails_beside_the_health_check() {
    let (run, _) = run(Fault::OpenSegments).await;
    assert!(
        run.failed_by("", Rule::AuthStatus, "getSegments answered 200"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_valid_token_refused_fails_beside_the_reset_check() {
    let (run, _) = run(Fault::RefusesToken).await;
    assert!(
        run.failed_by("", Rule::AuthValid, "getSegments"),
        "{}",
        run.stdout
    );
    // Judged there, once: not again as a valid request refused.
    assert!(
        !run.failed_by("", Rule::Positive, "getSegments"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_web_app_s_page_for_an_unknown_api_route_fails() {
    let (run, _) = run(Fault::PageForUnknown).await;
    assert!(
        run.failed_by("unknown route", Rule::ErrorsStatus, "HTML"),
        "{}",
        run.stdout
    );
}

/// The spec of the segments' reads alone, unsecured: what the crash below needs.
const SEGMENTS: &str = r##"openapi: 3.0.3
info: { title: Segments, version: "1" }
paths:
  /api/admin/segments:
    get:
      operationId: getSegments
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object } } } }
  /api/admin/segments/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getSegment
      responses:
        "200": { description: OK, content: { application/json: { schema: { type: object } } } }
        "400": { description: Bad id, content: { application/json: { schema: { type: object } } } }
        "404": { description: Not found, content: { application/json: { schema: { type: object } } } }
"##;

/// A server in Unleash 7's way with a segment id that is no number: the promise its
/// permission check rejects is never caught, and Node.js ends the process (the connection
/// closed without an answer, every connection after it refused). `crashes` false: the same
/// server answers 400.
async fn segments_server(crashes: bool) -> String {
    use std::sync::atomic::{AtomicBool, Ordering};
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let down = Arc::new(AtomicBool::new(false));
    let accepting = Arc::new(Mutex::new(None::<tokio::task::AbortHandle>));
    let handle = tokio::spawn({
        let down = down.clone();
        let accepting = accepting.clone();
        async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let down = down.clone();
                let accepting = accepting.clone();
                tokio::spawn(async move {
                    while let Some(head) = crate::transport::read_request(&mut socket).await {
                        if down.load(Ordering::SeqCst) {
                            return;
                        }
                        let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                        let id = target.strip_prefix("/api/admin/segments/");
                        let (status, body) = match id {
                            None if target == "/api/admin/segments" => {
                                ("200 OK", "{\"segments\":[]}")
                            }
                            None => ("404 Not Found", "{\"message\":\"no route\"}"),
                            Some(id) if id.parse::<i64>().is_ok() => {
                                ("404 Not Found", "{\"message\":\"no segment\"}")
                            }
                            Some(_) if crashes => {
                                // The process ends: this connection closes unanswered, and no
                                // one listens any more.
                                down.store(true, Ordering::SeqCst);
                                if let Some(accept) = accepting.lock().unwrap().take() {
                                    accept.abort();
                                }
                                return;
                            }
                            Some(_) => ("400 Bad Request", "{\"message\":\"the id is a number\"}"),
                        };
                        let answer = format!(
                            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if socket.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        }
    });
    *accepting.lock().unwrap() = Some(handle.abort_handle());
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_takes_the_backend_down_is_named_once() {
    let base = segments_server(true).await;
    let run = crate::first_run_with(SEGMENTS, base, "@behaviour", &[]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.failed_by("The backend stays up", Rule::Crash, "without an answer"),
        "{}",
        run.stdout
    );
    // Whichever id that is no number the run sends first (a broken input's `not-a-number`,
    // an edge value's emoji or path) is among the requests it names.
    let named = run.results["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["rule"] == Rule::Crash.id())
        .and_then(|s| s["detail"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(
        named.split("GET /api/admin/segments/").skip(1).any(|id| id
            .split([';', ',', ' '])
            .next()
            .is_some_and(|id| id.parse::<i64>().is_err())),
        "{}",
        run.stdout
    );
    // The scenarios that found it down are not judged: no transport failure of their own.
    assert!(!run.failed_by("", Rule::Transport, ""), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("(not judged: the backend went down under the run"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_that_refuses_the_same_request_stays_up() {
    let base = segments_server(false).await;
    let run = crate::first_run_with(SEGMENTS, base, "@behaviour", &[]).await;
    assert!(!run.failed_by("", Rule::Crash, ""), "{}", run.stdout);
    assert!(!run.failed_by("", Rule::Transport, ""), "{}", run.stdout);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
}

/// The flags of a project the run cannot make (the spec has no create of projects) are made
/// under the one the backend lists, read back and deleted; the project is never written.
#[tokio::test(flavor = "multi_thread")]
async fn features_go_under_the_project_the_backend_lists() {
    let (run, _, project_writes) = run_counting(Fault::None).await;
    assert_eq!(project_writes, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "what goes under one goes under /api/admin/projects/default, the first the backend lists (GET /api/admin/projects)"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("createFeature ("), "{}", run.stdout);
    // A note goes under the segment the run made, though its path names the segment's
    // parameter otherwise (`{segmentId}`, where the segment's own path says `{id}`).
    assert!(
        !run.stdout
            .contains("the run can make no /api/admin/segments/"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("getSegmentNote ("), "{}", run.stdout);
    assert!(run.stdout.contains("removeSegmentNote ("), "{}", run.stdout);
    assert!(run.stdout.contains("archiveFeature ("), "{}", run.stdout);
    assert!(!run.failed_by("", Rule::ReadBack, ""), "{}", run.stdout);
    assert!(!run.failed_by("", Rule::Created, ""), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_feature_s_description_lost_on_create_fails() {
    let (run, _) = run(Fault::FeatureDescriptionLost).await;
    assert!(
        run.failed_by("", Rule::ReadBack, "`description` was written as"),
        "{}",
        run.stdout
    );
}

/// A listed project the caller may not add to refuses the create: the run did not make it,
/// so the refusal is noted, never a failed create.
#[tokio::test(flavor = "multi_thread")]
async fn a_listed_parent_that_refuses_the_create_fails_nothing() {
    let (run, _) = run(Fault::ForeignProject).await;
    assert!(!run.failed_by("", Rule::Created, ""), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("createFeature is left out of the resource checks: it could not be created"),
        "{}",
        run.stdout
    );
}
