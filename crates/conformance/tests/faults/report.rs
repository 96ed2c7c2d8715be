//! The HTML report as a person sees it: a run against a backend with one defect writes the
//! page, headless Chromium (Debian's package, installed by `packages/browser/setup.sh`) opens
//! it, and the test reads what is on screen. The screenshot is left in
//! `target/accord-report.png` for a person to look at.

use std::process::Command;

use serde_json::Value;
use wiremock::MockServer;
use wiremock::matchers::any;

use crate::mock::{Fault, Mock};
use crate::{profile, root};

/// Opens `url` in headless Chromium; what the page shows, as `packages/browser/look.mjs`
/// prints it.
fn look(url: &str, screenshot: &std::path::Path) -> Value {
    let browser = root().join("packages/browser");
    let setup = Command::new("bash")
        .arg(browser.join("setup.sh"))
        .output()
        .expect("bash runs");
    assert!(
        setup.status.success(),
        "the browser set-up failed: {}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let chromium = String::from_utf8_lossy(&setup.stdout).trim().to_string();
    let output = Command::new("node")
        .arg(browser.join("look.mjs"))
        .arg(url)
        .arg("--screenshot")
        .arg(screenshot)
        .env("CHROMIUM", chromium)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "look.mjs failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("look.mjs prints JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_html_report_shows_a_person_the_summary_the_rule_and_the_redacted_exchanges() {
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(Mock::new(Fault::CrossUserRead, server.uri()))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path());
    let html = dir.path().join("report.html");
    let (uri, html_path) = (server.uri(), html.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_accord-conformance"))
            .arg("--profile")
            .arg(&profile)
            .arg("--base-url")
            .arg(uri)
            .args([
                "--seed",
                "7",
                "--tags",
                "@auth or (@behaviour and not @expiry)",
            ])
            .arg("--html")
            .arg(&html_path)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("html report: "), "{stdout}");

    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("<script") && !page.contains("src=\"http") && !page.contains("href=\"http"),
        "the page is self-contained"
    );

    let screenshot = root().join("target/accord-report.png");
    let seen = look(&format!("file://{}", html.display()), &screenshot);
    let text = seen["text"].as_str().unwrap();
    let title = seen["title"].as_str().unwrap();
    let summary = seen["sections"]["summary"].as_str().unwrap();
    let by_rule = seen["sections"]["by-rule"].as_str().unwrap();
    let failures = seen["sections"]["failures"].as_str().unwrap();

    // The counts a person reads first are the run's own.
    let printed = stdout
        .lines()
        .find_map(|l| l.strip_prefix("conformance: "))
        .and_then(|l| l.split(';').next())
        .unwrap()
        .to_string();
    assert!(title.contains("failed"), "{title}");
    assert_eq!(summary, printed, "the page and the console agree");
    assert!(summary.contains("1 failed"), "{summary}");

    // The failure is grouped under its rule, with what the rule asks, and shown in full.
    assert!(by_rule.contains("behaviour.cross_user_read"), "{by_rule}");
    assert!(
        by_rule.contains("cannot read the first user's resource"),
        "{by_rule}"
    );
    assert!(failures.contains("second user cannot reach"), "{failures}");
    assert!(
        failures.contains("exchanges (secrets redacted)"),
        "{failures}"
    );
    assert!(failures.contains("GET "), "{failures}");
    assert!(failures.contains("<redacted>"), "{failures}");
    assert!(
        seen["visible"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "failures"),
        "the failures are on screen"
    );
    // Tokens never reach the page: the mock's access tokens start with a JWT header.
    assert!(!text.contains("eyJ"), "a token is on the page:\n{text}");
    assert!(
        seen["errors"].as_array().unwrap().is_empty(),
        "{}",
        seen["errors"]
    );
    assert!(screenshot.is_file());
}
