//! The fault catalogue: backends broken in one way each, built with wiremock. The harness must
//! fail the right scenario with a message naming the rule; a correct backend, and the
//! reference backend, must pass everything.

mod accounts;
mod aip;
mod articles;
mod asked;
mod beyond;
mod booleans;
mod busy;
mod chi;
mod clinic;
mod consumed;
mod correlated;
mod csrf;
mod drf;
mod envelope;
mod filters;
mod flags;
mod gitea;
mod handed;
mod health;
mod hostile;
mod hung_deletes;
mod identities;
mod inventory;
mod jhipster;
mod jsonapi;
mod keyed;
mod keyless;
mod lanes;
mod lean;
mod learned;
mod lookup;
mod masked;
mod mock;
mod named;
mod named_items;

mod nest;
mod notebook;
mod open_bodies;
mod paged;
mod practice;
mod precision;
mod preconditions;
mod recent;
mod refresh_bearer;
mod refs;
mod refusals;
mod report;
mod returning;
mod routed;
mod runner;
mod served;
mod sessions;
mod settings;
mod silent;
mod stall;
mod storage;
mod switched_off;
mod tasks;
mod transport;
mod twice;
mod unread;
mod uuid4;
mod watches;
mod websocket;

use std::path::{Path, PathBuf};
use std::process::Command;

use accord_conformance::rules::Rule;
use mock::{Fault, Mock};
use wiremock::MockServer;
use wiremock::matchers::any;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A sign-in by email and password answering an opaque token (`POST /auth/login`): its
/// path in a spec, written after `paths:`, the answer to it, and the credentials a run of it
/// signs in with.
pub mod email_login {
    use serde_json::{Value, json};
    use wiremock::ResponseTemplate;

    pub const PATH: &str = r##"  /auth/login:
    post:
      operationId: login
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email, password]
              properties:
                email: { type: string }
                password: { type: string }
      responses:
        "200":
          description: a session
          content:
            application/json:
              schema: { type: object, properties: { access_token: { type: string } } }
        "401": { description: refused }
"##;

    /// The session token it answers.
    pub const TOKEN: &str = "opaque-session-token";

    pub const CREDENTIALS: [(&str, &str); 2] = [
        ("ACCORD_USER", "accord-a@example.com"),
        ("ACCORD_PASSWORD", "accord-password-1"),
    ];

    /// Its answer to `body`: a session for the right password, else 401.
    pub fn answer(body: &[u8]) -> ResponseTemplate {
        let body = serde_json::from_slice::<Value>(body).unwrap_or_default();
        match body.get("password").and_then(Value::as_str) {
            Some("accord-password-1") => {
                ResponseTemplate::new(200).set_body_json(json!({ "access_token": TOKEN }))
            }
            _ => ResponseTemplate::new(401),
        }
    }
}

/// A profile for the wiremock backend.
pub fn profile(dir: &Path) -> PathBuf {
    let spec = root().join("openapi/api.yaml");
    let text = format!(
        r#"
base_url = "http://127.0.0.1:1"
spec = "{}"
request_timeout_secs = 3
deadline_secs = 60

[auth]
kind = "login"
register = "register"
operation = "login"
body = {{ email = "conformance@example.com", password = "conformance-password-1" }}
access_token = "body:/access_token"
refresh_token = "body:/refresh_token"

[refresh]
operation = "refresh"
body = {{ refresh_token = "${{refresh_token}}" }}
logout = "logout"
logout_body = {{ refresh_token = "${{refresh_token}}" }}

[cors]
allowed_origins = ["http://localhost:5173"]
expose_headers = ["X-Total-Count", "X-Request-Id", "Location"]

[errors]
envelope = "problem"

[apikey]
create = "create_api_key"
revoke = "revoke_api_key"

[uploads]
operation = "create_upload"
body = {{ file_name = "${{file_name}}", content_type = "${{content_type}}", size_bytes = "${{size_bytes}}" }}
max_bytes = 1000
content_type = "image/png"
status_operation = "get_upload"
stored = ["/status", "stored"]

[behaviour]
examples = 5
expiry_wait_secs = 30
expiry_leeway_secs = 0
policy_fields = ["create_upload /content_type"]
"#,
        spec.display().to_string().replace('\\', "/")
    );
    let path = dir.join("profile.toml");
    std::fs::write(&path, text).unwrap();
    path
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    /// The run's `--results` file: every scenario's verdict and the rule it failed.
    pub results: serde_json::Value,
}

impl Run {
    /// Whether a scenario whose name holds `scenario` failed by `rule` (as the step returned
    /// it), its report holding `detail`.
    pub fn failed_by(&self, scenario: &str, rule: Rule, detail: &str) -> bool {
        // A spec finding is the run's own, once, naming the scenarios that met it.
        if rule == Rule::Spec {
            return self.results["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|f| {
                    f["what"].as_str().is_some_and(|w| w.contains(detail))
                        && f["scenarios"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|s| s.as_str().is_some_and(|s| s.contains(scenario)))
                });
        }
        self.results["scenarios"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| {
                s["verdict"] == "failed"
                    && s["scenario"].as_str().is_some_and(|n| n.contains(scenario))
                    && s["rule"] == rule.id()
                    && s["detail"].as_str().is_some_and(|d| d.contains(detail))
            })
    }
}

impl Run {
    /// Asserts that the run's output holds each of `texts`, showing the output where not.
    #[track_caller]
    pub fn says(&self, texts: &[&str]) {
        for text in texts {
            assert!(self.stdout.contains(text), "{text}\n{}", self.stdout);
        }
    }

    /// Asserts that no scenario failed by any of `rules`.
    #[track_caller]
    pub fn fails_none_of(&self, rules: &[Rule]) {
        for rule in rules {
            assert!(
                !self.failed_by("", *rule, ""),
                "{}\n{}",
                rule.id(),
                self.stdout
            );
        }
    }

    /// The verdict (`passed`, `failed`, `skipped`) of the first scenario whose name holds
    /// `scenario`, empty where none ran.
    pub fn verdict(&self, scenario: &str) -> String {
        self.results["scenarios"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["scenario"].as_str().is_some_and(|n| n.contains(scenario)))
            .and_then(|s| s["verdict"].as_str())
            .unwrap_or_default()
            .to_string()
    }
}

/// The `--results` file of a finished run, `null` when there is none.
fn results_of(path: &Path) -> serde_json::Value {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// Runs the harness with `--seed 7` and `args` (no `--strict`: sections a backend has no use
/// for are skipped).
/// The harness on `spec` alone (no profile) against `base_url`, with no credentials in its
/// environment (the visitor's run of `--spec`), seed 7, and `args`.
pub async fn spec_alone(spec: PathBuf, base_url: String, args: Vec<String>) -> Run {
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_accord-conformance"))
            .arg("--spec")
            .arg(&spec)
            .args(["--base-url", &base_url, "--seed", "7"])
            .args(&args)
            .env_remove("ACCORD_USER")
            .env_remove("ACCORD_PASSWORD")
            .env_remove("ACCORD_TOKEN")
            .output()
            .expect("the harness runs")
    })
    .await
    .expect("the harness's task ends");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        results: serde_json::Value::Null,
    }
}

/// A loopback server answering every request with `backend`.
pub async fn serving(backend: impl wiremock::Respond + 'static) -> MockServer {
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(backend)
        .mount(&server)
        .await;
    server
}

/// A new user's first run of the scenarios of `tags`, without credentials, against
/// `backend` serving on loopback.
pub async fn tagged_run(spec: &str, backend: impl wiremock::Respond + 'static, tags: &str) -> Run {
    let server = serving(backend).await;
    first_run_with(spec, server.uri(), tags, &[]).await
}

/// A new user's first run of the resource chain's scenarios (`@behaviour and @writes`, but
/// the second user's) against `backend`, serving on loopback.
pub async fn resource_chain(spec: &str, backend: impl wiremock::Respond + 'static) -> Run {
    tagged_run(spec, backend, "@behaviour and @writes and not @second_user").await
}

/// A new user's first run: `spec` (its text) alone, no profile, against `base_url`, with
/// `credentials` as the only ACCORD_* variables of the environment, seed 7, the scenarios
/// of `tags`, its `--results` read back.
pub async fn first_run_with(
    spec: &str,
    base_url: String,
    tags: &str,
    credentials: &[(&str, &str)],
) -> Run {
    first_run_with_args(spec, base_url, tags, credentials, &[]).await
}

/// [`first_run_with`], with `args` too (`--read-only`).
pub async fn first_run_with_args(
    spec: &str,
    base_url: String,
    tags: &str,
    credentials: &[(&str, &str)],
    args: &[&str],
) -> Run {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let dir = tempfile::tempdir().unwrap();
    let spec_path = dir.path().join("spec.yaml");
    std::fs::write(&spec_path, spec).unwrap();
    let results = dir.path().join("results.json");
    let tags = tags.to_string();
    let credentials: Vec<(String, String)> = credentials
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let output = tokio::task::spawn_blocking({
        let results = results.clone();
        move || {
            let mut command = Command::new(env!("CARGO_BIN_EXE_accord-conformance"));
            command
                .arg("--spec")
                .arg(&spec_path)
                .args(["--base-url", &base_url, "--seed", "7", "--tags", &tags])
                .arg("--results")
                .arg(&results)
                .args(&args);
            for name in [
                "ACCORD_USER",
                "ACCORD_PASSWORD",
                "ACCORD_NAME",
                "ACCORD_TOKEN",
                "ACCORD_API_KEY",
            ] {
                command.env_remove(name);
            }
            command.envs(credentials);
            command.output().expect("the harness runs")
        }
    })
    .await
    .unwrap();
    let results = results_of(&results);
    drop(dir);
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        results,
    }
}

/// A folder holding `spec` (as `spec_name`) and a profile pointing at it, the rest of the
/// profile `rest` (its sections after `spec`; the base URL is the run's `--base-url`).
pub fn spec_and_profile(spec: &str, spec_name: &str, rest: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let spec_path = dir.path().join(spec_name);
    std::fs::write(&spec_path, spec).unwrap();
    let profile = dir.path().join("profile.toml");
    std::fs::write(
        &profile,
        format!(
            "base_url = \"http://127.0.0.1:1\"\nspec = \"{}\"\n{rest}",
            spec_path.display().to_string().replace('\\', "/")
        ),
    )
    .unwrap();
    (dir, profile)
}

pub async fn harness_in(
    profile: PathBuf,
    base_url: String,
    args: Vec<String>,
    dir: tempfile::TempDir,
) -> Run {
    harness_in_env(profile, base_url, args, dir, &[]).await
}

/// [`harness_in`], with `env` set for the harness (the tokens a profile's `token_env` and
/// `second_token_env` name).
pub async fn harness_in_env(
    profile: PathBuf,
    base_url: String,
    args: Vec<String>,
    dir: tempfile::TempDir,
    env: &[(&str, &str)],
) -> Run {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let results = dir.path().join("results.json");
        // Seed 7 unless the arguments give one.
        let seed = if args.iter().any(|a| a == "--seed") {
            vec![]
        } else {
            vec!["--seed", "7"]
        };
        let output = Command::new(env!("CARGO_BIN_EXE_accord-conformance"))
            .arg("--profile")
            .arg(&profile)
            .arg("--base-url")
            .arg(&base_url)
            .args(seed)
            .arg("--results")
            .arg(&results)
            .args(&args)
            .envs(env)
            .output()
            .expect("the harness runs");
        let results = results_of(&results);
        drop(dir);
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            results,
        }
    })
    .await
    .unwrap()
}

async fn harness(base_url: String, tags: Option<&str>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path());
    harness_with(profile, base_url, tags, dir).await
}

async fn harness_with(
    profile: PathBuf,
    base_url: String,
    tags: Option<&str>,
    dir: tempfile::TempDir,
) -> Run {
    let tags = tags.map(String::from);
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_accord-conformance"));
        command
            .arg("--profile")
            .arg(&profile)
            .arg("--base-url")
            .arg(&base_url)
            .arg("--strict")
            .arg("--seed")
            .arg("7");
        let results = dir.path().join("results.json");
        command.arg("--results").arg(&results);
        if let Some(tags) = tags {
            command.arg("--tags").arg(tags);
        }
        let output = command.output().expect("the harness runs");
        let results = results_of(&results);
        drop(dir);
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            results,
        }
    })
    .await
    .unwrap()
}

async fn against(fault: Fault, tags: Option<&str>) -> Run {
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(Mock::new(fault, server.uri()))
        .mount(&server)
        .await;
    harness(server.uri(), tags).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_correct_backend_passes_everything() {
    // Cookie mode, rate limits and the WebSocket have mocks of their own (`sessions.rs`).
    let run = against(Fault::None, Some(ALL_BUT_SESSIONS)).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains("46 passed, 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
}

/// A backend whose routes end with a slash, answering the spec's paths with a redirect to
/// them (a 307, as FastAPI's `redirect_slashes` does): a browser follows it, and so does the
/// harness, judging the answer as the path the spec names. Every check passes, and the
/// redirect is noted.
struct Slashed(Mock, String);

impl wiremock::Respond for Slashed {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let path = request.url.path().to_string();
        // The API's routes only: the storage is another server, which does not redirect.
        if path.starts_with("/api/") && !path.ends_with('/') && request.method.as_str() != "OPTIONS"
        {
            let query = request
                .url
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            let to = format!("{}{path}/{query}", self.1);
            return wiremock::ResponseTemplate::new(307).insert_header("location", to.as_str());
        }
        let mut inner = request.clone();
        if path != "/" {
            inner.url.set_path(path.trim_end_matches('/'));
        }
        self.0.respond(&inner)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trailing_slash_redirect_is_followed_as_a_browser_does() {
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(Slashed(Mock::new(Fault::None, server.uri()), server.uri()))
        .mount(&server)
        .await;
    let run = harness(server.uri(), Some(ALL_BUT_SESSIONS)).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains("46 passed, 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("note: redirect: POST /api/v1/auth/login answered 307 to /api/v1/auth/login/, followed as a browser does"),
        "{}",
        run.stdout
    );
}

/// A backend whose tokens are opaque (looked up, not JWTs): the checks that forge a JWT's
/// signature or algorithm are skipped, saying why; those that apply to any token (none, a
/// malformed one) run and pass. Before, each forged-token scenario failed as a setup error.
#[tokio::test(flavor = "multi_thread")]
async fn an_opaque_token_skips_the_jwt_forgeries_and_passes_the_rest() {
    let run = against(Fault::OpaqueTokens, Some("@auth and not @expiry")).await;
    // Nothing failed (the exit code is 1 only because the harness runs `--strict`, which
    // fails any skip).
    assert!(
        run.stdout
            .contains("conformance: 3 passed, 0 failed, 3 skipped; 0 spec finding(s)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.starts_with("skipped: ")
                && l.contains("the backend's token is opaque, not a JWT"))
            .count(),
        3,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Secured operations refuse a malformed token"),
        "{}",
        run.stdout
    );
}

/// A sign-in that answers the access token in a header (`Authorization: Bearer <jwt>`, as
/// devise-jwt does), not in its body: `access_token = "header:Authorization"` reads it, the
/// run signs in and its token opens the secured operations, and the token is never printed.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_answered_in_a_header_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(profile(dir.path()))
        .unwrap()
        .replace(
            "access_token = \"body:/access_token\"",
            "access_token = \"header:Authorization\"",
        );
    assert!(text.contains("header:Authorization"), "{text}");
    let path = dir.path().join("header.toml");
    std::fs::write(&path, text).unwrap();
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(Mock::new(Fault::TokenInHeader, server.uri()))
        .mount(&server)
        .await;
    let run = harness_with(path, server.uri(), Some("@auth and not @expiry"), dir).await;
    // The login's body lacks the `access_token` its spec requires: that is a spec finding,
    // and nothing else fails.
    assert!(
        run.stdout.contains("passed, 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("A valid token is accepted"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Bearer ey"), "{}", run.stdout);
}

/// FastAPI's usual shape: an OAuth2 password form for login beside a JSON sign-up. Each
/// request goes in the media type its operation declares.
#[tokio::test(flavor = "multi_thread")]
async fn a_form_login_beside_a_json_register_passes() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = accord_spec::Document::load(root().join("openapi/api.yaml"))
        .unwrap()
        .document;
    let login = spec
        .pointer_mut("/paths/~1api~1v1~1auth~1login/post/requestBody/content")
        .unwrap();
    *login = serde_json::json!({"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": ["username", "password"],
        "properties": {"username": {"type": "string"}, "password": {"type": "string"}}
    }}});
    let spec_path = dir.path().join("form-login.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let text = std::fs::read_to_string(profile(dir.path()))
        .unwrap()
        .replace(
            &root().join("openapi/api.yaml").display().to_string().replace('\\', "/"),
            &spec_path.display().to_string().replace('\\', "/"),
        )
        .replace(
            "body = { email = \"conformance@example.com\", password = \"conformance-password-1\" }",
            "body = { username = \"conformance@example.com\", password = \"conformance-password-1\" }\nregister_body = { email = \"conformance@example.com\", password = \"conformance-password-1\" }",
        );
    assert!(text.contains("register_body"), "{text}");
    let profile = dir.path().join("form.toml");
    std::fs::write(&profile, text).unwrap();
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(Mock::new(Fault::FormLogin, server.uri()))
        .mount(&server)
        .await;
    let tags = format!("{ALL_BUT_SESSIONS} and not @expiry");
    let run = harness_with(profile, server.uri(), Some(&tags), dir).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.stdout.contains("0 failed, 0 skipped"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reference_backend_passes_everything() {
    // Access tokens short-lived enough for the expiry check to see one die, with the skew the
    // reference profile allows (as `cargo xtask verify` starts it).
    let config = reference_server::Config {
        access_token_ttl: std::time::Duration::from_secs(5),
        token_leeway: std::time::Duration::from_secs(2),
        ..reference_server::Config::default()
    };
    let running = reference_server::start(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let _ = dir;
    let profile = root().join("fixtures/profiles/reference.toml");
    let url = running.api_url.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_accord-conformance"))
            .arg("--profile")
            .arg(profile)
            .arg("--base-url")
            .arg(url)
            .arg("--strict")
            .arg("--tags")
            .arg(REFERENCE_TAGS)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("54 passed, 0 failed, 0 skipped"),
        "{stdout}"
    );
    running.stop().await;
}

/// The features of the default configuration (cookie mode and rate limits need another).
const REFERENCE_TAGS: &str = "not @cookies and not @ratelimit and not @roles";
/// The wiremock backend's features; the session features run in `sessions.rs`.
const ALL_BUT_SESSIONS: &str = "not @cookies and not @ratelimit and not @websocket and not @roles";

/// Behaviour faults run without the expired-token wait, except the one that needs it.
const BEHAVIOUR: &str = "@behaviour and not @expiry";

/// (fault, tags to run, a scenario fragment, the rule named, a detail of the message) for
/// every fault.
const CATALOGUE: &[(Fault, &str, &str, Rule, &str)] = &[
    (
        Fault::CorsWildcard,
        "@cors",
        "allowed origin",
        Rule::CorsNoWildcard,
        "",
    ),
    (
        Fault::CorsReflectsAnyOrigin,
        "@cors",
        "refused origin",
        Rule::CorsRefused,
        "",
    ),
    (
        Fault::CorsNoVary,
        "@cors",
        "preflight from an allowed origin",
        Rule::CorsVary,
        "",
    ),
    (
        Fault::CorsNoExposeHeaders,
        "@cors",
        "exposes the configured headers",
        Rule::CorsExpose,
        "",
    ),
    (
        Fault::CorsPreflightWithoutHeaders,
        "@cors",
        "preflight from an allowed origin",
        Rule::CorsHeaders,
        "",
    ),
    (
        Fault::NoWwwAuthenticate,
        "@auth",
        "refuse no token",
        Rule::AuthChallenge,
        "",
    ),
    (
        Fault::ForbiddenForBadToken,
        "@auth",
        "refuse a malformed token",
        Rule::AuthStatus,
        "",
    ),
    // Every bad token's plain-text 401 is one problem naming the operations, not one
    // unnamed problem per operation.
    (
        Fault::PlainTextForBadToken,
        "@auth",
        "refuse a malformed token",
        Rule::Envelope,
        "more operation(s) alike: ",
    ),
    (
        Fault::AlgNoneAccepted,
        "@auth",
        "refuse an alg none token",
        Rule::AuthStatus,
        "",
    ),
    (
        Fault::SignatureNotChecked,
        "@auth",
        "refuse a token with an altered signature",
        Rule::AuthStatus,
        "",
    ),
    (
        // Its crash on anything but a JWT meets a missing token first: one cause, judged
        // there (the malformed token's scenario leaves it to that one).
        Fault::ServerErrorOnGarbageToken,
        "@auth",
        "refuse no token",
        Rule::AuthStatus,
        "answered 500",
    ),
    (
        Fault::RotatedRefreshAccepted,
        "@refresh",
        "cannot be used twice",
        Rule::RefreshRotation,
        "",
    ),
    (
        Fault::NoReuseDetection,
        "@refresh",
        "revokes its family",
        Rule::RefreshReuse,
        "",
    ),
    (
        Fault::RefreshAfterLogout,
        "@refresh",
        "After logout",
        Rule::RefreshLogout,
        "",
    ),
    (
        Fault::AccessTokenRefreshes,
        "@refresh",
        "access token is not a refresh token",
        Rule::RefreshType,
        "",
    ),
    (
        Fault::HtmlNotFound,
        "@errors",
        "unknown route",
        Rule::Envelope,
        "the error's Content-Type is text/html",
    ),
    (
        Fault::ServerErrorOnMalformedJson,
        "@errors",
        "malformed JSON",
        Rule::ErrorsStatus,
        "",
    ),
    (
        Fault::ValidationInAnotherEnvelope,
        "@errors",
        "missing a required field",
        Rule::Envelope,
        "",
    ),
    (
        Fault::RequestIdMismatch,
        "@errors",
        "unknown route",
        Rule::Envelope,
        "does not equal the X-Request-Id header",
    ),
    (
        Fault::ProblemStatusMismatch,
        "@errors",
        "unknown route",
        Rule::Envelope,
        "the problem's `status`",
    ),
    // Alone: where the scenario of every path runs, it judges `Allow`.
    (
        Fault::MethodNotAllowedWithoutAllow,
        "@errors and @writes",
        "wrong method",
        Rule::ErrorsAllow,
        "",
    ),
    // A backend whose 405s are outside the envelope: one problem naming the requests alike,
    // in the scenario of every path (the envelope's sample of a wrong method leaves it there:
    // see `a_status_another_selected_scenario_judges_fails_there_only`); run alone, the
    // sample judges it.
    (
        Fault::MethodNotAllowedBare,
        "@errors",
        "Every path refuses the methods it does not document",
        Rule::Envelope,
        "more request(s) alike: ",
    ),
    (
        Fault::MethodNotAllowedBare,
        "@errors and @writes",
        "wrong method",
        Rule::Envelope,
        "",
    ),
    // A backend whose 405s never carry `Allow` is one problem, not one per path and method.
    (
        Fault::MethodNotAllowedWithoutAllow,
        "@errors",
        "Every path refuses the methods it does not document",
        Rule::ErrorsAllow,
        "no 405 carries an `Allow` header (",
    ),
    (
        Fault::StorageAcceptsAnyContentType,
        "@uploads",
        "refuses a wrong content type",
        Rule::UploadsPolicy,
        "",
    ),
    (
        Fault::StorageAcceptsAnySize,
        "@uploads",
        "refuses a file over the limit",
        Rule::UploadsPolicy,
        "",
    ),
    (
        Fault::StorageAcceptsTamperedKey,
        "@uploads",
        "refuses a tampered key",
        Rule::UploadsPolicy,
        "",
    ),
    (
        Fault::PresignWithoutAuth,
        "@uploads",
        "Presigning needs credentials",
        Rule::ErrorsStatus,
        "",
    ),
    (
        Fault::PresignsAnyContentType,
        "@uploads",
        "content type that is not allowed",
        Rule::UploadsRefuse,
        "",
    ),
    (
        Fault::UnsanitizedKey,
        "@uploads",
        "never reach the key unsanitized",
        Rule::UploadsKey,
        "",
    ),
    (
        Fault::UndocumentedStatus,
        "@refresh",
        "Login gives a working pair",
        Rule::Spec,
        "status 202 is not documented",
    ),
    (
        Fault::MissingRequiredField,
        "@auth",
        "valid token is accepted",
        Rule::Spec,
        "at /email: is required",
    ),
    (
        Fault::CreatedIdWrongType,
        BEHAVIOUR,
        "created reads back",
        Rule::Spec,
        "at /id",
    ),
    (
        Fault::CreateUndocumented202,
        BEHAVIOUR,
        "created reads back",
        Rule::Spec,
        "status 202 is not documented",
    ),
    (
        Fault::CrossUserRead,
        BEHAVIOUR,
        "second user cannot reach",
        Rule::CrossUserRead,
        "read the first user's resource",
    ),
    (
        Fault::CrossUserUpdate,
        BEHAVIOUR,
        "second user cannot reach",
        Rule::CrossUserWrite,
        "update_item",
    ),
    (
        Fault::ListLeaksOtherUsers,
        BEHAVIOUR,
        "second user cannot reach",
        Rule::CrossUserList,
        "list_items shows the second user",
    ),
    (
        Fault::DeletedStillReadable,
        BEHAVIOUR,
        "What is deleted is gone",
        Rule::UseAfterDelete,
        "reads as 200",
    ),
    (
        Fault::ServerErrorOnWrongType,
        BEHAVIOUR,
        "break one constraint",
        Rule::Negative,
        "wrong type /name: a server error (500)",
    ),
    (
        Fault::AcceptsMissingRequired,
        BEHAVIOUR,
        "break one constraint",
        Rule::Negative,
        "missing required /name: accepted with 201",
    ),
    (
        Fault::ExpiredTokenAccepted,
        "@expiry",
        "expired access token",
        Rule::AuthExpired,
        "accepted an expired token",
    ),
    (
        Fault::LocationDoesNotResolve,
        BEHAVIOUR,
        "created reads back",
        Rule::Location,
        "answers 404",
    ),
    (
        Fault::UpdateNotPersisted,
        BEHAVIOUR,
        "created reads back",
        Rule::UpdatePersists,
        "reads back as",
    ),
    (
        Fault::ServerErrorOnBadQuery,
        BEHAVIOUR,
        "break one constraint",
        Rule::Negative,
        // The operation's first broken input ends its search.
        "list_items: wrong type (query parameter `limit`): a server error (500)",
    ),
    (
        Fault::ServerErrorOnLargeOffset,
        BEHAVIOUR,
        "Valid requests get a documented answer",
        Rule::Positive,
        "minimal failing request: GET /api/v1/items?offset=6",
    ),
    (
        Fault::SignUpNulCrash,
        BEHAVIOUR,
        "Boundary inputs never crash the backend",
        Rule::Boundary,
        "register: a server error (500) for a NUL character (body /display_name) the schema admits",
    ),
    (
        Fault::SignUpCombinationCrash,
        BEHAVIOUR,
        "Boundary inputs never crash the backend",
        Rule::Boundary,
        "together, which the schema admits, though for none of them alone",
    ),
    (
        Fault::SignUpRefusesReservedDomain,
        BEHAVIOUR,
        "Boundary inputs never crash the backend",
        Rule::Boundary,
        "register: an address at a domain reserved for testing (body /email), which the schema admits, was refused with 422",
    ),
    (
        Fault::LimitIgnored,
        BEHAVIOUR,
        "What is created reads back",
        Rule::PageLimit,
        "items for a page of 1",
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_fails_the_right_scenario_naming_the_rule() {
    assert!(CATALOGUE.len() >= 40);
    let mut missed = Vec::new();
    for (fault, tags, scenario, rule, detail) in CATALOGUE {
        let run = against(*fault, Some(tags)).await;
        // The failing scenario's own rule, read from the results file: a rule named by
        // another scenario, or in a passing one's output, does not count.
        let ok = run.code == Some(1) && run.failed_by(scenario, *rule, detail);
        if !ok {
            missed.push(format!("{fault:?} (exit {:?}): expected `{rule}` in a failing scenario like `{scenario}`\n{}", run.code, tail(&run.stdout)));
        }
    }
    assert!(
        missed.is_empty(),
        "{} of {} faults not caught as expected:\n{}",
        missed.len(),
        CATALOGUE.len(),
        missed.join("\n\n")
    );
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// Whether `s` is an email address as `format: email` says (the harness's own reading of
/// it), of at most `max` bytes: what a mock's correct sign-up admits.
pub fn address(s: &str, max: usize) -> bool {
    s.len() <= max
        && s.rsplit_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
                && domain.contains('.')
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        })
}

/// The scenarios of a malformed or forged token.
const FORGED_TOKENS: [&str; 4] = [
    "refuse a malformed token",
    "refuse a token with an altered signature",
    "refuse an alg none token",
    "refuse a token signed by an unknown key",
];

/// A backend that never sends the scheme's challenge fails once, in the no-token scenario,
/// not again in each scenario of a malformed or forged token: one cause, one failure.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_challenge_is_one_failure_not_one_per_kind_of_token() {
    let run = against(Fault::NoWwwAuthenticate, Some("@auth")).await;
    assert!(
        run.failed_by("refuse no token", Rule::AuthChallenge, ""),
        "{}",
        run.stdout
    );
    for scenario in FORGED_TOKENS {
        assert!(
            !run.failed_by(scenario, Rule::AuthChallenge, ""),
            "{scenario}: {}",
            run.stdout
        );
    }
}

/// A secured list that answers without any token fails the no-token scenario, and not again
/// each scenario of a malformed or forged token, which it takes as it takes none: one cause
/// (the list needs no credentials), one failure.
#[tokio::test(flavor = "multi_thread")]
async fn an_open_list_is_one_failure_not_one_per_kind_of_token() {
    let run = against(Fault::ListOpen, Some("@auth")).await;
    assert!(
        run.failed_by(
            "refuse no token",
            Rule::AuthStatus,
            "list_items answered 200, not 401: it answers without valid credentials"
        ),
        "{}",
        run.stdout
    );
    for scenario in FORGED_TOKENS {
        assert_eq!(
            run.verdict(scenario),
            "passed",
            "{scenario}: {}",
            run.stdout
        );
    }
    run.says(&[
        "list_items answers an alg none token with 200, not 401, as it answers no token: judged in `Secured operations refuse no token`",
    ]);
}

/// An operation's boundary pass stops at its first server error, as a fuzzer's search does:
/// a sign-up that crashes on a NUL in any field is found crashing on the first, and not
/// sent the rest (on a backend that hashes a password first, each accepted case a hash).
#[tokio::test(flavor = "multi_thread")]
async fn an_operation_s_boundary_pass_stops_at_its_first_crash() {
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(Mock::new(Fault::SignUpNulAnywhereCrash, server.uri()))
        .mount(&server)
        .await;
    let run = harness(server.uri(), Some("@boundary")).await;
    // The first field's NUL is found, alone, and the pass says what it left unsent.
    assert!(
        run.stdout.contains(
            "register: a server error (500) for a NUL character (body /display_name) the schema admits"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "note: behaviour: register: the boundary pass stopped at its first server error"
        ),
        "{}",
        run.stdout
    );
    let sign_ups = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path() == "/api/v1/auth/register")
        .count();
    // 10 sign-ups at this seed; 33 when the pass went on to the password's NUL.
    assert!(sign_ups <= 12, "{sign_ups} sign-ups\n{}", run.stdout);
}

/// A run of `fault` with `tags` that fails `judge` (a scenario) by `rule` and does not fail
/// any of `spared` by the rule each names.
async fn fails_only_there(
    fault: Fault,
    tags: &str,
    judge: (&str, Rule, &str),
    spared: &[(&str, Rule)],
) -> Run {
    let run = against(fault, Some(tags)).await;
    let (scenario, rule, detail) = judge;
    assert!(
        run.failed_by(scenario, rule, detail),
        "{fault:?} {tags}: `{scenario}` did not fail\n{}",
        run.stdout
    );
    for (scenario, rule) in spared {
        assert!(
            !run.failed_by(scenario, *rule, ""),
            "{fault:?} {tags}: `{scenario}` failed too\n{}",
            run.stdout
        );
    }
    run
}

/// One cause, one failure: a request without credentials refused with 403 where 401 is
/// due fails `auth.status` on every operation, and the error envelope's scenario of the
/// same request leaves the status to it; a wrong method answered 404 fails `errors.method`
/// on every path, and the envelope's sample of it leaves the status to that; a forged token
/// refused with the same 403 as no token fails only the no-token scenario, and a forged
/// signature refused with the same 403 as a malformed token only the malformed one's, and
/// so is a forged signature refused outside the envelope as a malformed token is. Run alone,
/// each envelope scenario still judges the status itself.
#[tokio::test(flavor = "multi_thread")]
async fn a_status_another_selected_scenario_judges_fails_there_only() {
    // Nor does each scenario of a forged or malformed token fail for it again: the backend
    // refuses them as it refuses no token.
    let forbidden = fails_only_there(
        Fault::ForbiddenWithoutToken,
        "@auth or @errors",
        ("refuse no token", Rule::AuthStatus, "403"),
        &[
            ("without credentials", Rule::ErrorsStatus),
            ("refuse a malformed token", Rule::AuthStatus),
            ("refuse a token with an altered signature", Rule::AuthStatus),
            ("refuse an alg none token", Rule::AuthStatus),
            ("refuse a token signed by an unknown key", Rule::AuthStatus),
        ],
    )
    .await;
    for said in [
        "judges it",
        "Secured operations refuse <credentials>",
        "no token: judged in `Secured operations refuse no token`",
    ] {
        assert!(
            forbidden.stdout.contains(said),
            "{said}\n{}",
            forbidden.stdout
        );
    }
    // No token answered 404, as if the resource were not there: the no-token scenario judges
    // it on every operation, and the envelope's sample of the same request leaves it there.
    fails_only_there(
        Fault::NotFoundWithoutToken,
        "@auth or @errors",
        ("refuse no token", Rule::AuthStatus, "404"),
        &[("without credentials", Rule::ErrorsStatus)],
    )
    .await;
    // A backend that refuses a bad token (not a missing one) with 403: the malformed token's
    // scenario judges it, not each of the forged signatures again.
    let bad = fails_only_there(
        Fault::ForbiddenForBadToken,
        "@auth",
        ("refuse a malformed token", Rule::AuthStatus, "403"),
        &[
            ("refuse no token", Rule::AuthStatus),
            ("refuse a token with an altered signature", Rule::AuthStatus),
            ("refuse an alg none token", Rule::AuthStatus),
            ("refuse a token signed by an unknown key", Rule::AuthStatus),
        ],
    )
    .await;
    assert!(
        bad.stdout
            .contains("a malformed token: judged in `Secured operations refuse a malformed token`"),
        "{}",
        bad.stdout
    );
    // Bad tokens refused in plain text (no token in the envelope): the malformed token's
    // scenario judges the envelope, not each forgery again.
    let plain = fails_only_there(
        Fault::PlainTextForBadToken,
        "@auth",
        (
            "refuse a malformed token",
            Rule::Envelope,
            "operation(s) alike",
        ),
        &[
            ("refuse no token", Rule::Envelope),
            ("refuse a token with an altered signature", Rule::Envelope),
            ("refuse an alg none token", Rule::Envelope),
            ("refuse a token signed by an unknown key", Rule::Envelope),
        ],
    )
    .await;
    assert!(
        plain
            .stdout
            .contains("answers a token with an altered signature outside the error envelope ("),
        "{}",
        plain.stdout
    );
    // 405s outside the envelope: the scenario of every path judges them, the envelope's
    // sample of a wrong method (a request among them) leaves them there.
    let bare = fails_only_there(
        Fault::MethodNotAllowedBare,
        "@errors",
        (
            "Every path refuses the methods it does not document",
            Rule::Envelope,
            "",
        ),
        &[("wrong method", Rule::Envelope)],
    )
    .await;
    assert!(
        bare.stdout.contains("is outside the error envelope (")
            && bare
                .stdout
                .contains("`Every path refuses the methods it does not document` judges it"),
        "{}",
        bare.stdout
    );
    // 405s without `Allow`: the scenario of every path judges them, not the OPTIONS one's
    // again where the same path's 405s lack it too.
    let bare_allow = fails_only_there(
        Fault::MethodNotAllowedWithoutAllow,
        "@errors",
        (
            "Every path refuses the methods it does not document",
            Rule::ErrorsAllow,
            "no 405 carries an `Allow` header",
        ),
        &[(
            "Every path answers a method it does not document",
            Rule::ErrorsAllow,
        )],
    )
    .await;
    assert!(
        bare_allow
            .stdout
            .contains("is what the backend's other 405s carry"),
        "{}",
        bare_allow.stdout
    );
    // A deserializer's plain 400 for every body it cannot take: the missing field's example
    // judges it, the wrong type's (the same answer) leaves it there.
    let plain_400 = fails_only_there(
        Fault::PlainDeserializer400,
        "@errors",
        ("missing a required field", Rule::Envelope, ""),
        &[
            ("a field of a wrong type", Rule::ErrorsStatus),
            ("a field of a wrong type", Rule::Envelope),
        ],
    )
    .await;
    assert!(
        plain_400
            .stdout
            .contains("is answered as a body missing a required field is (400)"),
        "{}",
        plain_400.stdout
    );
    // Every refused body in plain text, each saying why: the malformed JSON's example judges
    // it, the other body cases on the same operation (outside the envelope alike) leave it
    // there.
    let plain_text = fails_only_there(
        Fault::PlainTextRefusals,
        "@errors",
        ("a body of malformed JSON", Rule::Envelope, ""),
        &[
            ("a body with a wrong content type", Rule::Envelope),
            ("a body missing a required field", Rule::Envelope),
            ("a body with a field of a wrong type", Rule::Envelope),
        ],
    )
    .await;
    assert!(
        plain_text
            .stdout
            .contains("is answered outside the error envelope as a body of malformed JSON is"),
        "{}",
        plain_text.stdout
    );
    // Beside the behaviour phase, its broken inputs refused in the same plain text are
    // judged there too, not again in the broken-input and boundary passes.
    let beside = fails_only_there(
        Fault::PlainTextRefusals,
        "@errors or (@behaviour and not @writes and not @positive)",
        ("a body of malformed JSON", Rule::Envelope, ""),
        &[
            (
                "Inputs that break one constraint are refused",
                Rule::Negative,
            ),
            ("Boundary inputs never crash the backend", Rule::Boundary),
        ],
    )
    .await;
    beside.says(&["refusal(s) of the broken-input pass are outside the error envelope as the error scenarios' malformed JSON is"]);
    // Without the malformed JSON's example (`@writes`, as under `--read-only`), though its
    // outline runs, the broken-input pass judges its refusals itself.
    let alone = against(
        Fault::PlainTextRefusals,
        Some("(@errors and not @writes) or (@behaviour and not @writes and not @positive)"),
    )
    .await;
    assert!(
        alone.failed_by(
            "Inputs that break one constraint are refused",
            Rule::Negative,
            "refused outside the envelope"
        ),
        "{}",
        alone.stdout
    );
    // So with each refusal's own status (axum's 400, 415 and 422, all plain text): one
    // cause, judged once.
    fails_only_there(
        Fault::PlainTextRefusalsByStatus,
        "@errors",
        ("a body of malformed JSON", Rule::Envelope, ""),
        &[
            ("a body with a wrong content type", Rule::Envelope),
            ("a body missing a required field", Rule::Envelope),
            ("a body with a field of a wrong type", Rule::Envelope),
        ],
    )
    .await;
    // The router's plain-text 404 for an unknown route and for a wrong method alike (Hono):
    // the unknown route's example judges its envelope, `errors.method` the status.
    fails_only_there(
        Fault::PlainRouterNotFound,
        "@errors",
        (
            "a request to an unknown route",
            Rule::Envelope,
            "text/plain",
        ),
        &[
            ("a request with a wrong method", Rule::Envelope),
            ("a request with a wrong method", Rule::ErrorsStatus),
        ],
    )
    .await;
    // Every refusal an empty 403 (Spring Boot's `/error`, which its security lets no one
    // reach), from a create that takes the user's valid request: judged, not left out as an
    // operation of another role, and once, where the malformed JSON is.
    let forbidden = fails_only_there(
        Fault::ForbiddenRefusals,
        "@errors",
        ("a body of malformed JSON", Rule::ErrorsStatus, "got 403"),
        &[
            ("a body with a wrong content type", Rule::ErrorsStatus),
            ("a body missing a required field", Rule::ErrorsStatus),
            ("a body with a field of a wrong type", Rule::ErrorsStatus),
        ],
    )
    .await;
    assert!(
        forbidden
            .stdout
            .contains("is answered as a body of malformed JSON is (403, the same body)")
            && !forbidden.stdout.contains("refuses the signed-in identity"),
        "{}",
        forbidden.stdout
    );
    // No CORS at all: the preflight's scenario judges it, not the actual request's and the
    // errors' again.
    let none = fails_only_there(
        Fault::NoCors,
        "@cors",
        (
            "A preflight from an allowed origin",
            Rule::CorsExactOrigin,
            "no CORS header at all",
        ),
        &[
            (
                "An actual request from an allowed origin",
                Rule::CorsExactOrigin,
            ),
            ("Error answers carry CORS headers", Rule::CorsErrors),
        ],
    )
    .await;
    assert!(
        none.stdout
            .contains("its preflight gets no CORS header at all"),
        "{}",
        none.stdout
    );
    let every_path = "refuses the methods it does not document";
    fails_only_there(
        Fault::NotFoundForWrongMethod,
        "@errors",
        (every_path, Rule::ErrorsMethod, ""),
        &[("a wrong method", Rule::ErrorsStatus)],
    )
    .await;
    // A 405 without `Allow` fails the scenario of every path, not the envelope's sample.
    fails_only_there(
        Fault::MethodNotAllowedWithoutAllow,
        "@errors",
        (every_path, Rule::ErrorsAllow, ""),
        &[("a wrong method", Rule::ErrorsAllow)],
    )
    .await;
    // Run alone, each envelope scenario still judges the status itself: without the
    // Authentication feature, and (the cases that write) without the scenario of every path.
    fails_only_there(
        Fault::ForbiddenWithoutToken,
        "@errors",
        (
            "without credentials",
            Rule::ErrorsStatus,
            "expected 401, got 403",
        ),
        &[],
    )
    .await;
    fails_only_there(
        Fault::NotFoundForWrongMethod,
        "@errors and @writes",
        (
            "a wrong method",
            Rule::ErrorsStatus,
            "expected 405, got 404",
        ),
        &[],
    )
    .await;
}

/// A read-only run registers no account: on a backend that does not know the profile's,
/// the refused sign-in says so, as the profile's to fix, and sends no sign-up.
#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_sign_in_refused_says_no_account_is_registered() {
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(Mock::new(Fault::None, server.uri()))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = profile(dir.path());
    let run = harness_in(
        path,
        server.uri(),
        vec!["--read-only".into(), "--tags".into(), "@behaviour".into()],
        dir,
    )
    .await;
    assert!(
        run.stdout.contains(
            "login answered 401 (a read-only run registers no account: give the credentials of one the backend has)"
        ),
        "{}",
        run.stdout
    );
}
