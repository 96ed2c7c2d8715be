//! Random and malformed requests to every operation: never a 5xx, always the envelope.

use proptest::prelude::*;
use serde_json::{Value, json};

fn operations() -> Vec<(String, String)> {
    let spec = accord_spec::Spec::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/api.yaml"
    ))
    .unwrap();
    spec.operations()
        .iter()
        .map(|op| (op.method.as_str().to_uppercase(), op.path.to_string()))
        .collect()
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("ada@example.com"),
            Just("image/png"),
            Just("../../x"),
            Just("3fa85f64-5717-4562-b3fc-2c963f66afa6")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("name"),
                        Just("email"),
                        Just("password"),
                        Just("refresh_token"),
                        Just("file_name"),
                        Just("content_type"),
                        Just("size_bytes"),
                        Just("description"),
                        Just("x")
                    ]
                    .prop_map(String::from),
                    inner
                ),
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Bytes(Vec<u8>),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        json_value().prop_map(Body::Json),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Body::Bytes),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        Just(Some("application/json")),
        Just(Some("text/plain")),
        Just(Some("application/json; charset=utf-8")),
        Just(None),
        Just(Some("multipart/form-data; boundary=x"))
    ]
}

fn path_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("3fa85f64-5717-4562-b3fc-2c963f66afa6".to_string()),
        "[a-zA-Z0-9%._~-]{1,20}"
    ]
}

#[test]
fn random_requests_never_get_a_5xx_and_always_the_envelope() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let running = runtime.block_on(crate::start());
    let token = runtime
        .block_on(crate::sign_up(&running, "fuzz@example.com"))
        .access_token;
    let ops = operations();
    let http = reqwest::Client::new();
    let config = ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(op in 0..ops.len(), body in body(), content_type in content_type(), id in path_value(), authorized in any::<bool>(), query in "[a-z=&0-9%-]{0,20}")| {
        let (method, template) = &ops[op];
        let path = template.replace("{item_id}", &id).replace("{upload_id}", &id);
        let url = format!("{}{path}?{query}", running.api_url);
        let mut request = http.request(method.parse().unwrap(), url);
        if authorized {
            request = request.bearer_auth(&token);
        }
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        request = match &body {
            Body::Json(v) => request.body(v.to_string()),
            Body::Bytes(b) => request.body(b.clone()),
        };
        let (status, headers, text) = runtime.block_on(async {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            (status, headers, response.text().await.unwrap())
        });
        prop_assert!(status < 500, "{method} {path}: {status} {text}");
        prop_assert!(headers.contains_key("x-request-id"));
        if status >= 400 {
            prop_assert_eq!(headers["content-type"].to_str().unwrap(), "application/problem+json", "{} {}: {}", method, path, text);
            let problem: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&problem["status"], &json!(status));
            prop_assert_eq!(problem["request_id"].as_str(), headers["x-request-id"].to_str().ok());
        }
    });
    runtime.block_on(running.stop());
}

/// An optional JSON body sent as `null` is a body the schema judges, not an absent one:
/// `POST /auth/logout` with `null` is refused as invalid (422), and without a body it is not.
#[tokio::test]
async fn an_optional_body_of_null_is_judged_by_its_schema() {
    let running = crate::start().await;
    let pair = crate::sign_up(&running, "null-body@example.com").await;
    let http = reqwest::Client::new();
    let logout = |body: Option<&'static str>| {
        let mut request = http
            .post(format!("{}/api/v1/auth/logout", running.api_url))
            .bearer_auth(&pair.access_token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        request.send()
    };
    let null = logout(Some("null")).await.unwrap();
    assert_eq!(null.status(), 422);
    let problem: Value = null.json().await.unwrap();
    assert_eq!(problem["code"], "validation_failed", "{problem}");
    let absent = logout(None).await.unwrap();
    assert_ne!(
        absent.status(),
        422,
        "an absent optional body is not judged"
    );
}
