//! What `verify` checks on the running reference backend: it answers, publishes its keys,
//! signs a user up and in, authenticates, and an upload goes through presigned POST to its
//! store. (The conformance suite checks the rest.)

use anyhow::{Context, bail, ensure};
use reqwest::blocking::{Client, multipart};
use serde_json::{Value, json};

pub fn run(api: &str) -> anyhow::Result<Vec<&'static str>> {
    let http = Client::builder().timeout(std::time::Duration::from_secs(20)).build()?;
    let json_of = |response: reqwest::blocking::Response, expected: u16, what: &str| -> anyhow::Result<Value> {
        let status = response.status().as_u16();
        let text = response.text().unwrap_or_default();
        ensure!(status == expected, "{what}: expected {expected}, got {status}: {text}");
        serde_json::from_str(&text).with_context(|| format!("{what}: the body is not JSON"))
    };
    let mut passed = Vec::new();

    let health = json_of(http.get(format!("{api}/healthz")).send()?, 200, "GET /healthz")?;
    ensure!(health["status"] == "ok", "GET /healthz: {health}");
    passed.push("health");

    let jwks = json_of(http.get(format!("{api}/.well-known/jwks.json")).send()?, 200, "GET /.well-known/jwks.json")?;
    ensure!(jwks["keys"][0]["alg"] == "RS256", "the JWKS has no RS256 key: {jwks}");
    passed.push("jwks");

    let credentials = json!({"email": "verify@example.com", "password": "a password for verify"});
    json_of(http.post(format!("{api}/api/v1/auth/register")).json(&credentials).send()?, 201, "register")?;
    let pair = json_of(http.post(format!("{api}/api/v1/auth/login")).json(&credentials).send()?, 200, "login")?;
    let token = pair["access_token"].as_str().context("login returned no access token")?;
    json_of(http.get(format!("{api}/api/v1/users/me")).bearer_auth(token).send()?, 200, "GET /users/me")?;
    let anonymous = http.get(format!("{api}/api/v1/users/me")).send()?;
    ensure!(anonymous.status() == 401, "GET /users/me without a token: {}", anonymous.status());
    passed.push("auth");

    let upload = json_of(
        http.post(format!("{api}/api/v1/uploads"))
            .bearer_auth(token)
            .json(&json!({"file_name": "verify.txt", "content_type": "text/plain", "size_bytes": 6}))
            .send()?,
        201,
        "POST /uploads",
    )?;
    let mut form = multipart::Form::new();
    for (k, v) in upload["fields"].as_object().context("no fields in the presigned upload")? {
        form = form.text(k.clone(), v.as_str().unwrap_or_default().to_string());
    }
    form = form.part("file", multipart::Part::bytes(b"verify".to_vec()).mime_str("text/plain")?);
    let url = upload["url"].as_str().context("no url in the presigned upload")?;
    let stored = http.post(url).multipart(form).send()?;
    if stored.status() != 204 {
        bail!("the store refused a valid upload: {} {}", stored.status(), stored.text().unwrap_or_default());
    }
    let id = upload["upload_id"].as_str().unwrap_or_default();
    let state = json_of(http.get(format!("{api}/api/v1/uploads/{id}")).bearer_auth(token).send()?, 200, "GET /uploads/{id}")?;
    ensure!(state["status"] == "stored", "the upload is not reported stored: {state}");
    passed.push("upload");
    Ok(passed)
}
