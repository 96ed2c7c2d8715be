//! A backend of openapi/api.yaml made with wiremock: correct, except for one fault at a time.
//! It keeps just enough state (accounts, tokens, uploads) for the features to run.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    CorsWildcard,
    CorsReflectsAnyOrigin,
    CorsNoVary,
    CorsNoExposeHeaders,
    CorsPreflightWithoutHeaders,
    NoWwwAuthenticate,
    ForbiddenForBadToken,
    AlgNoneAccepted,
    SignatureNotChecked,
    ServerErrorOnGarbageToken,
    RotatedRefreshAccepted,
    NoReuseDetection,
    RefreshAfterLogout,
    AccessTokenRefreshes,
    HtmlNotFound,
    ServerErrorOnMalformedJson,
    ValidationInAnotherEnvelope,
    RequestIdMismatch,
    ProblemStatusMismatch,
    MethodNotAllowedWithoutAllow,
    StorageAcceptsAnyContentType,
    StorageAcceptsAnySize,
    StorageAcceptsTamperedKey,
    PresignWithoutAuth,
    PresignsAnyContentType,
    UnsanitizedKey,
    UndocumentedStatus,
    MissingRequiredField,
}

#[derive(Default)]
struct State {
    users: HashMap<String, String>,
    access: HashSet<String>,
    /// refresh token -> (family, used, revoked)
    refresh: HashMap<String, (u64, bool)>,
    revoked_families: HashSet<u64>,
    next: u64,
    /// key -> (content type, max size, stored)
    uploads: HashMap<String, (String, u64, bool)>,
    upload_ids: HashMap<String, String>,
}

pub struct Mock {
    pub fault: Fault,
    pub base: String,
    state: Arc<Mutex<State>>,
}

const USER_ID: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const ALLOWED_ORIGIN: &str = "http://localhost:5173";

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

impl Mock {
    pub fn new(fault: Fault, base: String) -> Mock {
        Mock {
            fault,
            base,
            state: Arc::default(),
        }
    }

    fn has(&self, fault: Fault) -> bool {
        self.fault == fault
    }

    fn issue(&self, state: &mut State, family: Option<u64>) -> Value {
        state.next += 1;
        let n = state.next;
        let access = format!(
            "{}.{}.sig{n}",
            b64(&json!({"alg": "RS256", "typ": "JWT", "kid": "mock"})),
            b64(&json!({"sub": USER_ID, "n": n, "exp": 4_000_000_000u64}))
        );
        let refresh = format!("refresh-{n}");
        state.access.insert(access.clone());
        state
            .refresh
            .insert(refresh.clone(), (family.unwrap_or(n), false));
        json!({
            "access_token": access, "refresh_token": refresh, "token_type": "Bearer",
            "expires_in": 900, "refresh_expires_in": 86400,
            "user": {"id": USER_ID, "email": "conformance@example.com", "created_at": "2024-01-01T00:00:00Z"}
        })
    }

    fn valid_access(&self, state: &State, token: &str) -> Result<bool, ()> {
        if state.access.contains(token) {
            return Ok(true);
        }
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3 {
            return if self.has(Fault::ServerErrorOnGarbageToken) {
                Err(())
            } else {
                Ok(false)
            };
        }
        if self.has(Fault::AlgNoneAccepted) {
            let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[0])
                .ok();
            if header.is_some_and(|h| String::from_utf8_lossy(&h).contains("\"none\"")) {
                return Ok(true);
            }
        }
        if self.has(Fault::SignatureNotChecked) {
            let prefix = format!("{}.{}.", parts[0], parts[1]);
            if state.access.iter().any(|t| t.starts_with(&prefix)) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn problem(&self, request: &Request, status: u16, code: &str) -> ResponseTemplate {
        let id = request_id(request);
        let body_status = if self.has(Fault::ProblemStatusMismatch) {
            400
        } else {
            status
        };
        let rid = if self.has(Fault::RequestIdMismatch) {
            "another-id".to_string()
        } else {
            id.clone()
        };
        let mut body = json!({"type": "about:blank", "title": "Error", "status": body_status, "code": code, "request_id": rid});
        if status == 422 {
            body["errors"] = json!([{"field": "/", "message": "is invalid", "code": "invalid"}]);
        }
        let mut t = ResponseTemplate::new(status)
            .insert_header("x-request-id", id.as_str())
            .set_body_raw(body.to_string(), "application/problem+json");
        if status == 422 && self.has(Fault::ValidationInAnotherEnvelope) {
            t = ResponseTemplate::new(422)
                .insert_header("x-request-id", id.as_str())
                .set_body_raw(json!({"error": "invalid"}).to_string(), "application/json");
        }
        if status == 401 && !self.has(Fault::NoWwwAuthenticate) {
            t = t.insert_header("www-authenticate", "Bearer");
        }
        t
    }

    fn json(&self, request: &Request, status: u16, body: Value) -> ResponseTemplate {
        ResponseTemplate::new(status)
            .insert_header("x-request-id", request_id(request).as_str())
            .set_body_json(body)
    }

    fn cors(&self, request: &Request, mut t: ResponseTemplate) -> ResponseTemplate {
        let origin = request
            .headers
            .get("origin")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        if !self.has(Fault::CorsNoVary) {
            t = t.insert_header("vary", "Origin");
        }
        let Some(origin) = origin else { return t };
        let allowed = origin == ALLOWED_ORIGIN || self.has(Fault::CorsReflectsAnyOrigin);
        if !allowed {
            return t;
        }
        let echoed = if self.has(Fault::CorsWildcard) {
            "*".to_string()
        } else {
            origin
        };
        t = t
            .insert_header("access-control-allow-origin", echoed.as_str())
            .insert_header("access-control-allow-credentials", "true");
        if request.method.as_str() == "OPTIONS" {
            t = t.insert_header("access-control-allow-methods", "GET, POST, PATCH, DELETE");
            if !self.has(Fault::CorsPreflightWithoutHeaders) {
                t = t.insert_header(
                    "access-control-allow-headers",
                    "authorization, content-type",
                );
            }
        } else if !self.has(Fault::CorsNoExposeHeaders) {
            t = t.insert_header(
                "access-control-expose-headers",
                "X-Total-Count, X-Request-Id, Location",
            );
        }
        t
    }

    fn route(&self, request: &Request) -> ResponseTemplate {
        let method = request.method.as_str().to_string();
        let path = request.url.path().to_string();
        if method == "OPTIONS"
            && request
                .headers
                .contains_key("access-control-request-method")
        {
            return ResponseTemplate::new(204);
        }
        if path == "/storage" && method == "POST" {
            return self.storage(request);
        }
        let known: &[(&str, &[&str])] = &[
            ("/healthz", &["GET"]),
            ("/.well-known/jwks.json", &["GET"]),
            ("/api/v1/auth/register", &["POST"]),
            ("/api/v1/auth/login", &["POST"]),
            ("/api/v1/auth/refresh", &["POST"]),
            ("/api/v1/auth/logout", &["POST"]),
            ("/api/v1/users/me", &["GET"]),
            ("/api/v1/items", &["GET", "POST"]),
            ("/api/v1/uploads", &["POST"]),
        ];
        let template = if path.starts_with("/api/v1/items/") {
            Some(&["GET", "PATCH", "DELETE"][..])
        } else if path.starts_with("/api/v1/uploads/") {
            Some(&["GET"][..])
        } else {
            known.iter().find(|(p, _)| *p == path).map(|(_, m)| *m)
        };
        let Some(methods) = template else {
            if self.has(Fault::HtmlNotFound) {
                return ResponseTemplate::new(404)
                    .set_body_raw("<html><body>Not Found</body></html>", "text/html");
            }
            return self.problem(request, 404, "not_found");
        };
        if !methods.contains(&method.as_str()) {
            let mut t = self.problem(request, 405, "method_not_allowed");
            if !self.has(Fault::MethodNotAllowedWithoutAllow) {
                t = t.insert_header("allow", methods.join(", ").as_str());
            }
            return t;
        }
        let public = [
            "/healthz",
            "/.well-known/jwks.json",
            "/api/v1/auth/register",
            "/api/v1/auth/login",
            "/api/v1/auth/refresh",
        ]
        .contains(&path.as_str());
        let mut state = self.state.lock().unwrap();
        if !public && !(self.has(Fault::PresignWithoutAuth) && path == "/api/v1/uploads") {
            let token = request
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            match self.valid_access(&state, token) {
                Err(()) => return self.problem(request, 500, "internal_error"),
                Ok(false) if !token.is_empty() && self.has(Fault::ForbiddenForBadToken) => {
                    return self.problem(request, 403, "forbidden");
                }
                Ok(false) => return self.problem(request, 401, "unauthorized"),
                Ok(true) => {}
            }
        }
        let body: Option<Value> = match request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
        {
            _ if request.body.is_empty() => None,
            Some(ct) if ct.starts_with("application/json") => {
                match serde_json::from_slice(&request.body) {
                    Ok(v) => Some(v),
                    Err(_) if self.has(Fault::ServerErrorOnMalformedJson) => {
                        return self.problem(request, 500, "internal_error");
                    }
                    Err(_) => return self.problem(request, 400, "malformed_body"),
                }
            }
            _ => return self.problem(request, 415, "unsupported_media_type"),
        };
        let field = |name: &str| {
            body.as_ref()
                .and_then(|b| b.get(name))
                .and_then(Value::as_str)
                .map(String::from)
        };
        match (method.as_str(), path.as_str()) {
            ("POST", "/api/v1/auth/register") => {
                let (Some(email), Some(password)) = (field("email"), field("password")) else { return self.problem(request, 422, "validation_failed") };
                if state.users.contains_key(&email) {
                    return self.problem(request, 409, "email_taken");
                }
                state.users.insert(email.clone(), password);
                self.json(request, 201, json!({"id": USER_ID, "email": email, "created_at": "2024-01-01T00:00:00Z"})).insert_header("location", "/api/v1/users/me")
            }
            ("POST", "/api/v1/auth/login") => {
                let ok = matches!((field("email"), field("password")), (Some(e), Some(p)) if state.users.get(&e) == Some(&p));
                if !ok {
                    return self.problem(request, 401, "invalid_credentials");
                }
                let pair = self.issue(&mut state, None);
                self.json(request, if self.has(Fault::UndocumentedStatus) { 202 } else { 200 }, pair)
            }
            ("POST", "/api/v1/auth/refresh") => {
                let Some(token) = field("refresh_token") else { return self.problem(request, 422, "validation_failed") };
                if self.has(Fault::AccessTokenRefreshes) && state.access.contains(&token) {
                    let pair = self.issue(&mut state, None);
                    return self.json(request, 200, pair);
                }
                let Some(&(family, used)) = state.refresh.get(&token) else { return self.problem(request, 401, "invalid_refresh_token") };
                if state.revoked_families.contains(&family) && !self.has(Fault::RefreshAfterLogout) {
                    return self.problem(request, 401, "invalid_refresh_token");
                }
                if used && !self.has(Fault::RotatedRefreshAccepted) {
                    if !self.has(Fault::NoReuseDetection) {
                        state.revoked_families.insert(family);
                    }
                    return self.problem(request, 401, "refresh_token_reused");
                }
                state.refresh.insert(token, (family, true));
                let pair = self.issue(&mut state, Some(family));
                self.json(request, 200, pair)
            }
            ("POST", "/api/v1/auth/logout") => {
                if field("refresh_token").is_none() {
                    return self.problem(request, 422, "validation_failed");
                }
                if let Some(&(family, _)) = field("refresh_token").and_then(|t| state.refresh.get(&t)) {
                    state.revoked_families.insert(family);
                }
                ResponseTemplate::new(204).insert_header("x-request-id", request_id(request).as_str())
            }
            ("GET", "/api/v1/users/me") => {
                let mut user = json!({"id": USER_ID, "email": "conformance@example.com", "created_at": "2024-01-01T00:00:00Z"});
                if self.has(Fault::MissingRequiredField) {
                    user.as_object_mut().unwrap().remove("email");
                }
                self.json(request, 200, user)
            }
            ("GET", "/api/v1/items") => self.json(request, 200, json!({"items": [], "total": 0})).insert_header("x-total-count", "0"),
            ("POST", "/api/v1/items") => match body {
                Some(b) if b.get("name").and_then(Value::as_str).is_some_and(|n| !n.is_empty()) => self
                    .json(request, 201, json!({"id": USER_ID, "owner_id": USER_ID, "name": b["name"], "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}))
                    .insert_header("location", format!("/api/v1/items/{USER_ID}").as_str()),
                _ => self.problem(request, 422, "validation_failed"),
            },
            ("POST", "/api/v1/uploads") => {
                let (Some(name), Some(ct)) = (field("file_name"), field("content_type")) else { return self.problem(request, 422, "validation_failed") };
                let size = body.as_ref().and_then(|b| b["size_bytes"].as_u64()).unwrap_or(0);
                if (!self.has(Fault::PresignsAnyContentType) && ct != "image/png") || size == 0 || size > 1000 {
                    return self.problem(request, 422, "validation_failed");
                }
                state.next += 1;
                let id = format!("00000000-0000-4000-8000-{:012}", state.next);
                let clean: String = name.rsplit('/').next().unwrap_or("file").chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.').collect::<String>().replace("..", "_");
                let key = if self.has(Fault::UnsanitizedKey) { format!("users/{USER_ID}/{id}/{name}") } else { format!("users/{USER_ID}/{id}/{clean}") };
                state.uploads.insert(key.clone(), (ct.clone(), size, false));
                state.upload_ids.insert(id.clone(), key.clone());
                self.json(
                    request,
                    201,
                    json!({"upload_id": id, "url": format!("{}/storage", self.base), "key": key, "expires_at": "2099-01-01T00:00:00Z", "max_size_bytes": size,
                           "fields": {"key": key, "Content-Type": ct, "policy": "mock-policy", "x-amz-signature": "mock"}}),
                )
                .insert_header("location", format!("/api/v1/uploads/{id}").as_str())
            }
            ("GET", p) if p.starts_with("/api/v1/uploads/") => {
                let id = p.trim_start_matches("/api/v1/uploads/");
                match state.upload_ids.get(id).and_then(|k| state.uploads.get(k).map(|u| (k.clone(), u.clone()))) {
                    Some((key, (ct, size, stored))) => self.json(
                        request,
                        200,
                        json!({"upload_id": id, "key": key, "file_name": "f", "content_type": ct, "size_bytes": size, "status": if stored { "stored" } else { "pending" }}),
                    ),
                    None => self.problem(request, 404, "not_found"),
                }
            }
            _ => self.problem(request, 404, "not_found"),
        }
    }

    /// A presigned POST to storage: the fields and the file of a multipart body.
    fn storage(&self, request: &Request) -> ResponseTemplate {
        let ct = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let Some(boundary) = ct
            .split("boundary=")
            .nth(1)
            .map(|b| b.trim_matches('"').to_string())
        else {
            return ResponseTemplate::new(400);
        };
        let mut fields: HashMap<String, String> = HashMap::new();
        let mut file: Option<Vec<u8>> = None;
        let body = &request.body;
        let delimiter = format!("--{boundary}").into_bytes();
        let mut parts = Vec::new();
        let mut start = 0;
        while let Some(i) = find(&body[start..], &delimiter) {
            parts.push(start + i);
            start += i + delimiter.len();
        }
        for w in parts.windows(2) {
            let part = &body[w[0] + delimiter.len()..w[1]];
            let Some(split) = find(part, b"\r\n\r\n") else {
                continue;
            };
            let headers = String::from_utf8_lossy(&part[..split]).to_string();
            let mut content = part[split + 4..].to_vec();
            if content.ends_with(b"\r\n") {
                content.truncate(content.len() - 2);
            }
            let name = headers
                .split("name=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("")
                .to_string();
            if name == "file" {
                file = Some(content);
            } else {
                fields.insert(name, String::from_utf8_lossy(&content).to_string());
            }
        }
        let mut state = self.state.lock().unwrap();
        let key = fields.get("key").cloned().unwrap_or_default();
        let Some((expected_type, max, _)) = state.uploads.get(&key).cloned().or_else(|| {
            self.has(Fault::StorageAcceptsTamperedKey)
                .then(|| state.uploads.values().next().cloned())
                .flatten()
        }) else {
            return ResponseTemplate::new(403);
        };
        let size = file.as_ref().map(Vec::len).unwrap_or(0) as u64;
        if fields.get("Content-Type") != Some(&expected_type)
            && !self.has(Fault::StorageAcceptsAnyContentType)
        {
            return ResponseTemplate::new(403);
        }
        if (size == 0 || size > max) && !self.has(Fault::StorageAcceptsAnySize) {
            return ResponseTemplate::new(400);
        }
        if let Some(u) = state.uploads.get_mut(&key) {
            u.2 = true;
        }
        ResponseTemplate::new(204)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn request_id(request: &Request) -> String {
    request
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(String::from)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

impl Respond for Mock {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let t = self.route(request);
        self.cors(request, t)
    }
}
