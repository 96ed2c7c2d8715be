//! A backend as Django REST framework and drf-spectacular make one (NetBox's shape): every
//! route ends with a slash, and a write to a path without it is no route; the token comes
//! from `POST /api/tokens/provision/`, which the spec marks secured like every operation,
//! and goes as `Authorization: Token <key>`, a prefix the scheme's description quotes; a
//! session cookie is the other scheme; a choice is written as its value and read back as
//! `{"value", "label"}`, a reference written as an id and read back as the object it names,
//! a reference to a tenant refused (400: there is none, which the spec cannot say);
//! an item is looked up before its body is read (404 first); and a site is protected (409)
//! while devices are there. A new user's first run, the spec and the credentials alone,
//! must sign in, make, read back and delete its resources, and leave nothing behind.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use crate::Run;

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Inventory, version: "4.4" }
security: [{ cookieAuth: [] }, { tokenAuth: [] }]
paths:
  /api/sites/{id}/:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: sites_retrieve
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Site" } } } }
    patch:
      operationId: sites_partial_update
      requestBody:
        content: { application/json: { schema: { $ref: "#/components/schemas/PatchedSiteRequest" } } }
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Site" } } } }
    delete:
      operationId: sites_destroy
      responses:
        "204": { description: "" }
  /api/sites/:
    get:
      operationId: sites_list
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/PaginatedSiteList" } } } }
    post:
      operationId: sites_create
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/SiteRequest" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Site" } } } }
  /api/devices/:
    post:
      operationId: devices_create
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/DeviceRequest" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Device" } } } }
  /api/devices/{id}/:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: devices_retrieve
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Device" } } } }
    delete:
      operationId: devices_destroy
      responses:
        "204": { description: "" }
  /api/tokens/provision/:
    post:
      operationId: users_tokens_provision_create
      description: Non-authenticated REST API endpoint via which a user may create a Token.
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/TokenProvisionRequest" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/TokenProvision" } } } }
components:
  securitySchemes:
    cookieAuth: { type: apiKey, in: cookie, name: sessionid }
    tokenAuth:
      type: apiKey
      in: header
      name: Authorization
      description: Token-based authentication with required prefix "Token"
  schemas:
    Status:
      type: object
      properties:
        value: { type: string, enum: [active, planned] }
        label: { type: string, enum: [Active, Planned] }
    SiteRequest:
      type: object
      required: [name]
      properties:
        name: { type: string, minLength: 1, maxLength: 100, pattern: "^[a-z0-9-]+$" }
        status: { type: string, enum: [active, planned] }
        tenant: { type: integer, nullable: true }
        description: { type: string, maxLength: 200 }
    PatchedSiteRequest:
      type: object
      properties:
        name: { type: string, minLength: 1, maxLength: 100, pattern: "^[a-z0-9-]+$" }
        status: { type: string, enum: [active, planned] }
        tenant: { type: integer, nullable: true }
        description: { type: string, maxLength: 200 }
    Site:
      type: object
      required: [id, name, status]
      properties:
        id: { type: integer, readOnly: true }
        name: { type: string }
        status: { $ref: "#/components/schemas/Status" }
    PaginatedSiteList:
      type: object
      required: [count, results]
      properties:
        count: { type: integer }
        next: { type: string, nullable: true }
        previous: { type: string, nullable: true }
        results: { type: array, items: { $ref: "#/components/schemas/Site" } }
    BriefSite:
      type: object
      required: [id, name]
      properties:
        id: { type: integer }
        name: { type: string }
    DeviceRequest:
      type: object
      required: [name, site]
      properties:
        name: { type: string, minLength: 1, maxLength: 64, pattern: "^[a-z0-9-]+$" }
        site:
          oneOf:
            - { type: integer, example: 1 }
            - { type: object, required: [name], properties: { name: { type: string } } }
    Device:
      type: object
      required: [id, name, site]
      properties:
        id: { type: integer, readOnly: true }
        name: { type: string }
        site: { $ref: "#/components/schemas/BriefSite" }
    TokenProvisionRequest:
      type: object
      required: [username, password]
      properties:
        username: { type: string, writeOnly: true, minLength: 1 }
        password: { type: string, writeOnly: true, minLength: 1 }
    TokenProvision:
      type: object
      required: [id, key]
      properties:
        id: { type: integer, readOnly: true }
        key: { type: string, readOnly: true }
"##;

#[derive(Default)]
struct State {
    /// (id, name, status)
    sites: Vec<(u64, String, String)>,
    /// A site's description, by id.
    descriptions: std::collections::BTreeMap<u64, String>,
    /// (id, name, site id)
    devices: Vec<(u64, String, u64)>,
    next: u64,
    /// Writes that reached a path without its trailing slash.
    unslashed: Vec<String>,
}

#[derive(Clone, Default)]
pub struct Drf {
    state: Arc<Mutex<State>>,
}

fn detail(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "detail": text }))
}

fn site_view(s: &(u64, String, String), description: Option<&String>) -> Value {
    let label = if s.2 == "active" { "Active" } else { "Planned" };
    json!({"id": s.0, "name": s.1, "status": {"value": s.2, "label": label},
        "description": description.cloned().unwrap_or_default()})
}

/// A tenant that names no tenant (there are none) is refused, as a reference to nothing.
fn tenant_refused(body: &Value) -> Option<ResponseTemplate> {
    body.get("tenant").filter(|t| !t.is_null()).map(|_| {
        ResponseTemplate::new(400).set_body_json(
            json!({"tenant": ["Related object not found using the provided numeric ID"]}),
        )
    })
}

const KEY: &str = "0123456789abcdef0123456789abcdef01234567";

impl Respond for Drf {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let method = request.method.as_str().to_string();
        let path = request.url.path().to_string();
        if method != "GET" {
            eprintln!(
                "MOCK {method} {path} {}",
                String::from_utf8_lossy(&request.body)
            );
        }
        let body = serde_json::from_slice::<Value>(&request.body).unwrap_or(Value::Null);
        if !path.ends_with('/') {
            if method != "GET" {
                s.unslashed.push(format!("{method} {path}"));
            }
            return detail(404, "Not found.");
        }
        let json_body = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if matches!(method.as_str(), "POST" | "PATCH") && !request.body.is_empty() && !json_body {
            return detail(415, "Unsupported media type in request.");
        }
        if method == "POST" && path == "/api/tokens/provision/" {
            return if body["username"] == "admin" && body["password"] == "admin-password-1" {
                ResponseTemplate::new(201).set_body_json(json!({"id": 1, "key": KEY}))
            } else {
                detail(403, "Invalid username/password")
            };
        }
        let signed_in = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(&format!("Token {KEY}"));
        if !signed_in {
            return detail(403, "Authentication credentials were not provided.");
        }
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let id = segments.get(2).map(|i| i.parse::<u64>().ok());
        let name_ok = |v: &Value| {
            v.as_str().is_some_and(|n| {
                !n.is_empty()
                    && n.len() <= 64
                    && n.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
        };
        match (method.as_str(), segments.get(1).copied(), id) {
            ("OPTIONS", _, _) => ResponseTemplate::new(200)
                .insert_header("allow", "GET, POST, PATCH, DELETE, HEAD, OPTIONS")
                .set_body_json(json!({"name": "API"})),
            ("GET", Some("sites"), None) => {
                let results: Vec<Value> = s
                    .sites
                    .iter()
                    .map(|x| site_view(x, s.descriptions.get(&x.0)))
                    .collect();
                ResponseTemplate::new(200).set_body_json(
                    json!({"count": results.len(), "next": null, "previous": null, "results": results}),
                )
            }
            ("POST", Some("sites"), None) => {
                let status = body["status"].as_str().unwrap_or("active").to_string();
                if !name_ok(&body["name"]) || !["active", "planned"].contains(&status.as_str()) {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"name": ["This field is required."]}));
                }
                if let Some(refused) = tenant_refused(&body) {
                    return refused;
                }
                s.next += 1;
                let site = (s.next, body["name"].as_str().unwrap().to_string(), status);
                if let Some(d) = body["description"].as_str() {
                    s.descriptions.insert(site.0, d.to_string());
                }
                let view = site_view(&site, s.descriptions.get(&site.0));
                s.sites.push(site);
                ResponseTemplate::new(201).set_body_json(view)
            }
            ("POST", Some("devices"), None) => {
                let site = body["site"].as_u64();
                if !name_ok(&body["name"])
                    || site.is_none_or(|id| !s.sites.iter().any(|x| x.0 == id))
                {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"site": ["Invalid pk - object does not exist."]}));
                }
                s.next += 1;
                let device = (
                    s.next,
                    body["name"].as_str().unwrap().to_string(),
                    site.unwrap(),
                );
                s.devices.push(device.clone());
                let site = s.sites.iter().find(|x| x.0 == device.2).unwrap();
                ResponseTemplate::new(201).set_body_json(
                    json!({"id": device.0, "name": device.1, "site": {"id": site.0, "name": site.1}}),
                )
            }
            (_, Some(kind @ ("sites" | "devices")), Some(Some(id))) => {
                // The item first, as `get_object()` looks it up before the body is read.
                if kind == "sites" {
                    let Some(at) = s.sites.iter().position(|x| x.0 == id) else {
                        return detail(404, "No Site matches the given query.");
                    };
                    match method.as_str() {
                        "GET" => ResponseTemplate::new(200)
                            .set_body_json(site_view(&s.sites[at], s.descriptions.get(&id))),
                        "PATCH" => {
                            if body.get("name").is_some_and(|n| !name_ok(n)) {
                                return ResponseTemplate::new(400)
                                    .set_body_json(json!({"name": ["Enter a valid value."]}));
                            }
                            if let Some(refused) = tenant_refused(&body) {
                                return refused;
                            }
                            if let Some(n) = body["name"].as_str() {
                                s.sites[at].1 = n.to_string();
                            }
                            if let Some(d) = body["description"].as_str() {
                                s.descriptions.insert(id, d.to_string());
                            }
                            if let Some(st) = body["status"].as_str() {
                                s.sites[at].2 = st.to_string();
                            }
                            ResponseTemplate::new(200)
                                .set_body_json(site_view(&s.sites[at], s.descriptions.get(&id)))
                        }
                        "DELETE" => {
                            // Protected while devices are there (a protected reference,
                            // whichever device holds it: another scenario's too).
                            if !s.devices.is_empty() {
                                return detail(
                                    409,
                                    "Unable to delete object: a device refers to it.",
                                );
                            }
                            s.sites.remove(at);
                            ResponseTemplate::new(204)
                        }
                        _ => detail(405, "Method not allowed.")
                            .insert_header("allow", "GET, PATCH, DELETE, HEAD, OPTIONS"),
                    }
                } else {
                    let Some(at) = s.devices.iter().position(|x| x.0 == id) else {
                        return detail(404, "No Device matches the given query.");
                    };
                    match method.as_str() {
                        "GET" => {
                            let d = s.devices[at].clone();
                            let site = s.sites.iter().find(|x| x.0 == d.2).unwrap();
                            ResponseTemplate::new(200).set_body_json(
                                json!({"id": d.0, "name": d.1, "site": {"id": site.0, "name": site.1}}),
                            )
                        }
                        "DELETE" => {
                            s.devices.remove(at);
                            ResponseTemplate::new(204)
                        }
                        _ => detail(405, "Method not allowed.")
                            .insert_header("allow", "GET, DELETE, HEAD, OPTIONS"),
                    }
                }
            }
            (_, Some("sites"), _) => detail(405, "Method not allowed.")
                .insert_header("allow", "GET, POST, HEAD, OPTIONS"),
            (_, Some("devices"), _) => {
                detail(405, "Method not allowed.").insert_header("allow", "POST, OPTIONS")
            }
            _ => detail(404, "Not found."),
        }
    }
}

impl Drf {
    fn left(&self) -> (usize, usize) {
        let s = self.state.lock().unwrap();
        (s.sites.len(), s.devices.len())
    }
}

/// A new user's first run on the DRF backend: the spec alone, the credentials in the
/// environment, seed 7, the scenarios of `tags`.
async fn first_run(backend: Drf, tags: &str) -> Run {
    let server = crate::serving(backend).await;
    let credentials = [
        ("ACCORD_USER", "admin"),
        ("ACCORD_PASSWORD", "admin-password-1"),
    ];
    crate::first_run_with(SPEC, server.uri(), tags, &credentials).await
}

fn verdict(run: &Run, scenario: &str) -> Option<String> {
    run.results["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["scenario"].as_str().is_some_and(|n| n.contains(scenario)))
        .and_then(|s| s["verdict"].as_str().map(String::from))
}

/// The whole first run of a DRF backend as a new user makes it: signed in by the token
/// provision (found by its shape), the token sent after the quoted `Token`, the resources
/// found under their trailing-slash routes and written there, a choice and a reference read
/// back in their read shapes, the body error cases sent to a create (not to an item that is
/// looked up first), a protected site left to the cleanup, and nothing left behind.
#[tokio::test(flavor = "multi_thread")]
async fn a_django_rest_framework_backend_is_read_from_its_spec() {
    let backend = Drf::default();
    let run = first_run(
        backend.clone(),
        "(@writes and not @second_user) or @errors or @auth",
    )
    .await;
    let out = &run.stdout;
    assert!(!out.contains("rule setup"), "{out}");
    assert!(
        out.contains("the user's token goes in the `Authorization` header after `Token`"),
        "{out}"
    );
    // Sent as the spec says at once: no token placement had to be found.
    assert!(!out.contains("refuses the token where"), "{out}");
    // The session cookie is the browser's, no service's key to ask for.
    assert!(!out.contains("ACCORD_API_KEY"), "{out}");
    for scenario in [
        "What is created reads back, is listed and updates",
        "What is deleted is gone, with what lies under it",
        "a body missing a required field is answered 422",
        "a body of malformed JSON is answered 400",
        "a request with a wrong method is answered 405",
        "Every path answers a method it does not document with the methods it has",
        "A valid token is accepted",
    ] {
        assert_eq!(
            verdict(&run, scenario).as_deref(),
            Some("passed"),
            "{scenario}: {out}"
        );
    }
    assert_eq!(
        backend.state.lock().unwrap().unslashed,
        Vec::<String>::new(),
        "{out}"
    );
    assert_eq!(backend.left(), (0, 0), "the run left data behind: {out}");
    assert!(
        out.lines().any(
            |l| l.starts_with("note: behaviour: sites_destroy of /api/sites/")
                && l.contains("/ answered 409: something still refers to it")
        ),
        "{out}"
    );
}
