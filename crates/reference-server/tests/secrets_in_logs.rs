//! Every log line, at trace level, of a session that sends its token in the WebSocket query,
//! uses an API key and refreshes from a cookie: none of those secrets is in them.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reference_server::{Config, CookieMode};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_key_or_cookie_reaches_the_log_at_trace_level() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        // Everything at trace level but the test's own clients (which log what they send).
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "trace,tungstenite::handshake::client=off,reqwest=off,hyper_util::client=off",
        ))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let running = reference_server::start(Config {
        refresh_cookie: Some(CookieMode::default()),
        ..Config::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", running.api_url);
    let credentials = json!({"email": "quiet@example.com", "password": "correct horse battery"});
    http.post(url("/api/v1/auth/register"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    let login = http
        .post(url("/api/v1/auth/login"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|c| {
            c.to_str()
                .ok()?
                .strip_prefix("accord_refresh=")
                .map(|r| r.split(';').next().unwrap().to_string())
        })
        .unwrap();
    let body: Value = login.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_string();
    let created: Value = http
        .post(url("/api/v1/api-keys"))
        .bearer_auth(&access)
        .json(&json!({"name": "logged?"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().unwrap().to_string();
    let listed = http
        .get(url("/api/v1/items"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let refreshed = http
        .post(url("/api/v1/auth/refresh"))
        .header("cookie", format!("accord_refresh={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200);
    let ws = format!(
        "{}/ws?token={access}",
        running.api_url.replace("http://", "ws://")
    );
    let (socket, _) = tokio_tungstenite::connect_async(ws.into_client_request().unwrap())
        .await
        .unwrap();
    drop(socket);
    let refused = format!(
        "{}/ws?token={access}x",
        running.api_url.replace("http://", "ws://")
    );
    assert!(
        tokio_tungstenite::connect_async(refused.into_client_request().unwrap())
            .await
            .is_err()
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    running.stop().await;
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(
        log.contains("route=\"/ws\"") || log.contains("route=/ws"),
        "the WebSocket is not logged at all:\n{log}"
    );
    for (what, secret) in [
        ("access token", &access),
        ("API key", &key),
        ("refresh cookie", &cookie),
    ] {
        let leaked: Vec<&str> = log
            .lines()
            .filter(|l| l.contains(secret.as_str()))
            .collect();
        assert!(
            leaked.is_empty(),
            "the {what} is in the log:\n{}",
            leaked.join("\n")
        );
    }
}
