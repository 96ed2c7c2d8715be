//! API keys, the refresh cookie with its CSRF defence, rate limits and the WebSocket.

use std::time::Duration;

use futures_util::StreamExt as _;
use reference_server::{Config, CookieMode, Limit, RateLimits, Running};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;

use crate::sign_up;

const ORIGIN: &str = "http://localhost:5173";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn call(
    running: &Running,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = http().request(method, format!("{}{path}", running.api_url));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn set_cookies(headers: &reqwest::header::HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

fn cookie_value(cookies: &[String], name: &str) -> Option<String> {
    cookies.iter().find_map(|c| {
        let (k, rest) = c.split_once('=')?;
        (k == name).then(|| rest.split(';').next().unwrap_or("").to_string())
    })
}

// ---- API keys ---------------------------------------------------------------------------

#[tokio::test]
async fn api_keys_read_items_until_revoked_and_are_stored_only_as_hashes() {
    let running = crate::start().await;
    let pair = sign_up(&running, "svc@example.com").await;
    let bearer = format!("Bearer {}", pair.access_token);
    let auth = [("authorization", bearer.as_str())];
    let (status, headers, created) = call(
        &running,
        reqwest::Method::POST,
        "/api/v1/api-keys",
        &auth,
        Some(json!({"name": "nightly export"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_string();
    let id = created["id"].as_str().unwrap().to_string();
    assert!(key.starts_with("acc_"));
    assert_eq!(
        headers["location"].to_str().unwrap(),
        format!("/api/v1/api-keys/{id}")
    );
    // Listed without its secret.
    let (_, _, listed) = call(
        &running,
        reqwest::Method::GET,
        "/api/v1/api-keys",
        &auth,
        None,
    )
    .await;
    assert_eq!(listed["items"][0]["id"], created["id"]);
    assert!(
        !listed.to_string().contains(&key),
        "a listed key shows its secret"
    );
    // The key reads items, and nothing else.
    let with_key = [("x-api-key", key.as_str())];
    let (status, _, _) = call(
        &running,
        reqwest::Method::GET,
        "/api/v1/items",
        &with_key,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, _) = call(
        &running,
        reqwest::Method::GET,
        "/api/v1/users/me",
        &with_key,
        None,
    )
    .await;
    assert_eq!(status, 401, "an API key is not a bearer token");
    // Unknown and malformed keys: 401 in the envelope, with a bearer challenge, no echo.
    for bad in ["acc_unknown", "not-a-key"] {
        let (status, headers, body) = call(
            &running,
            reqwest::Method::GET,
            "/api/v1/items",
            &[("x-api-key", bad)],
            None,
        )
        .await;
        assert_eq!(status, 401);
        assert_eq!(headers["content-type"], "application/problem+json");
        assert!(headers.contains_key("www-authenticate"));
        assert!(!body.to_string().contains(bad), "the key is echoed");
    }
    // Stored only as a hash.
    let db = std::fs::read(running.data_dir.join("accord.sqlite3")).unwrap();
    let wal = std::fs::read(running.data_dir.join("accord.sqlite3-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!bytes.windows(key.len()).any(|w| w == key.as_bytes()));
    }
    // Revoked: refused from then on.
    let (status, _, _) = call(
        &running,
        reqwest::Method::DELETE,
        &format!("/api/v1/api-keys/{id}"),
        &auth,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _, _) = call(
        &running,
        reqwest::Method::GET,
        "/api/v1/items",
        &with_key,
        None,
    )
    .await;
    assert_eq!(status, 401, "a revoked key is still accepted");
    // Another user cannot see or revoke it.
    let other = sign_up(&running, "other@example.com").await;
    let other_bearer = format!("Bearer {}", other.access_token);
    let (status, _, _) = call(
        &running,
        reqwest::Method::GET,
        &format!("/api/v1/api-keys/{id}"),
        &[("authorization", other_bearer.as_str())],
        None,
    )
    .await;
    assert_eq!(status, 404);
}

// ---- the refresh cookie -----------------------------------------------------------------

async fn cookie_backend(double_submit: bool) -> Running {
    crate::start_with(Config {
        refresh_cookie: Some(CookieMode {
            double_submit,
            ..CookieMode::default()
        }),
        ..Config::default()
    })
    .await
}

async fn cookie_login(running: &Running, email: &str) -> Vec<String> {
    let credentials = json!({"email": email, "password": "correct horse battery"});
    call(
        running,
        reqwest::Method::POST,
        "/api/v1/auth/register",
        &[],
        Some(credentials.clone()),
    )
    .await;
    let (status, headers, body) = call(
        running,
        reqwest::Method::POST,
        "/api/v1/auth/login",
        &[],
        Some(credentials),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.get("refresh_token").is_none(),
        "the refresh token is in the body in cookie mode"
    );
    set_cookies(&headers)
}

#[tokio::test]
async fn cookie_mode_sets_a_scoped_httponly_cookie_that_refreshes_and_logout_clears() {
    let running = cookie_backend(false).await;
    let cookies = cookie_login(&running, "jar@example.com").await;
    let refresh = cookies
        .iter()
        .find(|c| c.starts_with("accord_refresh="))
        .unwrap();
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/api/v1/auth",
        "Max-Age=2592000",
    ] {
        assert!(refresh.contains(attribute), "{refresh} lacks {attribute}");
    }
    let token = cookie_value(&cookies, "accord_refresh").unwrap();
    let jar = format!("accord_refresh={token}");
    // The cookie alone refreshes, from an allowed origin or from no browser at all.
    let (status, headers, body) = call(
        &running,
        reqwest::Method::POST,
        "/api/v1/auth/refresh",
        &[("cookie", jar.as_str()), ("origin", ORIGIN)],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let rotated = cookie_value(&set_cookies(&headers), "accord_refresh").unwrap();
    assert_ne!(rotated, token);
    // A foreign origin riding on the cookie is refused, and the cookie is not consumed.
    let jar = format!("accord_refresh={rotated}");
    let (status, _, body) = call(
        &running,
        reqwest::Method::POST,
        "/api/v1/auth/refresh",
        &[("cookie", jar.as_str()), ("origin", "https://evil.example")],
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], "csrf_refused");
    // Logout clears it.
    let access = body_access(&running, &jar).await;
    let bearer = format!("Bearer {access}");
    let (_, headers, _) = call(
        &running,
        reqwest::Method::POST,
        "/api/v1/auth/logout",
        &[
            ("cookie", jar.as_str()),
            ("authorization", bearer.as_str()),
            ("origin", ORIGIN),
        ],
        None,
    )
    .await;
    let cleared = set_cookies(&headers);
    let cleared = cleared
        .iter()
        .find(|c| c.starts_with("accord_refresh="))
        .expect("logout sets the cookie");
    assert!(
        cleared.starts_with("accord_refresh=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
}

/// Refreshes with `jar` and returns the new access token (the jar's token is then used).
async fn body_access(running: &Running, jar: &str) -> String {
    let (status, _, body) = call(
        running,
        reqwest::Method::POST,
        "/api/v1/auth/refresh",
        &[("cookie", jar)],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn double_submit_needs_the_header_to_equal_the_csrf_cookie() {
    let running = cookie_backend(true).await;
    let cookies = cookie_login(&running, "csrf@example.com").await;
    let token = cookie_value(&cookies, "accord_refresh").unwrap();
    let csrf = cookie_value(&cookies, "accord_csrf").unwrap();
    let csrf_cookie = cookies
        .iter()
        .find(|c| c.starts_with("accord_csrf="))
        .unwrap();
    assert!(
        !csrf_cookie.contains("HttpOnly"),
        "the page must read the CSRF cookie"
    );
    let jar = format!("accord_refresh={token}; accord_csrf={csrf}");
    for header in [None, Some("wrong")] {
        let mut headers = vec![("cookie", jar.as_str())];
        if let Some(h) = header {
            headers.push(("x-csrf-token", h));
        }
        let (status, _, _) = call(
            &running,
            reqwest::Method::POST,
            "/api/v1/auth/refresh",
            &headers,
            None,
        )
        .await;
        assert_eq!(status, 403, "refresh with CSRF header {header:?}");
    }
    let (status, _, body) = call(
        &running,
        reqwest::Method::POST,
        "/api/v1/auth/refresh",
        &[("cookie", jar.as_str()), ("x-csrf-token", csrf.as_str())],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

// ---- rate limits ------------------------------------------------------------------------

#[tokio::test]
async fn login_past_the_limit_is_a_429_with_retry_after_then_allowed_again() {
    let running = crate::start_with(Config {
        rate_limits: RateLimits {
            login: Some(Limit {
                count: 3,
                window: Duration::from_secs(2),
            }),
            ..RateLimits::default()
        },
        ..Config::default()
    })
    .await;
    let wrong = json!({"email": "nobody@example.com", "password": "wrong password 1"});
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..4 {
        let (status, headers, body) = call(
            &running,
            reqwest::Method::POST,
            "/api/v1/auth/login",
            &[("origin", ORIGIN)],
            Some(wrong.clone()),
        )
        .await;
        statuses.push(status);
        if status == 429 {
            limited = Some((headers, body));
        }
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
    let (headers, body) = limited.unwrap();
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "Retry-After {wait}");
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(body["status"], 429);
    assert_eq!(
        headers["access-control-allow-origin"], ORIGIN,
        "a browser cannot read the 429"
    );
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let (status, _, _) = call(
        &running,
        reqwest::Method::POST,
        "/api/v1/auth/login",
        &[],
        Some(wrong),
    )
    .await;
    assert_eq!(status, 401, "still limited after Retry-After");
}

#[tokio::test]
async fn login_is_limited_per_account_whatever_the_case_of_its_email() {
    let running = crate::start_with(Config {
        rate_limits: RateLimits {
            login_account: Some(Limit {
                count: 2,
                window: Duration::from_secs(60),
            }),
            ..RateLimits::default()
        },
        ..Config::default()
    })
    .await;
    let wrong = json!({"email": "Target@example.com", "password": "wrong password 1"});
    let lower = json!({"email": "target@example.com", "password": "wrong password 1"});
    for body in [&wrong, &lower] {
        let (status, _, _) = call(
            &running,
            reqwest::Method::POST,
            "/api/v1/auth/login",
            &[],
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 401);
    }
    let (status, headers, _) = call(
        &running,
        reqwest::Method::POST,
        "/api/v1/auth/login",
        &[],
        Some(wrong),
    )
    .await;
    assert_eq!(status, 429);
    assert!(headers.contains_key("retry-after"));
}

// ---- the WebSocket ----------------------------------------------------------------------

fn ws_request(
    running: &Running,
    query: &str,
    headers: &[(&str, &str)],
) -> tungstenite::handshake::client::Request {
    use tungstenite::client::IntoClientRequest as _;
    let url = format!("{}/ws{query}", running.api_url.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    for (k, v) in headers {
        request.headers_mut().insert(
            tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    request
}

async fn refused_status(request: tungstenite::handshake::client::Request) -> u16 {
    match tokio_tungstenite::connect_async(request).await {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("not an HTTP refusal: {other}"),
        Ok(_) => 101,
    }
}

#[tokio::test]
async fn the_websocket_refuses_bad_handshakes_and_pushes_item_events() {
    let running = crate::start_with(Config {
        ws_heartbeat: Duration::from_millis(300),
        ..Config::default()
    })
    .await;
    let pair = sign_up(&running, "ws@example.com").await;
    let token = pair.access_token.clone();
    assert_eq!(refused_status(ws_request(&running, "", &[])).await, 401);
    assert_eq!(
        refused_status(ws_request(&running, "?token=not-a-jwt", &[])).await,
        401
    );
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(
        refused_status(ws_request(&running, &format!("?token={forged}"), &[])).await,
        401
    );
    let query = format!("?token={token}");
    assert_eq!(
        refused_status(ws_request(
            &running,
            &query,
            &[("origin", "https://evil.example")]
        ))
        .await,
        403
    );
    // The query token from an allowed origin connects; events follow a REST write.
    let (mut socket, _) =
        tokio_tungstenite::connect_async(ws_request(&running, &query, &[("origin", ORIGIN)]))
            .await
            .unwrap();
    let bearer = format!("Bearer {token}");
    let (status, _, item) = call(
        &running,
        reqwest::Method::POST,
        "/api/v1/items",
        &[("authorization", bearer.as_str())],
        Some(json!({"name": "pushed"})),
    )
    .await;
    assert_eq!(status, 201);
    let mut kinds = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while kinds.len() < 3 && tokio::time::Instant::now() < deadline {
        let message = tokio::time::timeout(Duration::from_secs(2), socket.next()).await;
        let Ok(Some(Ok(tungstenite::Message::Text(text)))) = message else {
            continue;
        };
        let event: Value = serde_json::from_str(&text).unwrap();
        if event["type"] == "item.created" {
            assert_eq!(event["item_id"], item["id"]);
        }
        kinds.push(event["type"].as_str().unwrap().to_string());
    }
    assert!(kinds.iter().any(|k| k == "item.created"), "{kinds:?}");
    assert!(kinds.iter().any(|k| k == "heartbeat"), "{kinds:?}");
    socket.close(None).await.ok();
    // The Authorization header works as well.
    let connected = tokio_tungstenite::connect_async(ws_request(
        &running,
        "",
        &[("authorization", bearer.as_str())],
    ))
    .await;
    assert!(connected.is_ok());
}

#[tokio::test]
async fn the_websocket_closes_with_4401_when_the_token_expires() {
    let running = crate::start_with(Config {
        access_token_ttl: Duration::from_secs(1),
        ..Config::default()
    })
    .await;
    let pair = sign_up(&running, "expiry@example.com").await;
    let query = format!("?token={}", pair.access_token);
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_request(&running, &query, &[]))
        .await
        .unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(message) = socket.next().await {
            if let Ok(tungstenite::Message::Close(Some(frame))) = message {
                return Some(u16::from(frame.code));
            }
        }
        None
    })
    .await
    .unwrap();
    assert_eq!(closed, Some(4401));
}
