//! What wraps the generated router: the request id, CORS, one log line per request, and a
//! panic turned into the contract's 500.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use api_server::rt::{self, axum};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

pub use crate::request_id::RequestId;

fn sane_request_id(value: &str) -> bool {
    (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Sets the request id, echoes it as `X-Request-Id`, and logs one line per request: method,
/// route (the spec's template, never a concrete path or query), status, latency, request id.
pub async fn request_id_and_log(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane_request_id(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    request.extensions_mut().insert(RequestId(id.clone()));
    let method = request.method().clone();
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let route = response
        .extensions()
        .get::<rt::Served>()
        .map(|s| s.route)
        .unwrap_or("(no route)");
    tracing::info!(
        method = %method,
        route,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        request_id = %id,
        "request"
    );
    response
}

/// A panic in a handler becomes the contract's 500 (the cause is logged, never returned).
pub async fn catch_panic(request: Request, next: Next) -> Response {
    let id = request
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    match futures_util::FutureExt::catch_unwind(AssertUnwindSafe(next.run(request))).await {
        Ok(response) => response,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            tracing::error!(request_id = %id, cause = %message, "handler panicked");
            crate::api::panic_response(&id)
        }
    }
}

/// Rate limits per client address (login, refresh, and every other route when configured):
/// past the limit, a 429 problem with `Retry-After`. Inside the CORS layer, so an allowed
/// origin can read it.
pub async fn rate_limit(
    State(limits): State<Arc<crate::limits::Limits>>,
    mut request: Request,
    next: Next,
) -> Response {
    let address = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(ip) = address {
        request
            .extensions_mut()
            .insert(crate::limits::ClientAddr(ip));
        if request.method() != Method::OPTIONS
            && let Some(limiter) = limits.for_path(request.uri().path())
            && let Err(retry_after) = limiter.check(&ip.to_string())
        {
            let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone());
            let problem =
                crate::api::too_many_requests(request_id, request.uri().path(), retry_after);
            let mut response = crate::api::problem_response(&problem);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            tracing::warn!(client = %ip, path = request.uri().path(), retry_after, "rate limited");
            return response;
        }
    }
    next.run(request).await
}

/// The CORS policy: exact origins only, never `*`.
#[derive(Debug, Clone)]
pub struct Cors {
    pub origins: Vec<String>,
}

const ALLOWED_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
const ALLOWED_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "x-request-id",
    "accept",
    "accept-language",
    "content-language",
    "x-api-key",
    "x-csrf-token",
];
const EXPOSED_HEADERS: &str = "X-Total-Count, X-Request-Id, Location, Retry-After";

fn add_vary(headers: &mut HeaderMap, value: &'static str) {
    headers.append(header::VARY, HeaderValue::from_static(value));
}

/// Answers preflights and decorates responses for allowed origins; a refused origin (and
/// `null`) gets no `Access-Control-Allow-Origin` at all.
pub async fn cors(State(policy): State<Arc<Cors>>, request: Request, next: Next) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let allowed = origin
        .as_ref()
        .filter(|o| *o != "null" && policy.origins.iter().any(|a| a == *o));
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);

    if preflight {
        let mut response = Response::new(axum::body::Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = request.headers();
        let method = headers
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let requested: Vec<String> = headers
            .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        let method_ok = ALLOWED_METHODS.contains(&method.as_str());
        let headers_ok = requested
            .iter()
            .all(|h| ALLOWED_HEADERS.contains(&h.as_str()));
        let out = response.headers_mut();
        add_vary(out, "Origin");
        add_vary(out, "Access-Control-Request-Method");
        add_vary(out, "Access-Control-Request-Headers");
        if let (Some(origin), true, true) = (allowed, method_ok, headers_ok) {
            if let Ok(v) = HeaderValue::from_str(origin) {
                out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
            }
            out.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
            if let Ok(v) = HeaderValue::from_str(&method) {
                out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, v);
            }
            if !requested.is_empty()
                && let Ok(v) = HeaderValue::from_str(&requested.join(", "))
            {
                out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
            }
            out.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
        return response;
    }

    let allowed = allowed.cloned();
    let mut response = next.run(request).await;
    let out = response.headers_mut();
    add_vary(out, "Origin");
    if let Some(origin) = allowed {
        if let Ok(v) = HeaderValue::from_str(&origin) {
            out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        out.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        out.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
    }
    response
}
