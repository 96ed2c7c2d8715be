//! API keys, the refresh cookie, rate limits, WebSocket authentication and CORS on error
//! answers: a correct mock passes each feature, and each fault fails its scenario naming
//! the rule.

use std::path::PathBuf;

use accord_conformance::rules::Rule;
use wiremock::MockServer;
use wiremock::matchers::any;

use crate::mock::{Fault, Mock};
use crate::{Run, harness_with, root, tail};

/// What the profile turns on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The refresh token in the body; API keys, CORS.
    Body,
    /// The refresh token in a cookie, double-submit CSRF.
    Cookie,
    /// The same backend, profiled as `init` writes it with the one line it asks for filled
    /// in (`[refresh] cookie`): no `[auth] refresh_token`, no `[cookies]`.
    CookieAsInit,
    /// A login rate limit to meet.
    RateLimit,
    /// The WebSocket beside the mock.
    WebSocket,
    /// The WebSocket, its token as a subprotocol value only.
    Subprotocol,
}

fn profile(dir: &std::path::Path, mode: Mode, ws: Option<&str>) -> PathBuf {
    let spec = root()
        .join("openapi/api.yaml")
        .display()
        .to_string()
        .replace('\\', "/");
    let (refresh_token, refresh) = if matches!(mode, Mode::Cookie | Mode::CookieAsInit) {
        (
            "cookie:accord_refresh",
            "cookie = \"accord_refresh\"\nlogout = \"logout\"",
        )
    } else {
        (
            "body:/refresh_token",
            "body = { refresh_token = \"${refresh_token}\" }\nlogout = \"logout\"\nlogout_body = { refresh_token = \"${refresh_token}\" }",
        )
    };
    let mut text = format!(
        r#"
base_url = "http://127.0.0.1:1"
spec = "{spec}"
request_timeout_secs = 3
deadline_secs = 60

[auth]
kind = "login"
register = "register"
operation = "login"
body = {{ email = "conformance@example.com", password = "conformance-password-1" }}
access_token = "body:/access_token"
refresh_token = "{refresh_token}"

[refresh]
operation = "refresh"
{refresh}

[cors]
allowed_origins = ["http://localhost:5173"]
expose_headers = ["X-Total-Count", "X-Request-Id", "Location"]

[errors]
envelope = "problem"

[apikey]
create = "create_api_key"
revoke = "revoke_api_key"

[behaviour]
examples = 3
expiry_wait_secs = 30
expiry_leeway_secs = 0
policy_fields = ["create_upload /content_type"]
"#
    );
    match mode {
        Mode::Cookie => text.push_str(
            "\n[cookies]\nrefresh_cookie = \"accord_refresh\"\npath = \"/api/v1/auth\"\ncsrf_cookie = \"accord_csrf\"\n",
        ),
        Mode::RateLimit => text.push_str(
            "\n[ratelimit]\nburst = 15\nper_second = 30\nmax_wait_secs = 5\n",
        ),
        Mode::WebSocket => text.push_str(&format!(
            "\n[websocket]\npath = \"{}\"\nevent_timeout_secs = 5\n",
            ws.unwrap_or_default()
        )),
        Mode::Subprotocol => text.push_str(&format!(
            "\n[websocket]\npath = \"{}\"\nevent_timeout_secs = 5\ntoken = \"subprotocol\"\nsubprotocol = \"access_token\"\nheader = false\n",
            ws.unwrap_or_default()
        )),
        Mode::Body => {}
        Mode::CookieAsInit => {
            let line = "refresh_token = \"cookie:accord_refresh\"\n";
            assert!(text.contains(line), "{text}");
            text = text.replace(line, "");
        }
    }
    let path = dir.join("profile.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn against(fault: Fault, mode: Mode, tags: &str) -> Run {
    let server = MockServer::start().await;
    let mock = Mock::new(fault, server.uri());
    let ws = if matches!(mode, Mode::WebSocket | Mode::Subprotocol) {
        Some(crate::websocket::serve(mock.clone()).await)
    } else {
        None
    };
    wiremock::Mock::given(any())
        .respond_with(mock)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path(), mode, ws.as_deref());
    harness_with(profile, server.uri(), Some(tags), dir).await
}

#[tokio::test(flavor = "multi_thread")]
async fn correct_backends_pass_the_session_features() {
    for (fault, mode, tags, passed) in [
        (
            Fault::None,
            Mode::Body,
            "@apikey or (@cors and not @websocket)",
            "10 passed",
        ),
        (
            Fault::CookieMode,
            Mode::Cookie,
            "@cookies or @refresh",
            "10 passed",
        ),
        (
            Fault::RateLimited,
            Mode::RateLimit,
            "@ratelimit",
            "1 passed",
        ),
        (Fault::None, Mode::WebSocket, "@websocket", "8 passed"),
        // The spec does not say which write the socket tells of: one of each kind is made.
        (
            Fault::WsEventsOnKeys,
            Mode::WebSocket,
            "@websocket",
            "8 passed",
        ),
        (
            Fault::WsSubprotocolOnly,
            Mode::Subprotocol,
            "@websocket",
            "8 passed",
        ),
    ] {
        let run = against(fault, mode, tags).await;
        assert_eq!(
            run.code,
            Some(0),
            "{fault:?} {mode:?}:\n{}",
            tail(&run.stdout)
        );
        assert!(
            run.stdout
                .contains(&format!("{passed}, 0 failed, 0 skipped")),
            "{fault:?} {mode:?}:\n{}",
            tail(&run.stdout)
        );
    }
}

/// (fault, profile, tags, a scenario fragment, the rule named).
const CATALOGUE: &[(Fault, Mode, &str, &str, Rule)] = &[
    (
        Fault::RevokedKeyAccepted,
        Mode::Body,
        "@apikey",
        "revoked API key",
        Rule::ApiKeyRevoked,
    ),
    (
        Fault::KeyEchoedInError,
        Mode::Body,
        "@apikey",
        "unknown key",
        Rule::ApiKeyEcho,
    ),
    (
        Fault::CorsMissingOnErrors,
        Mode::Body,
        "@cors and not @websocket",
        "Error answers carry CORS",
        Rule::CorsErrors,
    ),
    (
        Fault::CookieNotHttpOnly,
        Mode::Cookie,
        "@cookies",
        "safe attributes",
        Rule::CookieAttributes,
    ),
    (
        Fault::CookieSameSiteNoneInsecure,
        Mode::Cookie,
        "@cookies",
        "safe attributes",
        Rule::CookieAttributes,
    ),
    (
        Fault::CookieNotClearedOnLogout,
        Mode::Cookie,
        "@cookies",
        "Logout clears",
        Rule::CookieLogout,
    ),
    (
        Fault::CookieCrossOriginAccepted,
        Mode::Cookie,
        "@cookies",
        "from a refused origin",
        Rule::CookieCsrfOrigin,
    ),
    (
        Fault::CookieDoubleSubmitNotChecked,
        Mode::Cookie,
        "@cookies",
        "without the CSRF header",
        Rule::CookieDoubleSubmit,
    ),
    (
        Fault::RateLimitWithoutRetryAfter,
        Mode::RateLimit,
        "@ratelimit",
        "burst",
        Rule::RateLimitRetryAfter,
    ),
    (
        Fault::RateLimitInAnotherEnvelope,
        Mode::RateLimit,
        "@ratelimit",
        "burst",
        Rule::Envelope,
    ),
    // No limit at all: the mock without its rate limit.
    (
        Fault::None,
        Mode::RateLimit,
        "@ratelimit",
        "burst",
        Rule::RateLimitReached,
    ),
    (
        Fault::WsNoTokenAccepted,
        Mode::WebSocket,
        "@websocket",
        "with no token is refused",
        Rule::WsRefused,
    ),
    (
        Fault::WsExpiredAccepted,
        Mode::WebSocket,
        "@websocket",
        "expired token",
        Rule::WsExpired,
    ),
    (
        Fault::WsForeignOriginAccepted,
        Mode::WebSocket,
        "@websocket",
        "from a refused origin",
        Rule::WsOrigin,
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_session_fault_fails_the_right_scenario_naming_the_rule() {
    let mut missed = Vec::new();
    for (fault, mode, tags, scenario, rule) in CATALOGUE {
        let run = against(*fault, *mode, tags).await;
        // The failing scenario is printed with its failure, which names the rule.
        let named = run.stdout.contains(&rule.to_string());
        let scenario_ran = run
            .stdout
            .lines()
            .any(|l| l.contains("Scenario") && l.contains(scenario));
        if !(run.code == Some(1) && named && scenario_ran) {
            missed.push(format!(
                "{fault:?} ({mode:?}, exit {:?}): expected `{rule}` in a failing scenario like `{scenario}`\n{}",
                run.code,
                tail(&run.stdout)
            ));
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

/// A refresh cookie named in `[refresh]` alone, as `init` asks: the refresh token is that
/// cookie, and the refresh goes with the CSRF header its frontend copies from the CSRF
/// cookie the sign-in set (`accord_csrf`, no `[cookies]` naming it): the refresh checks pass.
#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_cookie_named_in_refresh_alone_refreshes_with_its_csrf_header() {
    let run = against(
        Fault::CookieMode,
        Mode::CookieAsInit,
        "@refresh and not @cookies",
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", tail(&run.stdout));
    assert!(
        run.stdout.contains("passed, 0 failed, 0 skipped"),
        "{}",
        tail(&run.stdout)
    );
}

/// A cookie refresh from a refused origin, accepted by a backend that checks only the
/// double-submit header: the failure says that is what defends it, and why it is not enough.
#[tokio::test(flavor = "multi_thread")]
async fn an_origin_left_unchecked_says_what_defends_the_refresh() {
    let run = against(Fault::CookieCrossOriginAccepted, Mode::Cookie, "@cookies").await;
    assert!(
        run.failed_by(
            "from a refused origin",
            Rule::CookieCsrfOrigin,
            "the backend checks no Origin, and only the double-submit header defends it"
        ),
        "{}",
        tail(&run.stdout)
    );
}

/// A backend that signs a user out everywhere when a refresh token is reused or the user
/// logs out: the scenarios that reuse a token or log out run alone (`@serial`), so that the
/// others' sessions of the same user are not revoked under them. Three runs, each all passed.
#[tokio::test(flavor = "multi_thread")]
async fn signing_out_everywhere_revokes_no_other_scenario_s_session() {
    for _ in 0..3 {
        let run = against(Fault::RevokesEverySession, Mode::Body, "@refresh").await;
        assert!(
            run.stdout.contains("passed, 0 failed"),
            "{}",
            tail(&run.stdout)
        );
    }
}
