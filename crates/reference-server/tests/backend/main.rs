//! The reference backend over HTTP on 127.0.0.1: through the generated client where it can
//! speak, raw HTTP where a test needs to misbehave.

mod cors;
mod ops;
mod persistence;
mod robustness;
mod sessions;
mod tokens;
mod uploads;

use std::time::Duration;

use api_client::Client;
use reference_server::{Config, Running};
use serde_json::{Value, json};

/// Starts a backend with a temporary data directory and an embedded store.
pub async fn start() -> Running {
    start_with(Config::default()).await
}

pub async fn start_with(config: Config) -> Running {
    reference_server::start(config)
        .await
        .expect("the reference backend starts")
}

/// A client sending `token` as a bearer token.
pub fn client(running: &Running, token: Option<&str>) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(token) = token {
        headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    Client::new_with_client(&running.api_url, http)
}

pub fn from<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a valid value of the shared type")
}

/// Registers `email` and logs in; returns the token pair.
pub async fn sign_up(running: &Running, email: &str) -> api_types::TokenPair {
    let anonymous = client(running, None);
    let credentials = json!({"email": email, "password": "correct horse battery"});
    anonymous
        .register(&from(credentials.clone()))
        .await
        .expect("registration");
    anonymous
        .login(&from(credentials))
        .await
        .expect("login")
        .into_inner()
}

/// The problem of an error response, asserting its status and envelope.
pub fn problem<T: std::fmt::Debug>(
    status: u16,
    result: Result<api_client::ResponseValue<T>, api_client::Error<api_types::Problem>>,
) -> api_client::ResponseValue<api_types::Problem> {
    match result {
        Err(api_client::Error::ErrorResponse(response)) => {
            assert_eq!(response.status().as_u16(), status);
            assert_eq!(response.status, status as i32);
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json"
            );
            assert_eq!(
                response.request_id.as_deref(),
                response
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok()),
                "request_id echoes X-Request-Id"
            );
            response
        }
        other => panic!("expected a {status} problem, got {other:?}"),
    }
}
