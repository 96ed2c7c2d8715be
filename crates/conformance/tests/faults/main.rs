//! The fault catalogue: backends broken in one way each, built with wiremock. The harness must
//! fail the right scenario with a message naming the rule; a correct backend, and the
//! reference backend, must pass everything.

mod hostile;
mod mock;

use std::path::{Path, PathBuf};
use std::process::Command;

use mock::{Fault, Mock};
use wiremock::MockServer;
use wiremock::matchers::any;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A profile for the wiremock backend.
fn profile(dir: &Path) -> PathBuf {
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

[uploads]
operation = "create_upload"
body = {{ file_name = "${{file_name}}", content_type = "${{content_type}}", size_bytes = "${{size_bytes}}" }}
max_bytes = 1000
content_type = "image/png"
status_operation = "get_upload"
stored = ["/status", "stored"]
"#,
        spec.display().to_string().replace('\\', "/")
    );
    let path = dir.join("profile.toml");
    std::fs::write(&path, text).unwrap();
    path
}

struct Run {
    code: Option<i32>,
    stdout: String,
}

async fn harness(base_url: String, tags: Option<&str>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path());
    let tags = tags.map(String::from);
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_accord-conformance"));
        command
            .arg("--profile")
            .arg(&profile)
            .arg("--base-url")
            .arg(&base_url)
            .arg("--strict");
        if let Some(tags) = tags {
            command.arg("--tags").arg(tags);
        }
        let output = command.output().expect("the harness runs");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
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
    let run = against(Fault::None, None).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains("31 passed, 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reference_backend_passes_everything() {
    let running = reference_server::start(reference_server::Config::default())
        .await
        .unwrap();
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
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("31 passed, 0 failed, 0 skipped"),
        "{stdout}"
    );
    running.stop().await;
}

/// (fault, tags to run, a scenario fragment, the rule named) for every fault.
const CATALOGUE: &[(Fault, &str, &str, &str)] = &[
    (
        Fault::CorsWildcard,
        "@cors",
        "allowed origin",
        "rule cors.no_wildcard",
    ),
    (
        Fault::CorsReflectsAnyOrigin,
        "@cors",
        "refused origin",
        "rule cors.refused",
    ),
    (
        Fault::CorsNoVary,
        "@cors",
        "preflight from an allowed origin",
        "rule cors.vary",
    ),
    (
        Fault::CorsNoExposeHeaders,
        "@cors",
        "exposes the configured headers",
        "rule cors.expose",
    ),
    (
        Fault::CorsPreflightWithoutHeaders,
        "@cors",
        "preflight from an allowed origin",
        "rule cors.headers",
    ),
    (
        Fault::NoWwwAuthenticate,
        "@auth",
        "refuse no token",
        "rule auth.challenge",
    ),
    (
        Fault::ForbiddenForBadToken,
        "@auth",
        "refuse a malformed token",
        "rule auth.status",
    ),
    (
        Fault::AlgNoneAccepted,
        "@auth",
        "refuse an alg none token",
        "rule auth.status",
    ),
    (
        Fault::SignatureNotChecked,
        "@auth",
        "refuse a token with an altered signature",
        "rule auth.status",
    ),
    (
        Fault::ServerErrorOnGarbageToken,
        "@auth",
        "refuse a malformed token",
        "rule auth.status",
    ),
    (
        Fault::RotatedRefreshAccepted,
        "@refresh",
        "cannot be used twice",
        "rule refresh.rotation",
    ),
    (
        Fault::NoReuseDetection,
        "@refresh",
        "revokes its family",
        "rule refresh.reuse_detection",
    ),
    (
        Fault::RefreshAfterLogout,
        "@refresh",
        "After logout",
        "rule refresh.logout",
    ),
    (
        Fault::AccessTokenRefreshes,
        "@refresh",
        "access token is not a refresh token",
        "rule refresh.type",
    ),
    (
        Fault::HtmlNotFound,
        "@errors",
        "unknown route",
        "rule envelope: the error's Content-Type is text/html",
    ),
    (
        Fault::ServerErrorOnMalformedJson,
        "@errors",
        "malformed JSON",
        "rule errors.status",
    ),
    (
        Fault::ValidationInAnotherEnvelope,
        "@errors",
        "missing a required field",
        "rule envelope",
    ),
    (
        Fault::RequestIdMismatch,
        "@errors",
        "unknown route",
        "does not equal the X-Request-Id header",
    ),
    (
        Fault::ProblemStatusMismatch,
        "@errors",
        "unknown route",
        "the problem's `status`",
    ),
    (
        Fault::MethodNotAllowedWithoutAllow,
        "@errors",
        "wrong method",
        "rule errors.allow",
    ),
    (
        Fault::StorageAcceptsAnyContentType,
        "@uploads",
        "refuses a wrong content type",
        "rule uploads.policy",
    ),
    (
        Fault::StorageAcceptsAnySize,
        "@uploads",
        "refuses a file over the limit",
        "rule uploads.policy",
    ),
    (
        Fault::StorageAcceptsTamperedKey,
        "@uploads",
        "refuses a tampered key",
        "rule uploads.policy",
    ),
    (
        Fault::PresignWithoutAuth,
        "@uploads",
        "Presigning needs credentials",
        "rule errors.status",
    ),
    (
        Fault::PresignsAnyContentType,
        "@uploads",
        "content type that is not allowed",
        "rule uploads.refuse",
    ),
    (
        Fault::UnsanitizedKey,
        "@uploads",
        "never reach the key unsanitized",
        "rule uploads.key",
    ),
    (
        Fault::UndocumentedStatus,
        "@refresh",
        "Login gives a working pair",
        "status 202 is not documented",
    ),
    (
        Fault::MissingRequiredField,
        "@auth",
        "valid token is accepted",
        "at /email: is required",
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_fails_the_right_scenario_naming_the_rule() {
    assert!(CATALOGUE.len() >= 25);
    let mut missed = Vec::new();
    for (fault, tags, scenario, rule) in CATALOGUE {
        let run = against(*fault, Some(tags)).await;
        let failed_scenario = run
            .stdout
            .lines()
            .any(|l| l.contains("Scenario") && l.contains(scenario));
        let ok = run.code == Some(1)
            && run.stdout.contains(rule)
            && failed_scenario
            && run.stdout.contains("failed");
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
