//! The cucumber World and the steps of `features/*.feature`. Steps stay thin: they send
//! requests through [`Http`] and assert what the profile and the spec say; a failed assertion
//! panics with the rule it checks and the exchanges that prove it (secrets redacted).

use std::sync::{Arc, OnceLock};

use cucumber::{World, given, then, when};
use serde_json::{Value, json};

use crate::context::{Ctx, Tokens};
use crate::http::{Body, Exchange, Request};
use crate::profile::Envelope;

static CTX: OnceLock<Arc<Ctx>> = OnceLock::new();

pub fn install(ctx: Arc<Ctx>) {
    let _ = CTX.set(ctx);
}

#[derive(World)]
#[world(init = Self::new)]
pub struct AccordWorld {
    ctx: Arc<Ctx>,
    exchanges: Vec<Exchange>,
    /// The exchanges the next `Then` judges.
    judged: Vec<Exchange>,
    tokens: Option<Tokens>,
    previous: Option<Tokens>,
    origin: String,
    upload: Option<Value>,
}

impl std::fmt::Debug for AccordWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccordWorld {{ {} exchanges }}", self.exchanges.len())
    }
}

impl AccordWorld {
    fn new() -> Self {
        let ctx = CTX
            .get()
            .cloned()
            .expect("the context is installed before the run");
        AccordWorld {
            ctx,
            exchanges: Vec::new(),
            judged: Vec::new(),
            tokens: None,
            previous: None,
            origin: String::new(),
            upload: None,
        }
    }

    async fn send(&mut self, request: Request) -> Exchange {
        match self.ctx.http.send(request.clone()).await {
            Ok(exchange) => {
                self.exchanges.push(exchange.clone());
                exchange
            }
            Err(failure) => panic!(
                "{} {}: {failure}",
                request.method,
                crate::http::redact_url(&request.target)
            ),
        }
    }

    fn tokens(&self) -> &Tokens {
        self.tokens
            .as_ref()
            .expect("a step before this one signs a user in")
    }

    fn fail(&self, rule: &str, exchanges: &[Exchange]) -> ! {
        let mut message = format!("{rule}\n");
        for e in exchanges.iter().take(3) {
            message.push_str(&e.describe());
        }
        if exchanges.len() > 3 {
            message.push_str(&format!("  ... and {} more\n", exchanges.len() - 3));
        }
        panic!("{message}");
    }

    /// Whether `exchange` is in the configured envelope (and, for problems, consistent with
    /// the status and the request id); why not otherwise.
    fn envelope_problem(&self, exchange: &Exchange) -> Option<String> {
        let Some(errors) = &self.ctx.profile.errors else {
            return None;
        };
        let envelope = *errors.envelope.get_ref();
        let expected_type = errors
            .content_type
            .clone()
            .unwrap_or_else(|| match envelope {
                Envelope::Problem => "application/problem+json".into(),
                _ => "application/json".into(),
            });
        let got = exchange.header("content-type").map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        if got.as_deref() != Some(expected_type.as_str()) {
            return Some(format!(
                "the error's Content-Type is {}, not {expected_type}",
                got.as_deref().unwrap_or("missing")
            ));
        }
        let Some(body) = exchange.json() else {
            return Some("the error's body is not JSON".into());
        };
        match envelope {
            Envelope::Problem => {
                if !body["type"].is_string() || !body["title"].is_string() {
                    return Some("the problem lacks `type` or `title`".into());
                }
                if body["status"].as_u64() != Some(exchange.status as u64) {
                    return Some(format!(
                        "the problem's `status` is {}, the HTTP status {}",
                        body["status"], exchange.status
                    ));
                }
                if errors.request_id {
                    let header = exchange.header("x-request-id");
                    if header.is_none() || body["request_id"].as_str() != header {
                        return Some(format!(
                            "the problem's `request_id` ({}) does not equal the X-Request-Id header ({})",
                            body["request_id"],
                            header.unwrap_or("missing")
                        ));
                    }
                }
                None
            }
            Envelope::Fastapi => body
                .get("detail")
                .is_none()
                .then(|| "the body has no `detail` (FastAPI's envelope)".to_string()),
            Envelope::Schema => {
                let schema = self.ctx.error_schema.as_ref()?;
                let violations = accord_validate::Validator::new(
                    &self.ctx.error_schema_root,
                    accord_validate::Direction::Response,
                )
                .validate(schema, &body);
                (!violations.is_empty()).then(|| {
                    format!(
                        "the body breaks the envelope schema at {}: {}",
                        violations[0].pointer, violations[0].message
                    )
                })
            }
        }
    }
}

// ---- authentication ---------------------------------------------------------------------

#[given("a signed-in user")]
async fn signed_in(w: &mut AccordWorld) {
    let ctx = w.ctx.clone();
    match ctx.sign_in().await {
        Ok((tokens, exchanges)) => {
            w.exchanges.extend(exchanges);
            w.tokens = Some(tokens);
        }
        Err(e) => panic!("signing in as the profile says failed: {e}"),
    }
}

#[when(
    regex = r"^every secured operation is called with (no token|a malformed token|a token with an altered signature|an alg none token|a token signed by an unknown key)$"
)]
async fn secured_with(w: &mut AccordWorld, credentials: String) {
    let token = match credentials.as_str() {
        "no token" => None,
        other => Some(
            w.ctx
                .forged_token(other)
                .await
                .unwrap_or_else(|e| panic!("cannot build {other}: {e}")),
        ),
    };
    let ops = w.ctx.secured_operations();
    assert!(!ops.is_empty(), "the spec secures no operation");
    w.judged.clear();
    for op in ops {
        let request = w.ctx.request_for(&op).bearer(token.as_deref());
        let exchange = w.send(request).await;
        w.judged.push(exchange);
    }
}

#[then("every answer is 401 with a Bearer challenge in the error envelope")]
async fn all_401(w: &mut AccordWorld) {
    for e in w.judged.clone() {
        if e.status != 401 {
            w.fail(
                &format!(
                    "rule auth.status: {} answered {}, not 401",
                    e.operation.as_deref().unwrap_or("?"),
                    e.status
                ),
                &[e],
            );
        }
        let challenge = e.headers("www-authenticate").join(", ");
        if !challenge.to_ascii_lowercase().starts_with("bearer") {
            w.fail(
                &format!(
                    "rule auth.challenge: {} answered 401 without `WWW-Authenticate: Bearer`",
                    e.operation.as_deref().unwrap_or("?")
                ),
                &[e],
            );
        }
        if let Some(problem) = w.envelope_problem(&e) {
            w.fail(&format!("rule envelope: {problem}"), &[e]);
        }
    }
}

#[when("every secured read operation is called with the user's token")]
async fn secured_reads_with_token(w: &mut AccordWorld) {
    let token = w.tokens().access.clone();
    w.judged.clear();
    for op in w
        .ctx
        .secured_operations()
        .into_iter()
        .filter(|o| o.method == "GET")
    {
        let request = w.ctx.request_for(&op).bearer(Some(&token));
        let e = w.send(request).await;
        w.judged.push(e);
    }
}

#[then("no answer is 401 or 403")]
async fn none_refused(w: &mut AccordWorld) {
    for e in w.judged.clone() {
        if e.status == 401 || e.status == 403 {
            w.fail(
                &format!(
                    "rule auth.valid: a valid token was refused by {} with {}",
                    e.operation.as_deref().unwrap_or("?"),
                    e.status
                ),
                &[e],
            );
        }
    }
}

// ---- refresh ----------------------------------------------------------------------------

async fn token_accepted(w: &mut AccordWorld, token: String, what: &str) {
    let Some(op) = w.ctx.probe_operation() else {
        panic!("the spec has no secured GET without parameters to try a token on")
    };
    let request = w.ctx.request_for(&op).bearer(Some(&token));
    let e = w.send(request).await;
    if e.status == 401 || e.status == 403 {
        w.fail(
            &format!("rule refresh.works: {what} is refused ({})", e.status),
            &[e],
        );
    }
}

#[then("the access token is accepted")]
async fn access_accepted(w: &mut AccordWorld) {
    let token = w.tokens().access.clone();
    token_accepted(w, token, "the access token from login").await;
}

#[when("the refresh token is exchanged")]
async fn exchange_refresh(w: &mut AccordWorld) {
    let current = w.tokens().clone();
    let (result, exchange) = w.ctx.refresh(&current).await;
    w.exchanges.push(exchange.clone());
    match result {
        Ok(new) => {
            w.previous = Some(current);
            w.tokens = Some(new);
        }
        Err(e) => w.fail(&format!("rule refresh.exchange: {e}"), &[exchange]),
    }
}

#[then("the new access token is accepted")]
async fn new_access_accepted(w: &mut AccordWorld) {
    let token = w.tokens().access.clone();
    token_accepted(w, token, "the access token from refresh").await;
}

async fn expect_refresh_refused(w: &mut AccordWorld, tokens: Tokens, rule: &str) {
    let (result, exchange) = w.ctx.refresh(&tokens).await;
    w.exchanges.push(exchange.clone());
    if result.is_ok() {
        w.fail(
            &format!("rule {rule}: the refresh token was accepted"),
            &[exchange],
        );
    }
    if !(400..500).contains(&exchange.status) {
        w.fail(
            &format!(
                "rule {rule}: a refused refresh must be a 4xx, not {}",
                exchange.status
            ),
            &[exchange],
        );
    }
}

#[then("the previous refresh token is refused")]
async fn previous_refused(w: &mut AccordWorld) {
    let previous = w.previous.clone().expect("a refresh happened");
    expect_refresh_refused(w, previous, "refresh.rotation").await;
}

#[when("the previous refresh token is presented again")]
async fn present_previous(w: &mut AccordWorld) {
    let previous = w.previous.clone().expect("a refresh happened");
    let (_, exchange) = w.ctx.refresh(&previous).await;
    w.exchanges.push(exchange);
}

#[then("the newest refresh token is refused too")]
async fn newest_refused(w: &mut AccordWorld) {
    let newest = w.tokens().clone();
    expect_refresh_refused(w, newest, "refresh.reuse_detection").await;
}

#[when("the user logs out")]
async fn logout(w: &mut AccordWorld) {
    let tokens = w.tokens().clone();
    let exchange = w
        .ctx
        .logout(&tokens)
        .await
        .unwrap_or_else(|e| panic!("logout: {e}"));
    w.exchanges.push(exchange.clone());
    if !(200..300).contains(&exchange.status) {
        w.fail(
            &format!("rule refresh.logout: logout answered {}", exchange.status),
            &[exchange],
        );
    }
}

#[then("the refresh token is refused")]
async fn refresh_refused(w: &mut AccordWorld) {
    let tokens = w.tokens().clone();
    expect_refresh_refused(w, tokens, "refresh.logout").await;
}

#[when("the access token is presented as a refresh token")]
async fn access_as_refresh(w: &mut AccordWorld) {
    let tokens = w.tokens().clone();
    let swapped = Tokens {
        access: tokens.access.clone(),
        refresh: Some(tokens.access.clone()),
        cookies: tokens.cookies.clone(),
    };
    w.previous = Some(swapped);
}

#[then("it is refused")]
async fn swapped_refused(w: &mut AccordWorld) {
    let swapped = w.previous.clone().expect("a token was swapped");
    expect_refresh_refused(w, swapped, "refresh.type").await;
}

// ---- CORS -------------------------------------------------------------------------------

fn allowed_origin(w: &AccordWorld) -> String {
    w.ctx
        .profile
        .cors
        .as_ref()
        .and_then(|c| c.allowed_origins.first())
        .map(|o| o.get_ref().clone())
        .expect("cors.allowed_origins")
}

#[when("a preflight for POST with Authorization and Content-Type is sent from an allowed origin")]
async fn preflight_allowed(w: &mut AccordWorld) {
    w.origin = allowed_origin(w);
    let path = w.ctx.cors_path();
    let request = Request::new("OPTIONS", path)
        .header("origin", w.origin.clone())
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        );
    let e = w.send(request).await;
    w.judged = vec![e];
}

#[when("a request is sent from an allowed origin")]
async fn request_allowed(w: &mut AccordWorld) {
    w.origin = allowed_origin(w);
    let path = w.ctx.cors_path();
    let e = w
        .send(Request::new("GET", path).header("origin", w.origin.clone()))
        .await;
    w.judged = vec![e];
}

#[then("the allowed origin is echoed exactly, with credentials as configured")]
async fn origin_echoed(w: &mut AccordWorld) {
    let credentials = w.ctx.profile.cors.as_ref().is_some_and(|c| c.credentials);
    for e in w.judged.clone() {
        let allow = e.headers("access-control-allow-origin");
        if allow != [w.origin.as_str()] {
            let rule = if allow.contains(&"*") {
                "rule cors.no_wildcard: `*` was sent"
            } else {
                "rule cors.exact_origin: the allowed origin was not echoed exactly"
            };
            w.fail(
                &format!("{rule} (got {allow:?}, want {:?})", w.origin),
                &[e],
            );
        }
        if credentials && e.header("access-control-allow-credentials") != Some("true") {
            w.fail("rule cors.credentials: credentials are configured but `Access-Control-Allow-Credentials: true` is missing", &[e]);
        }
    }
}

#[then("the requested method and headers are allowed")]
async fn method_headers_allowed(w: &mut AccordWorld) {
    for e in w.judged.clone() {
        let methods = e
            .headers("access-control-allow-methods")
            .join(",")
            .to_ascii_uppercase();
        let headers = e
            .headers("access-control-allow-headers")
            .join(",")
            .to_ascii_lowercase();
        if !(methods.contains("POST") || methods.contains('*')) {
            w.fail(
                "rule cors.methods: the preflight does not allow the requested POST",
                &[e],
            );
        }
        for h in ["authorization", "content-type"] {
            if !headers.contains(h) {
                w.fail(
                    &format!("rule cors.headers: the preflight does not allow `{h}`"),
                    &[e],
                );
            }
        }
    }
}

#[then("the answer varies by Origin")]
async fn varies(w: &mut AccordWorld) {
    for e in w.judged.clone() {
        let vary = e.headers("vary").join(",").to_ascii_lowercase();
        if !vary
            .split(',')
            .any(|v| v.trim() == "origin" || v.trim() == "*")
        {
            w.fail(
                "rule cors.vary: the answer does not carry `Vary: Origin`",
                &[e],
            );
        }
    }
}

#[then("the configured headers are exposed")]
async fn exposed(w: &mut AccordWorld) {
    let wanted = w
        .ctx
        .profile
        .cors
        .as_ref()
        .map(|c| c.expose_headers.clone())
        .unwrap_or_default();
    for e in w.judged.clone() {
        let exposed = e
            .headers("access-control-expose-headers")
            .join(",")
            .to_ascii_lowercase();
        for h in &wanted {
            if !exposed
                .split(',')
                .any(|x| x.trim() == h.to_ascii_lowercase())
            {
                w.fail(
                    &format!("rule cors.expose: `{h}` is not in Access-Control-Expose-Headers"),
                    &[e],
                );
            }
        }
    }
}

#[when(regex = r"^a preflight and a request are sent from (a refused origin|the null origin)$")]
async fn from_refused(w: &mut AccordWorld, which: String) {
    let origins = if which == "the null origin" {
        vec!["null".to_string()]
    } else {
        w.ctx
            .profile
            .cors
            .as_ref()
            .map(|c| c.refused_origins.clone())
            .unwrap_or_default()
    };
    let path = w.ctx.cors_path();
    w.judged.clear();
    for origin in origins {
        let preflight = Request::new("OPTIONS", path.clone())
            .header("origin", origin.clone())
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization");
        let e = w.send(preflight).await;
        w.judged.push(e);
        let e = w
            .send(Request::new("GET", path.clone()).header("origin", origin))
            .await;
        w.judged.push(e);
    }
}

#[then("no Access-Control-Allow-Origin is sent")]
async fn no_allow_origin(w: &mut AccordWorld) {
    for e in w.judged.clone() {
        if let Some(value) = e.header("access-control-allow-origin") {
            w.fail(&format!("rule cors.refused: an origin that must be refused got `Access-Control-Allow-Origin: {value}`"), &[e]);
        }
    }
}

// ---- errors -----------------------------------------------------------------------------

#[when(
    regex = r"^(a request to an unknown route|a request with a wrong method|a request without credentials|a body of malformed JSON|a body with a wrong content type|a body missing a required field|a body with a field of a wrong type|a request for a missing resource) is sent$"
)]
async fn error_case(w: &mut AccordWorld, case: String) {
    let token = w.tokens.as_ref().map(|t| t.access.clone());
    let request = w
        .ctx
        .error_request(&case, token.as_deref())
        .unwrap_or_else(|e| panic!("{case}: {e}"));
    let e = w.send(request).await;
    w.judged = vec![e];
}

#[then(expr = "the answer is {int} in the error envelope")]
async fn answer_in_envelope(w: &mut AccordWorld, status: u16) {
    let fastapi = w
        .ctx
        .profile
        .errors
        .as_ref()
        .is_some_and(|e| *e.envelope.get_ref() == Envelope::Fastapi);
    for e in w.judged.clone() {
        // FastAPI reports unparsable bodies and wrong media types as 422.
        let acceptable =
            e.status == status || (fastapi && matches!(status, 400 | 415) && e.status == 422);
        if !acceptable {
            w.fail(
                &format!("rule errors.status: expected {status}, got {}", e.status),
                &[e],
            );
        }
        if let Some(problem) = w.envelope_problem(&e) {
            w.fail(&format!("rule envelope: {problem}"), &[e]);
        }
        if status == 405 && e.header("allow").is_none() {
            w.fail("rule errors.allow: a 405 without an `Allow` header", &[e]);
        }
    }
}

// ---- uploads ----------------------------------------------------------------------------

#[when("a file is presigned and posted to storage")]
async fn upload_ok(w: &mut AccordWorld) {
    upload_with(w, "nothing".into()).await;
}

#[when(
    regex = r"^a file is presigned and posted to storage with (a wrong content type|a file over the limit|a tampered key)$"
)]
async fn upload_tampered(w: &mut AccordWorld, tampering: String) {
    upload_with(w, tampering).await;
}

async fn upload_with(w: &mut AccordWorld, tampering: String) {
    let token = w.tokens().access.clone();
    let ctx = w.ctx.clone();
    let uploads = ctx.profile.uploads.as_ref().expect("[uploads]");
    let size = 64u64;
    let (presign, exchange) = ctx
        .presign(&token, "accord-check.png", &uploads.content_type, size)
        .await;
    w.exchanges.push(exchange.clone());
    let presign = presign
        .unwrap_or_else(|e| w.fail(&format!("rule uploads.presign: {e}"), &[exchange.clone()]));
    let mut fields = presign.fields.clone();
    let mut content_type = uploads.content_type.clone();
    let mut bytes = vec![0x42u8; size as usize];
    match tampering.as_str() {
        "a wrong content type" => {
            content_type = "text/html".into();
            for (k, v) in fields.iter_mut() {
                if k.eq_ignore_ascii_case("content-type") {
                    *v = content_type.clone();
                }
            }
        }
        "a file over the limit" => {
            bytes = vec![0x42u8; (presign.max_size.unwrap_or(size) + 1) as usize]
        }
        "a tampered key" => {
            for (k, v) in fields.iter_mut() {
                if k == "key" {
                    *v = format!("{v}-tampered");
                }
            }
        }
        _ => {}
    }
    let request = Request::new("POST", presign.url.clone()).body(Body::Multipart {
        fields,
        file_content_type: content_type,
        file: bytes,
    });
    let e = w.send(request).await;
    w.upload = Some(json!({"id": presign.id, "key": presign.key}));
    w.judged = vec![e];
}

#[then("the storage accepts it")]
async fn storage_accepts(w: &mut AccordWorld) {
    let expected = w
        .ctx
        .profile
        .uploads
        .as_ref()
        .map(|u| u.storage_status)
        .unwrap_or(204);
    for e in w.judged.clone() {
        if e.status != expected {
            w.fail(
                &format!(
                    "rule uploads.storage: the storage answered {}, not {expected}",
                    e.status
                ),
                &[e],
            );
        }
    }
}

#[then("the storage refuses it")]
async fn storage_refuses(w: &mut AccordWorld) {
    for e in w.judged.clone() {
        if (200..300).contains(&e.status) {
            w.fail(
                &format!(
                    "rule uploads.policy: the storage accepted a post the policy forbids ({})",
                    e.status
                ),
                &[e],
            );
        }
    }
}

#[then("the object is reported stored")]
async fn reported_stored(w: &mut AccordWorld) {
    let ctx = w.ctx.clone();
    let Some(upload) = w.upload.clone() else {
        panic!("no upload was made")
    };
    let token = w.tokens().access.clone();
    match ctx
        .upload_status(&token, upload["id"].as_str().unwrap_or_default())
        .await
    {
        Some((stored, exchange)) => {
            w.exchanges.push(exchange.clone());
            if !stored {
                w.fail(
                    "rule uploads.stored: the backend does not report the object stored",
                    &[exchange],
                );
            }
        }
        None => {} // The profile names no status operation: nothing to ask.
    }
}

#[when("an upload is presigned without credentials")]
async fn presign_anonymous(w: &mut AccordWorld) {
    let ctx = w.ctx.clone();
    let uploads = ctx.profile.uploads.as_ref().expect("[uploads]");
    let request = ctx.presign_request(None, "accord-check.png", &uploads.content_type, 16);
    let e = w.send(request).await;
    w.judged = vec![e];
}

#[when(regex = r"^(a content type that is not allowed|a size over the limit) is presigned$")]
async fn presign_refused(w: &mut AccordWorld, what: String) {
    let ctx = w.ctx.clone();
    let token = w.tokens().access.clone();
    let uploads = ctx.profile.uploads.as_ref().expect("[uploads]");
    let (content_type, size) = match what.as_str() {
        "a content type that is not allowed" => (
            uploads
                .refused_content_type
                .clone()
                .unwrap_or_else(|| "application/x-msdownload".into()),
            16,
        ),
        _ => (uploads.content_type.clone(), uploads.max_bytes + 1),
    };
    let e = w
        .send(ctx.presign_request(Some(&token), "accord-check.bin", &content_type, size))
        .await;
    w.judged = vec![e];
}

#[then("the backend refuses it in the error envelope")]
async fn backend_refuses(w: &mut AccordWorld) {
    for e in w.judged.clone() {
        if !(400..500).contains(&e.status) {
            w.fail(
                &format!(
                    "rule uploads.refuse: the backend answered {} where it must refuse",
                    e.status
                ),
                &[e],
            );
        }
        if let Some(problem) = w.envelope_problem(&e) {
            w.fail(&format!("rule envelope: {problem}"), &[e]);
        }
    }
}

#[when(expr = "an upload named {string} is presigned")]
async fn presign_named(w: &mut AccordWorld, name: String) {
    let ctx = w.ctx.clone();
    let token = w.tokens().access.clone();
    let uploads = ctx.profile.uploads.as_ref().expect("[uploads]");
    let (presign, exchange) = ctx.presign(&token, &name, &uploads.content_type, 16).await;
    w.exchanges.push(exchange.clone());
    let presign = presign
        .unwrap_or_else(|e| w.fail(&format!("rule uploads.presign: {e}"), &[exchange.clone()]));
    w.upload = Some(json!({"key": presign.key, "name": name}));
    w.judged = vec![exchange];
}

#[then("the key does not contain the name unsanitized")]
async fn key_sanitized(w: &mut AccordWorld) {
    let upload = w.upload.clone().expect("an upload was presigned");
    let key = upload["key"].as_str().unwrap_or_default();
    if key.contains("..") || key.contains(upload["name"].as_str().unwrap_or("\u{0}")) {
        w.fail(
            &format!("rule uploads.key: the object key `{key}` holds the file name unsanitized"),
            &w.judged.clone(),
        );
    }
}

// ---- every exchange ---------------------------------------------------------------------

#[then("every exchange matched the spec")]
async fn matched_spec(w: &mut AccordWorld) {
    let broken: Vec<Exchange> = w
        .exchanges
        .iter()
        .filter(|e| !e.violations.is_empty())
        .cloned()
        .collect();
    if let Some(first) = broken.first() {
        let list: Vec<String> = broken
            .iter()
            .flat_map(|e| e.violations.iter().map(|v| v.to_string()))
            .collect();
        w.fail(
            &format!(
                "rule spec: {} exchange(s) broke the spec:\n  - {}",
                broken.len(),
                list.join("\n  - ")
            ),
            &[first.clone()],
        );
    }
}
