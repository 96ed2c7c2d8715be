//! CORS: an allowed origin gets exactly itself back (never `*` with credentials), with the
//! method and headers it asked for; every other origin, and `null`, gets nothing.

use std::str::FromStr;

use cucumber::{Parameter, then, when};

use super::AccordWorld;
use crate::http::Request;
use crate::rules::{Failure, Outcome, Rule};

/// The origins a refusal scenario sends from.
#[derive(Debug, Clone, Copy, Parameter)]
#[param(name = "refused", regex = "a refused origin|the null origin")]
pub enum Refused {
    Configured,
    Null,
}

impl FromStr for Refused {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "a refused origin" => Ok(Refused::Configured),
            "the null origin" => Ok(Refused::Null),
            other => Err(format!("unknown origin `{other}`")),
        }
    }
}

/// Whether the profile describes a public API: no credentials, so `Access-Control-Allow-Origin:
/// *` is what it should send (and every origin may read it).
fn public(w: &AccordWorld) -> bool {
    w.ctx.profile.cors.is_some() && !w.ctx.cors_credentials()
}

/// A wildcard answer that carries no credentials: safe for a public API. With
/// `Access-Control-Allow-Credentials: true` it contradicts itself: a frontend that sends
/// credentials (axios's `withCredentials`) is refused by the browser.
fn public_wildcard(w: &AccordWorld, e: &crate::http::Exchange) -> bool {
    public(w)
        && e.headers("access-control-allow-origin") == ["*"]
        && e.header("access-control-allow-credentials") != Some("true")
}

/// What is wrong with a wildcard answered with credentials to a public API's frontend, which
/// sends none: it reads the answer today, but the header pair contradicts itself.
fn wildcard_with_credentials(w: &AccordWorld, e: &crate::http::Exchange) -> Option<&'static str> {
    (public(w)
        && e.headers("access-control-allow-origin") == ["*"]
        && e.header("access-control-allow-credentials") == Some("true"))
    .then_some(
        "`*` with `Access-Control-Allow-Credentials: true`, a pair browsers refuse to any request with credentials (cookies, `withCredentials`); a frontend that sends none, as this profile's, reads it",
    )
}

/// The request headers a browser's preflight names: the user's token header as the spec's
/// security scheme places it, and `content-type`.
fn token_headers(w: &AccordWorld) -> Vec<String> {
    use crate::http::Placement;
    let mut headers = match w.ctx.http.placement() {
        Placement::Bearer | Placement::Basic => vec!["authorization".to_string()],
        Placement::Header { name, .. } => vec![name.to_ascii_lowercase()],
        Placement::Query { .. } | Placement::Cookie { .. } => vec![],
    };
    headers.push("content-type".into());
    headers
}

fn allowed_origin(w: &AccordWorld) -> Result<String, Failure> {
    w.ctx
        .allowed_origin()
        .ok_or_else(|| Failure::setup("cors.allowed_origins is empty"))
}

#[when("a preflight for POST with Authorization and Content-Type is sent from an allowed origin")]
async fn preflight_allowed(w: &mut AccordWorld) -> Outcome {
    let outcome = preflight_allowed_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn preflight_allowed_checked(w: &mut AccordWorld) -> Outcome {
    w.origin = allowed_origin(w)?;
    let e = w.send(preflight(w, &w.origin)).await?;
    let _ = w.ctx.cors_absent.set(without_cors(&e));
    w.judged = vec![e];
    Ok(())
}

/// A browser's preflight from `origin` for a POST with the user's token header.
fn preflight(w: &AccordWorld, origin: &str) -> Request {
    Request::new("OPTIONS", w.ctx.cors_path())
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            token_headers(w).join(", "),
        )
}

/// Whether `e` carries no CORS header at all.
fn without_cors(e: &crate::http::Exchange) -> bool {
    !e.response_headers
        .iter()
        .any(|(name, _)| name.to_ascii_lowercase().starts_with("access-control-"))
}

/// The scenario of the allowed origin's preflight.
const PREFLIGHT: &str = "A preflight from an allowed origin is answered for that origin";

/// Whether the answer `e`, without `Access-Control-Allow-Origin`, is left to [`PREFLIGHT`]:
/// it runs, and the backend answers the allowed origin's preflight without any CORS header
/// (asked once per run). One cause, no CORS at all, is judged there once.
async fn judged_by_preflight(w: &mut AccordWorld, e: &crate::http::Exchange) -> bool {
    if e.header("access-control-allow-origin").is_some() || !w.ctx.runs("CORS", PREFLIGHT) {
        return false;
    }
    let Ok(origin) = allowed_origin(w) else {
        return false;
    };
    let request = preflight(w, &origin);
    let ctx = w.ctx.clone();
    let absent = *ctx
        .cors_absent
        .get_or_init(|| async {
            match w.send(request).await {
                Ok(answer) => without_cors(&answer),
                Err(_) => false,
            }
        })
        .await;
    if absent {
        w.ctx.http.note(format!(
            "cors: the answers to the allowed origin without `Access-Control-Allow-Origin` are left to `{PREFLIGHT}`: its preflight gets no CORS header at all"
        ));
    }
    absent
}

#[when("a request is sent from an allowed origin")]
async fn request_allowed(w: &mut AccordWorld) -> Outcome {
    let outcome = request_allowed_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn request_allowed_checked(w: &mut AccordWorld) -> Outcome {
    w.origin = allowed_origin(w)?;
    let path = w.ctx.cors_path();
    let e = w
        .send(Request::new("GET", path).header("origin", w.origin.clone()))
        .await?;
    w.judged = vec![e];
    Ok(())
}

#[then("the allowed origin is echoed exactly, with credentials as configured")]
async fn origin_echoed(w: &mut AccordWorld) -> Outcome {
    let outcome = origin_echoed_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn origin_echoed_checked(w: &mut AccordWorld) -> Outcome {
    // Every exchange is judged, and every problem reported.
    let mut failures = Vec::new();
    let credentials = w.ctx.profile.cors.is_some() && w.ctx.cors_credentials();
    for e in &w.judged.clone() {
        if e.method != "OPTIONS" && judged_by_preflight(w, e).await {
            continue;
        }
        let allow = e.headers("access-control-allow-origin");
        if e.method == "OPTIONS" && without_cors(e) {
            failures.push(
                Failure::new(
                    Rule::CorsExactOrigin,
                    format!(
                        "no CORS header at all: the preflight from the allowed origin {} gets no `Access-Control-*` header, so a browser frontend there cannot call the backend (one served from the backend's own origin needs no [cors] section)",
                        w.origin
                    ),
                )
                .with(e),
            );
            continue;
        }
        if allow != [w.origin.as_str()] && !public_wildcard(w, e) {
            let rule = if allow.contains(&"*") {
                Rule::CorsNoWildcard
            } else {
                Rule::CorsExactOrigin
            };
            let message = match wildcard_with_credentials(w, e) {
                Some(why) => format!("the allowed origin was not echoed exactly: {why}"),
                None => format!(
                    "the allowed origin was not echoed exactly (got {allow:?}, want {:?})",
                    w.origin
                ),
            };
            failures.push(Failure::new(rule, message).with(e));
        }
        if credentials && e.header("access-control-allow-credentials") != Some("true") {
            failures.push(Failure::new(
                Rule::CorsCredentials,
                "credentials are configured but `Access-Control-Allow-Credentials: true` is missing",
            )
            .with(e));
        }
    }
    Failure::combine(failures)
}

#[then("the requested method and headers are allowed")]
async fn method_headers_allowed(w: &mut AccordWorld) -> Outcome {
    let outcome = method_headers_allowed_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn method_headers_allowed_checked(w: &mut AccordWorld) -> Outcome {
    for e in &w.judged {
        let methods = e
            .headers("access-control-allow-methods")
            .join(",")
            .to_ascii_uppercase();
        let headers = e
            .headers("access-control-allow-headers")
            .join(",")
            .to_ascii_lowercase();
        if !(methods.contains("POST") || methods.contains('*')) {
            return Err(Failure::new(
                Rule::CorsMethods,
                "the preflight does not allow the requested POST",
            )
            .with(e));
        }
        for h in token_headers(w) {
            if !headers.contains(&h) && !headers.contains('*') {
                return Err(Failure::new(
                    Rule::CorsHeaders,
                    format!("the preflight does not allow `{h}`"),
                )
                .with(e));
            }
        }
    }
    Ok(())
}

#[then("the answer varies by Origin")]
async fn varies(w: &mut AccordWorld) -> Outcome {
    let outcome = varies_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn varies_checked(w: &mut AccordWorld) -> Outcome {
    for e in w.judged.iter().filter(|e| !public_wildcard(w, e)) {
        let vary = e.headers("vary").join(",").to_ascii_lowercase();
        if !vary
            .split(',')
            .any(|v| v.trim() == "origin" || v.trim() == "*")
        {
            return Err(
                Failure::new(Rule::CorsVary, "the answer does not carry `Vary: Origin`").with(e),
            );
        }
    }
    Ok(())
}

#[then("the configured headers are exposed")]
async fn exposed(w: &mut AccordWorld) -> Outcome {
    let outcome = exposed_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn exposed_checked(w: &mut AccordWorld) -> Outcome {
    let wanted = w
        .ctx
        .profile
        .cors
        .as_ref()
        .map(|c| c.expose_headers.clone())
        .unwrap_or_default();
    for e in &w.judged {
        let exposed = e
            .headers("access-control-expose-headers")
            .join(",")
            .to_ascii_lowercase();
        for h in &wanted {
            if !exposed
                .split(',')
                .any(|x| x.trim() == h.to_ascii_lowercase())
            {
                return Err(Failure::new(
                    Rule::CorsExpose,
                    format!("`{h}` is not in Access-Control-Expose-Headers"),
                )
                .with(e));
            }
        }
    }
    Ok(())
}

#[when(expr = "a preflight and a request are sent from {refused}")]
async fn from_refused(w: &mut AccordWorld, which: Refused) -> Outcome {
    let outcome = from_refused_checked(w, which).await;
    w.keep(&outcome);
    outcome
}

async fn from_refused_checked(w: &mut AccordWorld, which: Refused) -> Outcome {
    let origins = match which {
        Refused::Null => vec!["null".to_string()],
        Refused::Configured => w
            .ctx
            .profile
            .cors
            .as_ref()
            .map(|c| c.refused_origins.clone())
            .unwrap_or_default(),
    };
    let path = w.ctx.cors_path();
    w.judged.clear();
    for origin in origins {
        let preflight = Request::new("OPTIONS", path.clone())
            .header("origin", origin.clone())
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization");
        let e = w.send(preflight).await?;
        w.judged.push(e);
        let e = w
            .send(Request::new("GET", path.clone()).header("origin", origin))
            .await?;
        w.judged.push(e);
    }
    Ok(())
}

#[then("no Access-Control-Allow-Origin is sent")]
async fn no_allow_origin(w: &mut AccordWorld) -> Outcome {
    let outcome = no_allow_origin_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn no_allow_origin_checked(w: &mut AccordWorld) -> Outcome {
    // Every exchange is judged, and every problem reported.
    let mut failures = Vec::new();
    for e in w.judged.iter().filter(|e| !public_wildcard(w, e)) {
        if let Some(value) = e.header("access-control-allow-origin") {
            failures.push(
                Failure::new(
                    Rule::CorsRefused,
                    format!(
                        "an origin that must be refused got `Access-Control-Allow-Origin: {value}`"
                    ),
                )
                .with(e),
            );
        }
    }
    Failure::combine(failures)
}

// ---- errors a browser must be able to read ------------------------------------------------

#[when("error answers are provoked from an allowed origin")]
async fn errors_from_allowed(w: &mut AccordWorld) -> Outcome {
    let outcome = errors_from_allowed_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn errors_from_allowed_checked(w: &mut AccordWorld) -> Outcome {
    use crate::context::ErrorCase;
    w.origin = allowed_origin(w)?;
    let token = w.access()?;
    w.judged.clear();
    let known = crate::behaviour::known(&w.ctx);
    for case in [
        ErrorCase::NoCredentials,
        ErrorCase::MissingResource,
        ErrorCase::MissingField,
    ] {
        // A spec without such an operation has no such error to read; a read-only run
        // sends no body.
        let Ok((request, _)) = w.ctx.error_request(case, Some(&token), &known) else {
            continue;
        };
        if w.ctx.read_only() && !matches!(request.method.as_str(), "GET" | "HEAD") {
            continue;
        }
        let e = w.send(request.header("origin", w.origin.clone())).await?;
        w.judged.push(e);
    }
    if w.judged.is_empty() {
        return Err(Failure::setup(
            "the spec offers no operation to provoke an error on",
        ));
    }
    Ok(())
}

#[then("each error answer carries the allowed origin's CORS headers")]
async fn errors_readable(w: &mut AccordWorld) -> Outcome {
    let outcome = errors_readable_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn errors_readable_checked(w: &mut AccordWorld) -> Outcome {
    // Every exchange is judged, and every problem reported.
    let mut failures = Vec::new();
    let credentials = w.ctx.profile.cors.is_some() && w.ctx.cors_credentials();
    for e in w.judged.clone().iter().filter(|e| e.status >= 400) {
        if judged_by_preflight(w, e).await {
            continue;
        }
        if e.header("access-control-allow-origin") != Some(w.origin.as_str())
            && !public_wildcard(w, e)
        {
            let message = match wildcard_with_credentials(w, e) {
                Some(why) => format!("the {} answer has {why}", e.status),
                None => format!(
                    "the {} answer has Access-Control-Allow-Origin {}, not {}: the frontend cannot read the error",
                    e.status,
                    e.header("access-control-allow-origin").unwrap_or("(none)"),
                    w.origin
                ),
            };
            failures.push(Failure::new(Rule::CorsErrors, message).with(e));
        }
        if credentials && e.header("access-control-allow-credentials") != Some("true") {
            failures.push(
                Failure::new(
                    Rule::CorsErrors,
                    format!(
                        "the {} answer lacks Access-Control-Allow-Credentials: true",
                        e.status
                    ),
                )
                .with(e),
            );
        }
    }
    Failure::combine(failures)
}
