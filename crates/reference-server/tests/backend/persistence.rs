//! Records and objects written before a restart are there after it, and a kill -9 loses no
//! committed write.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use reference_server::{Config, DataDir};
use serde_json::json;

use crate::{client, from, sign_up, start_with};

#[tokio::test]
async fn items_users_and_uploads_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || Config {
        data_dir: DataDir::Persistent(dir.path().to_path_buf()),
        ..Config::default()
    };

    let running = start_with(config()).await;
    let pair = sign_up(&running, "ada@example.com").await;
    let signed_in = client(&running, Some(&pair.access_token));
    let item = signed_in
        .create_item(&from(json!({"name": "Desk lamp"})))
        .await
        .unwrap()
        .into_inner();
    let p = signed_in
        .create_upload(&from(
            json!({"file_name": "a.txt", "content_type": "text/plain", "size_bytes": 5}),
        ))
        .await
        .unwrap()
        .into_inner();
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in &p.fields {
        form = form.text(k.clone(), v.clone());
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(b"hello".to_vec())
            .mime_str("text/plain")
            .unwrap(),
    );
    assert_eq!(
        reqwest::Client::new()
            .post(&p.url)
            .multipart(form)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    running.stop().await;

    let running = start_with(config()).await;
    // The signing key persisted too: the old access token still verifies.
    let signed_in = client(&running, Some(&pair.access_token));
    assert_eq!(
        signed_in.get_item(&item.id).await.unwrap().name,
        "Desk lamp"
    );
    let upload = signed_in
        .get_upload(&p.upload_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(upload.status.to_string(), "stored");
    let bytes = reqwest::get(upload.download_url.unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"hello");
    client(&running, None)
        .refresh(
            None,
            None,
            &from(json!({"refresh_token": pair.refresh_token})),
        )
        .await
        .expect("refresh tokens persisted");
    running.stop().await;
}

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(dir: &std::path::Path) -> Server {
    spawn_logging(dir, Stdio::null())
}

fn spawn_logging(dir: &std::path::Path, stderr: Stdio) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reference-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--storage-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut url = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("reference-server: API") {
            url = Some(rest.trim().to_string());
        }
        if line.contains("ready") {
            break;
        }
    }
    Server(child, url.expect("the API URL is printed"))
}

#[tokio::test]
async fn committed_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn(dir.path());
    let http = reqwest::Client::new();
    let credentials = json!({"email": "ada@example.com", "password": "correct horse battery"});
    assert_eq!(
        http.post(format!("{}/api/v1/auth/register", server.1))
            .json(&credentials)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let pair: serde_json::Value = http
        .post(format!("{}/api/v1/auth/login", server.1))
        .json(&credentials)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = pair["access_token"].as_str().unwrap().to_string();
    for i in 0..20 {
        let created = http
            .post(format!("{}/api/v1/items", server.1))
            .bearer_auth(&token)
            .json(&json!({"name": format!("item {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
    }
    drop(server); // SIGKILL: no shutdown, no checkpoint.

    let server = spawn(dir.path());
    let page: serde_json::Value = http
        .get(format!("{}/api/v1/items?limit=100", server.1))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 20, "{page}");
    let pair: serde_json::Value = http
        .post(format!("{}/api/v1/auth/login", server.1))
        .json(&credentials)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(pair["access_token"].is_string());
}

#[tokio::test]
async fn logs_have_one_line_per_request_and_never_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = spawn_logging(&dir.path().join("data"), Stdio::from(log));
    let http = reqwest::Client::new();
    let password = "correct horse battery staple";
    let credentials = json!({"email": "ada@example.com", "password": password});
    http.post(format!("{}/api/v1/auth/register", server.1))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    let pair: serde_json::Value = http
        .post(format!("{}/api/v1/auth/login", server.1))
        .json(&credentials)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = pair["access_token"].as_str().unwrap().to_string();
    let refresh = pair["refresh_token"].as_str().unwrap().to_string();
    http.get(format!("{}/api/v1/users/me", server.1))
        .bearer_auth(&access)
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .unwrap();
    http.get(format!("{}/api/v1/users/me", server.1))
        .bearer_auth("forged.token.value")
        .send()
        .await
        .unwrap();
    http.post(format!("{}/api/v1/auth/refresh", server.1))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    http.post(format!("{}/api/v1/auth/refresh", server.1))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    let item = http
        .get(format!(
            "{}/api/v1/items/3fa85f64-5717-4562-b3fc-2c963f66afa6",
            server.1
        ))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(item.status(), 404);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    drop(server);

    let log = std::fs::read_to_string(&log_path).unwrap();
    for secret in [
        password,
        access.as_str(),
        refresh.as_str(),
        "forged.token.value",
    ] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
    let requests: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(" request ") || l.ends_with(" request"))
        .collect();
    assert!(requests.len() >= 7, "{log}");
    assert!(
        log.contains("trace-me-1"),
        "the incoming request id is logged"
    );
    assert!(
        log.contains("/api/v1/items/{item_id}"),
        "routes are logged as templates: {log}"
    );
    assert!(
        !log.contains("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        "concrete paths are not logged"
    );
}
