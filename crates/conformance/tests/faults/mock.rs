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
    /// A bad token (not a missing one) is refused 401 with the plain text `Unauthorized`
    /// labelled `application/json`, as RESTEasy's default answer is.
    PlainTextForBadToken,
    /// A request without a valid token (none, or a bad one) is refused with 403, not 401 (as
    /// DRF and FastAPI's `HTTPBearer` do).
    ForbiddenWithoutToken,
    /// A request without any token is answered 404, as a backend that looks the route or
    /// resource up before it checks credentials does.
    NotFoundWithoutToken,
    /// A method a path does not have is answered 404 in the envelope, not 405 (as Express
    /// and Fastify do).
    NotFoundForWrongMethod,
    /// The router's own 404, for an unknown route and for a method a path lacks alike, in
    /// plain text (`404 Not Found`, as Hono answers): one cause, outside the envelope.
    PlainRouterNotFound,
    AlgNoneAccepted,
    SignatureNotChecked,
    /// The list of items answers without any token (and so with any token at all), though
    /// the spec secures it.
    ListOpen,
    ServerErrorOnGarbageToken,
    RotatedRefreshAccepted,
    NoReuseDetection,
    /// Not a fault: a reused refresh token, or a logout, revokes every session of the user
    /// (a sign-out everywhere), not only its own family.
    RevokesEverySession,
    RefreshAfterLogout,
    AccessTokenRefreshes,
    HtmlNotFound,
    ServerErrorOnMalformedJson,
    ValidationInAnotherEnvelope,
    RequestIdMismatch,
    ProblemStatusMismatch,
    MethodNotAllowedWithoutAllow,
    /// A 405 has an empty body and no Content-Type (with its `Allow`), as RESTEasy answers.
    MethodNotAllowedBare,
    /// Every body it cannot take (a missing field, a wrong type) is a plain-text 400 labelled
    /// `application/json`, before any validation, as RESTEasy's Jackson answers.
    PlainDeserializer400,
    /// Every body it refuses (malformed JSON, a wrong media type, a missing field, a wrong
    /// type) is a plain-text 400 saying why, as an OpenAPI validator in front of a Go router
    /// answers: one cause outside the envelope.
    PlainTextRefusals,
    /// Every body it refuses is plain text, each with its own status (400 for malformed
    /// JSON, 415 for a wrong media type, 422 for a missing field or a wrong type), as axum's
    /// extractors answer.
    PlainTextRefusalsByStatus,
    /// Every refusal of a broken request an empty 403, as Spring Boot answers where its
    /// security lets no one reach the `/error` it forwards them to.
    ForbiddenRefusals,
    /// No CORS at all: no `Access-Control-*` header on any answer, a preflight's included.
    NoCors,
    StorageAcceptsAnyContentType,
    StorageAcceptsAnySize,
    StorageAcceptsTamperedKey,
    PresignWithoutAuth,
    PresignsAnyContentType,
    UnsanitizedKey,
    UndocumentedStatus,
    MissingRequiredField,
    CreatedIdWrongType,
    CreateUndocumented202,
    CrossUserRead,
    CrossUserUpdate,
    ListLeaksOtherUsers,
    DeletedStillReadable,
    ServerErrorOnWrongType,
    AcceptsMissingRequired,
    ExpiredTokenAccepted,
    LocationDoesNotResolve,
    UpdateNotPersisted,
    ServerErrorOnBadQuery,
    /// A valid `offset` above 5 crashes the list.
    ServerErrorOnLargeOffset,
    /// The list ignores `limit` and answers every item.
    LimitIgnored,
    /// The sign-up crashes on a NUL character in the display name (500).
    SignUpNulCrash,
    /// The sign-up crashes on a NUL character in any of its fields (500), as one that
    /// hashes the password and then stores every field does.
    SignUpNulAnywhereCrash,
    /// The sign-up crashes (500) when the display name and the password both hold a
    /// character outside printable ASCII, and on neither alone.
    SignUpCombinationCrash,
    /// The sign-up refuses an address at a domain reserved for testing (`example.test`),
    /// which `format: email` admits (422).
    SignUpRefusesReservedDomain,
    /// Not a fault: login takes an OAuth2 password form (`username`, `password`), as FastAPI's
    /// does, while register stays JSON.
    FormLogin,
    /// Not a fault: access tokens are opaque (random text the backend looks up), not JWTs.
    OpaqueTokens,
    /// Not a fault: the sign-in answers the access token in an `Authorization: Bearer`
    /// header, as devise-jwt does, not in its body.
    TokenInHeader,
    /// A revoked API key still reads items.
    RevokedKeyAccepted,
    /// A refused API key comes back in the error's detail.
    KeyEchoedInError,
    /// Error answers lack the CORS headers an allowed origin needs.
    CorsMissingOnErrors,
    /// Not a fault: the refresh token in an HttpOnly cookie, with double-submit CSRF.
    CookieMode,
    CookieNotHttpOnly,
    CookieSameSiteNoneInsecure,
    CookieNotClearedOnLogout,
    CookieCrossOriginAccepted,
    CookieDoubleSubmitNotChecked,
    /// Not a fault: login limited to 5 per 3 s, a 429 problem with Retry-After.
    RateLimited,
    RateLimitWithoutRetryAfter,
    RateLimitInAnotherEnvelope,
    /// The WebSocket server's faults (see `websocket.rs`).
    WsNoTokenAccepted,
    WsExpiredAccepted,
    WsForeignOriginAccepted,
    /// Not a fault: the WebSocket takes the token only as a subprotocol value
    /// (`Sec-WebSocket-Protocol: access_token, <token>`), as some browser clients send it.
    WsSubprotocolOnly,
    /// Not a fault: the WebSocket tells of new API keys only, not of new items.
    WsEventsOnKeys,
}

impl Fault {
    fn cookie_mode(self) -> bool {
        matches!(
            self,
            Fault::CookieMode
                | Fault::CookieNotHttpOnly
                | Fault::CookieSameSiteNoneInsecure
                | Fault::CookieNotClearedOnLogout
                | Fault::CookieCrossOriginAccepted
                | Fault::CookieDoubleSubmitNotChecked
        )
    }

    fn rate_limited(self) -> bool {
        matches!(
            self,
            Fault::RateLimited
                | Fault::RateLimitWithoutRetryAfter
                | Fault::RateLimitInAnotherEnvelope
        )
    }
}

/// A login rate limit of the mock: this many per window.
const LOGIN_LIMIT: u32 = 5;
const LOGIN_WINDOW_SECS: u64 = 3;

thread_local! {
    /// Whether the answer being built is an error (for the CORS-on-errors fault).
    static ERROR_ANSWER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// An API key of the mock.
#[derive(Clone)]
struct ApiKey {
    id: String,
    owner: String,
    name: String,
    revoked: bool,
}

/// The item events the WebSocket server forwards: (owner, item id).
pub struct Events(pub tokio::sync::broadcast::Sender<(String, String)>);

impl Default for Events {
    fn default() -> Self {
        Events(tokio::sync::broadcast::channel(64).0)
    }
}

/// How long the mock's access tokens live: short, so the expiry check sees one die.
pub const ACCESS_TTL_SECS: u64 = 4;

#[derive(Clone)]
struct Item {
    owner: String,
    name: String,
    description: Value,
    created: String,
}

#[derive(Default)]
struct State {
    /// email -> (user id, password)
    users: HashMap<String, (String, String)>,
    /// access token -> (user id, exp)
    access: HashMap<String, (String, u64)>,
    items: HashMap<String, Item>,
    /// refresh token -> (family, used)
    refresh: HashMap<String, (u64, bool)>,
    /// refresh family -> user id
    family_user: HashMap<u64, String>,
    revoked_families: HashSet<u64>,
    next: u64,
    /// key -> (content type, max size, stored, file name)
    uploads: HashMap<String, (String, u64, bool, String)>,
    /// upload id -> (key, owner)
    upload_ids: HashMap<String, (String, String)>,
    /// secret -> key
    api_keys: HashMap<String, ApiKey>,
    /// The login rate limit's window: (start, count).
    login_window: (u64, u32),
    events: Events,
}

#[derive(Clone)]
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

    /// The user of an access token for the WebSocket server: `Err` when it expired.
    pub fn user_of(&self, token: &str) -> Result<Option<String>, ()> {
        let state = self.state.lock().unwrap();
        match state.access.get(token) {
            Some((_, exp)) if *exp < now() => Err(()),
            Some((user, _)) => Ok(Some(user.clone())),
            None => Ok(None),
        }
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<(String, String)> {
        self.state.lock().unwrap().events.0.subscribe()
    }

    /// The cookies of a session in cookie mode.
    fn session_cookies(&self, refresh: &str) -> Vec<String> {
        let attributes = if self.has(Fault::CookieSameSiteNoneInsecure) {
            "SameSite=None"
        } else {
            "Secure; SameSite=Strict"
        };
        let http_only = if self.has(Fault::CookieNotHttpOnly) {
            ""
        } else {
            "HttpOnly; "
        };
        vec![
            format!(
                "accord_refresh={refresh}; {http_only}{attributes}; Path=/api/v1/auth; Max-Age=86400"
            ),
            format!("accord_csrf=csrf-{refresh}; {attributes}; Path=/; Max-Age=86400"),
        ]
    }

    /// A cookie of the request.
    fn cookie(request: &Request, name: &str) -> Option<String> {
        request
            .headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }

    /// The CSRF defence of a cookie-authenticated request: `Some(403)` when it fails.
    fn csrf_refused(&self, request: &Request) -> Option<ResponseTemplate> {
        let origin = request.headers.get("origin").and_then(|v| v.to_str().ok());
        if origin.is_some_and(|o| o != ALLOWED_ORIGIN)
            && !self.has(Fault::CookieCrossOriginAccepted)
        {
            return Some(self.problem(request, 403, "csrf_refused"));
        }
        let header = request
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        if (header.is_none() || header != Self::cookie(request, "accord_csrf"))
            && !self.has(Fault::CookieDoubleSubmitNotChecked)
        {
            return Some(self.problem(request, 403, "csrf_refused"));
        }
        None
    }

    /// A token pair as the mode wants it: the refresh token in the body, or in cookies.
    fn pair_answer(&self, request: &Request, status: u16, mut pair: Value) -> ResponseTemplate {
        if self.has(Fault::TokenInHeader) {
            let access = pair
                .as_object_mut()
                .and_then(|p| p.remove("access_token"))
                .and_then(|a| a.as_str().map(String::from))
                .unwrap_or_default();
            return self
                .json(request, status, pair)
                .insert_header("authorization", format!("Bearer {access}").as_str());
        }
        if !self.fault.cookie_mode() {
            return self.json(request, status, pair);
        }
        let refresh = pair["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        pair.as_object_mut().unwrap().remove("refresh_token");
        let mut t = self.json(request, status, pair);
        for cookie in self.session_cookies(&refresh) {
            t = t.append_header("set-cookie", cookie.as_str());
        }
        t
    }

    /// Revokes every refresh family of the user `family` belongs to.
    fn revoke_user_of(state: &mut State, family: u64) {
        let user = state.family_user.get(&family).cloned().unwrap_or_default();
        let all: Vec<u64> = state
            .family_user
            .iter()
            .filter(|(_, u)| **u == user)
            .map(|(f, _)| *f)
            .collect();
        state.revoked_families.extend(all);
    }

    fn issue(&self, state: &mut State, family: Option<u64>, user: &str) -> Value {
        state.next += 1;
        let n = state.next;
        let exp = now() + ACCESS_TTL_SECS;
        let access = if self.has(Fault::OpaqueTokens) {
            format!("opaque{n}x{}", uuid::Uuid::new_v4().simple())
        } else {
            format!(
                "{}.{}.sig{n}",
                b64(&json!({"alg": "RS256", "typ": "JWT", "kid": "mock"})),
                b64(&json!({"sub": user, "n": n, "exp": exp}))
            )
        };
        let refresh = format!("refresh-{n}");
        state.access.insert(access.clone(), (user.to_string(), exp));
        let family = family.unwrap_or(n);
        state.family_user.insert(family, user.to_string());
        state.refresh.insert(refresh.clone(), (family, false));
        let email = state
            .users
            .iter()
            .find(|(_, (id, _))| id == user)
            .map(|(e, _)| e.clone())
            .unwrap_or_default();
        json!({
            "access_token": access, "refresh_token": refresh, "token_type": "Bearer",
            "expires_in": ACCESS_TTL_SECS, "refresh_expires_in": 86400,
            "user": {"id": user, "email": email, "created_at": "2024-01-01T00:00:00Z"}
        })
    }

    /// The user a token signs in, `Ok(None)` for an invalid one, `Err` for a crash.
    fn valid_access(&self, state: &State, token: &str) -> Result<Option<String>, Expired> {
        if let Some((user, exp)) = state.access.get(token) {
            if *exp < now() && !self.has(Fault::ExpiredTokenAccepted) {
                return Err(Expired::Expired);
            }
            return Ok(Some(user.clone()));
        }
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3 {
            return if self.has(Fault::ServerErrorOnGarbageToken) {
                Err(Expired::Crash)
            } else {
                Ok(None)
            };
        }
        if self.has(Fault::AlgNoneAccepted) {
            let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[0])
                .ok();
            if header.is_some_and(|h| String::from_utf8_lossy(&h).contains("\"none\"")) {
                return Ok(Some(USER_ID.into()));
            }
        }
        if self.has(Fault::SignatureNotChecked) {
            let prefix = format!("{}.{}.", parts[0], parts[1]);
            if let Some((_, (user, _))) = state.access.iter().find(|(t, _)| t.starts_with(&prefix))
            {
                return Ok(Some(user.clone()));
            }
        }
        Ok(None)
    }

    fn problem(&self, request: &Request, status: u16, code: &str) -> ResponseTemplate {
        ERROR_ANSWER.with(|e| e.set(true));
        if matches!(status, 400 | 415 | 422) && self.has(Fault::ForbiddenRefusals) {
            return ResponseTemplate::new(403);
        }
        if matches!(status, 400 | 415 | 422) && self.has(Fault::PlainTextRefusalsByStatus) {
            return ResponseTemplate::new(status).set_body_raw(
                format!("Failed to parse the request body: {code}"),
                "text/plain",
            );
        }
        if matches!(status, 400 | 415 | 422) && self.has(Fault::PlainTextRefusals) {
            return ResponseTemplate::new(400)
                .set_body_raw(format!("request body has an error: {code}"), "text/plain");
        }
        if status == 422 && self.has(Fault::PlainDeserializer400) {
            return ResponseTemplate::new(400)
                .set_body_raw("Not able to deserialize data provided.", "application/json");
        }
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
        if status == 401 && code == "invalid_api_key" && self.has(Fault::KeyEchoedInError) {
            let key = request
                .headers
                .get("x-api-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            body["detail"] = json!(format!("no such key: {key}"));
            t = ResponseTemplate::new(status)
                .insert_header("x-request-id", id.as_str())
                .set_body_raw(body.to_string(), "application/problem+json");
        }
        if status == 429 && self.has(Fault::RateLimitInAnotherEnvelope) {
            t = ResponseTemplate::new(429)
                .insert_header("x-request-id", id.as_str())
                .set_body_raw(
                    json!({"error": "slow down"}).to_string(),
                    "application/json",
                );
        }
        if status == 429 && !self.has(Fault::RateLimitWithoutRetryAfter) {
            t = t.insert_header("retry-after", LOGIN_WINDOW_SECS.to_string().as_str());
        }
        if status == 422 && self.has(Fault::ValidationInAnotherEnvelope) {
            t = ResponseTemplate::new(422)
                .insert_header("x-request-id", id.as_str())
                .set_body_raw(json!({"error": "invalid"}).to_string(), "application/json");
        }
        if status == 401 && !self.has(Fault::NoWwwAuthenticate) {
            let challenge = if code == "expired" {
                "Bearer error=\"invalid_token\""
            } else {
                "Bearer"
            };
            t = t.insert_header("www-authenticate", challenge);
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
        let Some(origin) = origin.filter(|_| !self.has(Fault::NoCors)) else {
            return t;
        };
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
            ("/api/v1/api-keys", &["GET", "POST"]),
        ];
        let template = if path.starts_with("/api/v1/items/") {
            Some(&["GET", "PATCH", "DELETE"][..])
        } else if path.starts_with("/api/v1/api-keys/") {
            Some(&["GET", "DELETE"][..])
        } else if path.starts_with("/api/v1/uploads/") {
            Some(&["GET"][..])
        } else {
            known.iter().find(|(p, _)| *p == path).map(|(_, m)| *m)
        };
        let plain_not_found = || {
            ResponseTemplate::new(404).set_body_raw("404 Not Found", "text/plain; charset=UTF-8")
        };
        let Some(methods) = template else {
            if self.has(Fault::PlainRouterNotFound) {
                return plain_not_found();
            }
            if self.has(Fault::HtmlNotFound) {
                return ResponseTemplate::new(404)
                    .set_body_raw("<html><body>Not Found</body></html>", "text/html");
            }
            return self.problem(request, 404, "not_found");
        };
        if !methods.contains(&method.as_str()) {
            if self.has(Fault::PlainRouterNotFound) {
                return plain_not_found();
            }
            if self.has(Fault::NotFoundForWrongMethod) {
                return self.problem(request, 404, "not_found");
            }
            let mut t = if self.has(Fault::MethodNotAllowedBare) {
                ResponseTemplate::new(405)
            } else {
                self.problem(request, 405, "method_not_allowed")
            };
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
        let mut user = USER_ID.to_string();
        let key_readable =
            method == "GET" && (path == "/api/v1/items" || path.starts_with("/api/v1/items/"));
        let api_key = request
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let bearer = request.headers.contains_key("authorization");
        if key_readable && !bearer && api_key.is_some() {
            let key = api_key.unwrap_or_default();
            match state.api_keys.get(&key) {
                Some(k) if !k.revoked || self.has(Fault::RevokedKeyAccepted) => {
                    user = k.owner.clone();
                }
                _ => return self.problem(request, 401, "invalid_api_key"),
            }
        } else if !public && (!self.has(Fault::PresignWithoutAuth) || path != "/api/v1/uploads") {
            let token = request
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            match self.valid_access(&state, token) {
                Err(Expired::Crash) => return self.problem(request, 500, "internal_error"),
                Err(Expired::Expired) => return self.problem(request, 401, "expired"),
                Ok(None) if !token.is_empty() && self.has(Fault::PlainTextForBadToken) => {
                    return ResponseTemplate::new(401)
                        .set_body_raw("Unauthorized", "application/json");
                }
                Ok(None) if !token.is_empty() && self.has(Fault::ForbiddenForBadToken) => {
                    return self.problem(request, 403, "forbidden");
                }
                Ok(None)
                    if self.has(Fault::ListOpen) && method == "GET" && path == "/api/v1/items" => {}
                Ok(None) if self.has(Fault::ForbiddenWithoutToken) => {
                    return self.problem(request, 403, "forbidden");
                }
                Ok(None) if token.is_empty() && self.has(Fault::NotFoundWithoutToken) => {
                    return self.problem(request, 404, "not_found");
                }
                Ok(None) => return self.problem(request, 401, "unauthorized"),
                Ok(Some(u)) => user = u,
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
            Some(ct)
                if ct.starts_with("application/x-www-form-urlencoded")
                    && self.has(Fault::FormLogin)
                    && path == "/api/v1/auth/login" =>
            {
                let pairs: serde_json::Map<String, Value> =
                    url::form_urlencoded::parse(&request.body)
                        .map(|(k, v)| {
                            (
                                if k == "username" {
                                    "email".into()
                                } else {
                                    k.into_owned()
                                },
                                json!(v.into_owned()),
                            )
                        })
                        .collect();
                Some(Value::Object(pairs))
            }
            _ => return self.problem(request, 415, "unsupported_media_type"),
        };
        if self.has(Fault::FormLogin) && path == "/api/v1/auth/login" && method == "POST" {
            let form = request
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
            if !form {
                return self.problem(request, 422, "validation_failed");
            }
        }
        let field = |name: &str| {
            body.as_ref()
                .and_then(|b| b.get(name))
                .and_then(Value::as_str)
                .map(String::from)
        };
        match (method.as_str(), path.as_str()) {
            ("POST", "/api/v1/auth/register") => {
                let (Some(email), Some(password)) = (field("email"), field("password")) else {
                    return self.problem(request, 422, "validation_failed");
                };
                // What the spec's RegisterRequest admits, and nothing else.
                let display_name_ok = match body.as_ref().and_then(|b| b.get("display_name")) {
                    None => true,
                    Some(Value::String(n)) => (1..=100).contains(&n.chars().count()),
                    Some(_) => false,
                };
                if !crate::address(&email, 254)
                    || !(8..=128).contains(&password.chars().count())
                    || !display_name_ok
                {
                    return self.problem(request, 422, "validation_failed");
                }
                if (self.has(Fault::SignUpNulCrash)
                    && field("display_name").is_some_and(|n| n.contains('\0')))
                    || (self.has(Fault::SignUpNulAnywhereCrash)
                        && [field("display_name"), Some(password.clone())]
                            .iter()
                            .flatten()
                            .any(|t| t.contains('\0')))
                {
                    return ResponseTemplate::new(500).set_body_string("Internal Server Error");
                }
                let odd = |t: &str| t.chars().any(|c| !(' '..='~').contains(&c));
                if self.has(Fault::SignUpCombinationCrash)
                    && field("display_name").is_some_and(|n| odd(&n))
                    && odd(&password)
                {
                    return ResponseTemplate::new(500).set_body_string("Internal Server Error");
                }
                if self.has(Fault::SignUpRefusesReservedDomain) && email.ends_with(".test") {
                    return self.problem(request, 422, "validation_failed");
                }
                if state.users.contains_key(&email) {
                    return self.problem(request, 409, "email_taken");
                }
                let id = if state.users.is_empty() {
                    USER_ID.to_string()
                } else {
                    uuid::Uuid::new_v4().to_string()
                };
                state.users.insert(email.clone(), (id.clone(), password));
                self.json(
                    request,
                    201,
                    json!({"id": id, "email": email, "created_at": "2024-01-01T00:00:00Z"}),
                )
                .insert_header("location", "/api/v1/users/me")
            }
            ("POST", "/api/v1/auth/login") => {
                if self.fault.rate_limited() {
                    let (start, count) = state.login_window;
                    if now() >= start + LOGIN_WINDOW_SECS {
                        state.login_window = (now(), 1);
                    } else if count >= LOGIN_LIMIT {
                        return self.problem(request, 429, "rate_limited");
                    } else {
                        state.login_window.1 += 1;
                    }
                }
                let found = match (field("email"), field("password")) {
                    (Some(e), Some(p)) => state
                        .users
                        .get(&e)
                        .filter(|(_, pw)| *pw == p)
                        .map(|(id, _)| id.clone()),
                    _ => None,
                };
                let Some(id) = found else {
                    return self.problem(request, 401, "invalid_credentials");
                };
                let pair = self.issue(&mut state, None, &id);
                self.pair_answer(
                    request,
                    if self.has(Fault::UndocumentedStatus) {
                        202
                    } else {
                        200
                    },
                    pair,
                )
            }
            ("POST", "/api/v1/auth/refresh") => {
                let cookie = Self::cookie(request, "accord_refresh").filter(|c| !c.is_empty());
                let token = match (field("refresh_token"), cookie) {
                    (Some(t), _) => t,
                    (None, Some(c)) if self.fault.cookie_mode() => {
                        if let Some(refused) = self.csrf_refused(request) {
                            return refused;
                        }
                        c
                    }
                    _ if self.fault.cookie_mode() => {
                        return self.problem(request, 401, "invalid_refresh_token");
                    }
                    _ => return self.problem(request, 422, "validation_failed"),
                };
                if self.has(Fault::AccessTokenRefreshes) && state.access.contains_key(&token) {
                    let pair = self.issue(&mut state, None, USER_ID);
                    return self.json(request, 200, pair);
                }
                let Some(&(family, used)) = state.refresh.get(&token) else {
                    return self.problem(request, 401, "invalid_refresh_token");
                };
                if state.revoked_families.contains(&family) && !self.has(Fault::RefreshAfterLogout)
                {
                    return self.problem(request, 401, "invalid_refresh_token");
                }
                if used && !self.has(Fault::RotatedRefreshAccepted) {
                    if !self.has(Fault::NoReuseDetection) {
                        state.revoked_families.insert(family);
                        if self.has(Fault::RevokesEverySession) {
                            Self::revoke_user_of(&mut state, family);
                        }
                    }
                    return self.problem(request, 401, "refresh_token_reused");
                }
                state.refresh.insert(token, (family, true));
                let owner = state.family_user.get(&family).cloned().unwrap_or_default();
                let pair = self.issue(&mut state, Some(family), &owner);
                self.pair_answer(request, 200, pair)
            }
            ("POST", "/api/v1/auth/logout") => {
                let cookie = Self::cookie(request, "accord_refresh").filter(|c| !c.is_empty());
                let token = match (field("refresh_token"), cookie) {
                    (Some(t), _) => Some(t),
                    (None, Some(c)) if self.fault.cookie_mode() => {
                        if let Some(refused) = self.csrf_refused(request) {
                            return refused;
                        }
                        Some(c)
                    }
                    _ if self.fault.cookie_mode() => None,
                    _ => return self.problem(request, 422, "validation_failed"),
                };
                if let Some(&(family, _)) = token.and_then(|t| state.refresh.get(&t)) {
                    state.revoked_families.insert(family);
                    if self.has(Fault::RevokesEverySession) {
                        Self::revoke_user_of(&mut state, family);
                    }
                }
                let mut t = ResponseTemplate::new(204)
                    .insert_header("x-request-id", request_id(request).as_str());
                if self.fault.cookie_mode() && !self.has(Fault::CookieNotClearedOnLogout) {
                    t = t
                        .append_header(
                            "set-cookie",
                            "accord_refresh=; HttpOnly; Secure; SameSite=Strict; Path=/api/v1/auth; Max-Age=0",
                        )
                        .append_header("set-cookie", "accord_csrf=; Secure; SameSite=Strict; Path=/; Max-Age=0");
                }
                t
            }
            ("GET", "/api/v1/api-keys") => {
                let mut items: Vec<Value> = state
                    .api_keys
                    .values()
                    .filter(|k| k.owner == user && !k.revoked)
                    .map(api_key_json)
                    .collect();
                items.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
                self.json(request, 200, json!({"items": items}))
            }
            ("POST", "/api/v1/api-keys") => {
                let name = match body.as_ref().and_then(|b| b.get("name")) {
                    Some(Value::String(n)) if !n.is_empty() && n.chars().count() <= 100 => {
                        n.clone()
                    }
                    _ => return self.problem(request, 422, "validation_failed"),
                };
                state.next += 1;
                let secret = format!("acc_mock{}x{}", state.next, uuid::Uuid::new_v4().simple());
                let key = ApiKey {
                    id: uuid::Uuid::new_v4().to_string(),
                    owner: user.clone(),
                    name,
                    revoked: false,
                };
                let mut answer = api_key_json(&key);
                answer["key"] = json!(secret);
                let location = format!("/api/v1/api-keys/{}", key.id);
                if self.has(Fault::WsEventsOnKeys) {
                    let _ = state.events.0.send((user.clone(), key.id.clone()));
                }
                state.api_keys.insert(secret, key);
                self.json(request, 201, answer)
                    .insert_header("location", location.as_str())
            }
            (m, p) if p.starts_with("/api/v1/api-keys/") => {
                let id = p.trim_start_matches("/api/v1/api-keys/").to_string();
                if uuid::Uuid::parse_str(&id).is_err() {
                    return self.problem(request, 422, "validation_failed");
                }
                let Some(key) = state
                    .api_keys
                    .values_mut()
                    .find(|k| k.id == id && k.owner == user && !k.revoked)
                else {
                    return self.problem(request, 404, "not_found");
                };
                if m == "DELETE" {
                    key.revoked = true;
                    ResponseTemplate::new(204)
                        .insert_header("x-request-id", request_id(request).as_str())
                } else {
                    let answer = api_key_json(key);
                    self.json(request, 200, answer)
                }
            }
            ("GET", "/healthz") => self.json(request, 200, json!({"status": "ok"})),
            ("GET", "/.well-known/jwks.json") => self.json(request, 200, json!({"keys": []})),
            ("GET", "/api/v1/users/me") => {
                let email = state
                    .users
                    .iter()
                    .find(|(_, (id, _))| *id == user)
                    .map(|(e, _)| e.clone())
                    .unwrap_or_else(|| "conformance@example.com".into());
                let mut me =
                    json!({"id": user, "email": email, "created_at": "2024-01-01T00:00:00Z"});
                if self.has(Fault::MissingRequiredField) {
                    me.as_object_mut().unwrap().remove("email");
                }
                self.json(request, 200, me)
            }
            ("GET", "/api/v1/items") => {
                let query: HashMap<String, String> = request
                    .url
                    .query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                let number = |k: &str, min: i64| match query.get(k) {
                    None => Ok(None),
                    // int32, as the contract declares them.
                    Some(v) => v
                        .parse::<i32>()
                        .ok()
                        .map(i64::from)
                        .filter(|n| *n >= min)
                        .map(Some)
                        .ok_or(()),
                };
                let (limit, offset) = match (number("limit", 1), number("offset", 0)) {
                    (Ok(l), Ok(o)) => (l.unwrap_or(20).min(100) as usize, o.unwrap_or(0) as usize),
                    _ if self.has(Fault::ServerErrorOnBadQuery) => {
                        return self.problem(request, 500, "internal_error");
                    }
                    _ => return self.problem(request, 422, "validation_failed"),
                };
                if offset > 5 && self.has(Fault::ServerErrorOnLargeOffset) {
                    return self.problem(request, 500, "internal_error");
                }
                if query.get("q").is_some_and(|q| q.chars().count() > 200) {
                    return self.problem(request, 422, "validation_failed");
                }
                let mut mine: Vec<(String, Item)> = state
                    .items
                    .iter()
                    .filter(|(_, i)| i.owner == user || self.has(Fault::ListLeaksOtherUsers))
                    .filter(|(_, i)| {
                        query
                            .get("q")
                            .is_none_or(|q| i.name.to_lowercase().contains(&q.to_lowercase()))
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                mine.sort_by(|a, b| a.0.cmp(&b.0));
                let total = mine.len();
                let page: Vec<Value> = mine
                    .into_iter()
                    .skip(offset)
                    .take(if self.has(Fault::LimitIgnored) {
                        usize::MAX
                    } else {
                        limit
                    })
                    .map(|(id, i)| item_json(&id, &i))
                    .collect();
                self.json(request, 200, json!({"items": page, "total": total}))
                    .insert_header("x-total-count", total.to_string().as_str())
            }
            ("POST", "/api/v1/items") => {
                let Some(b) = body.as_ref().and_then(Value::as_object) else {
                    return self.problem(request, 422, "validation_failed");
                };
                let name = match b.get("name") {
                    Some(Value::String(n)) if !n.is_empty() && n.chars().count() <= 200 => {
                        n.clone()
                    }
                    None if self.has(Fault::AcceptsMissingRequired) => "unnamed".into(),
                    Some(v) if !v.is_string() && self.has(Fault::ServerErrorOnWrongType) => {
                        return self.problem(request, 500, "internal_error");
                    }
                    _ => return self.problem(request, 422, "validation_failed"),
                };
                let description = match b.get("description") {
                    None | Some(Value::Null) => Value::Null,
                    Some(Value::String(d)) if d.chars().count() <= 2000 => json!(d),
                    _ => return self.problem(request, 422, "validation_failed"),
                };
                let id = uuid::Uuid::new_v4().to_string();
                let item = Item {
                    owner: user.clone(),
                    name,
                    description,
                    created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                };
                let mut answer = item_json(&id, &item);
                if self.has(Fault::CreatedIdWrongType) {
                    answer["id"] = json!(state.items.len() + 1);
                }
                state.items.insert(id.clone(), item);
                if !self.has(Fault::WsEventsOnKeys) {
                    let _ = state.events.0.send((user.clone(), id.clone()));
                }
                let location = if self.has(Fault::LocationDoesNotResolve) {
                    format!("/api/v1/items/{}", uuid::Uuid::new_v4())
                } else {
                    format!("/api/v1/items/{id}")
                };
                let status = if self.has(Fault::CreateUndocumented202) {
                    202
                } else {
                    201
                };
                self.json(request, status, answer)
                    .insert_header("location", location.as_str())
            }
            (m, p) if p.starts_with("/api/v1/items/") => {
                let id = p.trim_start_matches("/api/v1/items/").to_string();
                if uuid::Uuid::parse_str(&id).is_err() {
                    return self.problem(request, 422, "validation_failed");
                }
                let visible = state
                    .items
                    .get(&id)
                    .filter(|i| {
                        i.owner == user
                            || (m == "GET" && self.has(Fault::CrossUserRead))
                            || (m == "PATCH" && self.has(Fault::CrossUserUpdate))
                    })
                    .cloned();
                let Some(mut item) = visible else {
                    return self.problem(request, 404, "not_found");
                };
                match m {
                    "GET" => self.json(request, 200, item_json(&id, &item)),
                    "PATCH" => {
                        let Some(b) = body.as_ref().and_then(Value::as_object) else {
                            return self.problem(request, 422, "validation_failed");
                        };
                        match b.get("name") {
                            None => {}
                            Some(Value::String(n)) if !n.is_empty() && n.chars().count() <= 200 => {
                                item.name = n.clone()
                            }
                            _ => return self.problem(request, 422, "validation_failed"),
                        }
                        match b.get("description") {
                            None => {}
                            Some(Value::Null) => item.description = Value::Null,
                            Some(Value::String(d)) if d.chars().count() <= 2000 => {
                                item.description = json!(d)
                            }
                            _ => return self.problem(request, 422, "validation_failed"),
                        }
                        let answer = item_json(&id, &item);
                        if !self.has(Fault::UpdateNotPersisted) {
                            state.items.insert(id, item);
                        }
                        self.json(request, 200, answer)
                    }
                    _ => {
                        if !self.has(Fault::DeletedStillReadable) {
                            state.items.remove(&id);
                        }
                        ResponseTemplate::new(204)
                            .insert_header("x-request-id", request_id(request).as_str())
                    }
                }
            }
            ("POST", "/api/v1/uploads") => {
                let (Some(name), Some(ct)) = (field("file_name"), field("content_type")) else {
                    return self.problem(request, 422, "validation_failed");
                };
                if name.is_empty()
                    || name.chars().count() > 255
                    || !body.as_ref().is_some_and(|b| b["size_bytes"].is_u64())
                {
                    return self.problem(request, 422, "validation_failed");
                }
                let size = body
                    .as_ref()
                    .and_then(|b| b["size_bytes"].as_u64())
                    .unwrap_or(0);
                if (!self.has(Fault::PresignsAnyContentType) && ct != "image/png")
                    || size == 0
                    || size > 1000
                {
                    return self.problem(request, 422, "validation_failed");
                }
                state.next += 1;
                let id = format!("00000000-0000-4000-8000-{:012}", state.next);
                let clean: String = name
                    .rsplit('/')
                    .next()
                    .unwrap_or("file")
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                    .collect::<String>()
                    .replace("..", "_");
                let key = if self.has(Fault::UnsanitizedKey) {
                    format!("users/{USER_ID}/{id}/{name}")
                } else {
                    format!("users/{USER_ID}/{id}/{clean}")
                };
                state
                    .uploads
                    .insert(key.clone(), (ct.clone(), size, false, name.clone()));
                state
                    .upload_ids
                    .insert(id.clone(), (key.clone(), user.clone()));
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
                if uuid::Uuid::parse_str(id).is_err() {
                    return self.problem(request, 422, "validation_failed");
                }
                match state.upload_ids.get(id).filter(|(_, owner)| *owner == user).and_then(|(k, _)| state.uploads.get(k).map(|u| (k.clone(), u.clone()))) {
                    Some((key, (ct, size, stored, name))) => self.json(
                        request,
                        200,
                        json!({"upload_id": id, "key": key, "file_name": name, "content_type": ct, "size_bytes": size, "status": if stored { "stored" } else { "pending" }}),
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
        let Some((expected_type, max, _, _)) = state.uploads.get(&key).cloned().or_else(|| {
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

enum Expired {
    Expired,
    Crash,
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn api_key_json(key: &ApiKey) -> Value {
    json!({"id": key.id, "name": key.name, "prefix": "acc_mock", "created_at": "2024-01-01T00:00:00Z"})
}

fn item_json(id: &str, item: &Item) -> Value {
    json!({"id": id, "owner_id": item.owner, "name": item.name, "description": item.description,
           "created_at": item.created, "updated_at": item.created})
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
        ERROR_ANSWER.with(|e| e.set(false));
        let t = self.route(request);
        if self.has(Fault::CorsMissingOnErrors) && ERROR_ANSWER.with(|e| e.get()) {
            return t;
        }
        self.cors(request, t)
    }
}
