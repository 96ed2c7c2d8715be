//! Every failure the framework produces is the implementation's envelope, with the status,
//! content type and fields a client relies on, and never reaches a handler.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::Memory;

struct Answer {
    status: StatusCode,
    content_type: String,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn send(
    base: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Answer {
    let mut request = reqwest::Client::new().request(method, format!("{base}{path}"));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}"));
    Answer {
        status,
        content_type,
        headers,
        body,
    }
}

/// A server with one user signed in; returns its base URL and access token.
async fn signed_in(app: Memory) -> (String, String) {
    let base = crate::serve(app).await;
    let client = reqwest::Client::new();
    let credentials = json!({"email": "ada@example.com", "password": "correct horse"});
    client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    let pair: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&credentials)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (base, pair["access_token"].as_str().unwrap().to_string())
}

fn assert_envelope(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
    assert_eq!(answer.content_type, "application/problem+json");
    assert_eq!(answer.body["status"], status);
    assert_eq!(answer.body["code"], code);
    assert!(
        answer.body["title"].is_string() && answer.body["type"].is_string(),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn malformed_json_is_400() {
    let (base, token) = signed_in(Memory::default()).await;
    let bearer = format!("Bearer {token}");
    let answer = send(
        &base,
        Method::POST,
        "/api/v1/items",
        &[
            ("authorization", &bearer),
            ("content-type", "application/json"),
            ("x-request-id", "req-7"),
        ],
        Some(b"{\"name\": ".to_vec()),
    )
    .await;
    assert_envelope(&answer, 400, "malformed_body");
    assert_eq!(answer.body["request_id"], "req-7");
    assert!(
        answer.body["detail"].as_str().unwrap().contains("line 1"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn wrong_or_missing_content_type_is_415() {
    let (base, token) = signed_in(Memory::default()).await;
    let bearer = format!("Bearer {token}");
    let answer = send(
        &base,
        Method::POST,
        "/api/v1/items",
        &[("authorization", &bearer), ("content-type", "text/plain")],
        Some(b"{\"name\":\"x\"}".to_vec()),
    )
    .await;
    assert_envelope(&answer, 415, "unsupported_media_type");
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );
    let answer = send(
        &base,
        Method::POST,
        "/api/v1/items",
        &[("authorization", &bearer)],
        Some(b"{\"name\":\"x\"}".to_vec()),
    )
    .await;
    assert_envelope(&answer, 415, "unsupported_media_type");
    // Parameters of the media type do not matter.
    let answer = send(
        &base,
        Method::POST,
        "/api/v1/items",
        &[
            ("authorization", &bearer),
            ("content-type", "application/json; charset=utf-8"),
        ],
        Some(b"{\"name\":\"x\"}".to_vec()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let (base, token) = signed_in(Memory {
        body_limit: Some(64),
        ..Memory::default()
    })
    .await;
    let bearer = format!("Bearer {token}");
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(100));
    let answer = send(
        &base,
        Method::POST,
        "/api/v1/items",
        &[
            ("authorization", &bearer),
            ("content-type", "application/json"),
        ],
        Some(big.into_bytes()),
    )
    .await;
    assert_envelope(&answer, 413, "payload_too_large");
    // Exactly at the limit is fine.
    let fits = format!("{{\"name\": \"{}\"}}", "x".repeat(64 - 12));
    assert_eq!(fits.len(), 64);
    let answer = send(
        &base,
        Method::POST,
        "/api/v1/items",
        &[
            ("authorization", &bearer),
            ("content-type", "application/json"),
        ],
        Some(fits.into_bytes()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
}

#[tokio::test]
async fn schema_failures_are_422_naming_each_field() {
    let (base, token) = signed_in(Memory::default()).await;
    let bearer = format!("Bearer {token}");
    let json_headers = [
        ("authorization", bearer.as_str()),
        ("content-type", "application/json"),
    ];
    // Body: a missing required field, a too-long string, a wrong type, in one answer.
    let answer = send(
        &base,
        Method::POST,
        "/api/v1/uploads",
        &json_headers,
        Some(
            json!({"file_name": "x".repeat(300), "size_bytes": "big"})
                .to_string()
                .into_bytes(),
        ),
    )
    .await;
    assert_envelope(&answer, 422, "validation_failed");
    let mut fields: Vec<(String, String)> = answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            ("/content_type".to_string(), "required".to_string()),
            ("/file_name".to_string(), "maxLength".to_string()),
            ("/size_bytes".to_string(), "type".to_string()),
        ]
    );
    // Formats: an email that is not one.
    let answer = send(
        &base,
        Method::POST,
        "/api/v1/auth/register",
        &json_headers,
        Some(
            json!({"email": "ada", "password": "long enough"})
                .to_string()
                .into_bytes(),
        ),
    )
    .await;
    assert_envelope(&answer, 422, "validation_failed");
    assert_eq!(answer.body["errors"][0]["field"], "/email");
    assert_eq!(answer.body["errors"][0]["code"], "format");
    // Numeric ranges in a body and in the query, and a path parameter's format.
    let answer = send(
        &base,
        Method::POST,
        "/api/v1/uploads",
        &json_headers,
        Some(
            json!({"file_name": "a.png", "content_type": "image/png", "size_bytes": 0})
                .to_string()
                .into_bytes(),
        ),
    )
    .await;
    assert_eq!(answer.body["errors"][0]["field"], "/size_bytes");
    assert_eq!(answer.body["errors"][0]["code"], "minimum");
    let answer = send(
        &base,
        Method::GET,
        "/api/v1/items?limit=0&offset=abc",
        &json_headers[..1],
        None,
    )
    .await;
    assert_envelope(&answer, 422, "validation_failed");
    let fields: Vec<&str> = answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["query.limit", "query.offset"]);
    let answer = send(
        &base,
        Method::GET,
        "/api/v1/items/not-a-uuid",
        &json_headers[..1],
        None,
    )
    .await;
    assert_envelope(&answer, 422, "validation_failed");
    assert_eq!(answer.body["errors"][0]["field"], "path.item_id");
    // A body of the wrong JSON type, and a missing body.
    let answer = send(
        &base,
        Method::POST,
        "/api/v1/items",
        &json_headers,
        Some(b"[1]".to_vec()),
    )
    .await;
    assert_eq!(answer.body["errors"][0]["field"], "/");
    assert_eq!(answer.body["errors"][0]["code"], "type");
    let answer = send(&base, Method::POST, "/api/v1/items", &json_headers, None).await;
    assert_envelope(&answer, 422, "validation_failed");
    assert_eq!(answer.body["errors"][0]["code"], "required");
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let base = crate::serve(Memory::default()).await;
    let answer = send(&base, Method::GET, "/api/v1/nothing-here", &[], None).await;
    assert_envelope(&answer, 404, "not_found");
    let answer = send(&base, Method::PUT, "/api/v1/items", &[], None).await;
    assert_envelope(&answer, 405, "method_not_allowed");
    assert_eq!(answer.headers["allow"], "GET, HEAD, POST");
    let answer = send(
        &base,
        Method::POST,
        "/api/v1/items/3fa85f64-5717-4562-b3fc-2c963f66afa6",
        &[],
        None,
    )
    .await;
    assert_eq!(answer.headers["allow"], "GET, HEAD, PATCH, DELETE");
    assert_envelope(&answer, 405, "method_not_allowed");
}

#[tokio::test]
async fn secured_operations_refuse_missing_and_rejected_credentials_before_the_handler() {
    let (base, _) = signed_in(Memory::default()).await;
    for (headers, challenge) in [
        (vec![], "Bearer"),
        (
            vec![("authorization", "Bearer not-a-token")],
            "Bearer error=\"invalid_token\"",
        ),
        (
            vec![("authorization", "Basic YTpi")],
            "Bearer error=\"invalid_token\"",
        ),
        (
            vec![("authorization", "Bearer ")],
            "Bearer error=\"invalid_token\"",
        ),
    ] {
        // A body that would fail validation: authentication comes first, so it is still 401.
        let mut with_body = headers.clone();
        with_body.push(("content-type", "application/json"));
        let answer = send(
            &base,
            Method::POST,
            "/api/v1/items",
            &with_body,
            Some(b"[]".to_vec()),
        )
        .await;
        assert_envelope(&answer, 401, "unauthorized");
        assert_eq!(answer.headers["www-authenticate"], challenge, "{headers:?}");
    }
    // Public operations never ask, even with a rejected credential.
    let answer = send(
        &base,
        Method::GET,
        "/healthz",
        &[("authorization", "Bearer not-a-token")],
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
}
