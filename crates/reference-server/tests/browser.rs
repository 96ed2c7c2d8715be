//! A real browser against the real backend: the page of `packages/api-fetch/test/browser`,
//! served from an allowed origin, drives openapi-fetch with `@accord/api-fetch` in headless
//! Chromium (Debian's package, through `packages/browser/setup.sh`): sign in, create and list
//! items reading `X-Total-Count`, let the access token expire and see one transparent refresh,
//! a typed error, and an upload through the presigned POST straight to the embedded store;
//! in the body and the cookie refresh modes. The same page from a refused origin fails in the
//! browser with a CORS error. Screenshots land in `target/api-fetch-*.png`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use reference_server::{Config, CookieMode};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Chromium's path, and the compiled package: set up once for every test of this file.
fn setup() -> &'static (String, PathBuf) {
    static SETUP: OnceLock<(String, PathBuf)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let run = |script: &str| {
            let output = Command::new("bash")
                .arg(root().join(script))
                .output()
                .expect("bash runs");
            assert!(
                output.status.success(),
                "{script} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8_lossy(&output.stdout).trim().to_string()
        };
        let chromium = run("packages/browser/setup.sh");
        let dist = PathBuf::from(run("packages/api-fetch/build.sh"));
        (chromium, dist)
    })
}

/// Serves the test page, the compiled package and openapi-fetch on loopback; the origin.
async fn serve_page(dist: PathBuf) -> String {
    use api_server::rt::axum;
    let page = root().join("packages/api-fetch/test/browser");
    let vendor = dist.join("../vendor");
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let (page, dist, vendor) = (page.clone(), dist.clone(), vendor.clone());
        async move {
            let path = uri.path();
            let file = match path {
                "/" => page.join("index.html"),
                "/app.js" => page.join("app.js"),
                _ if path.starts_with("/dist/") && !path.contains("..") => {
                    dist.join(&path["/dist/".len()..])
                }
                _ if path.starts_with("/vendor/") && !path.contains("..") => {
                    vendor.join(&path["/vendor/".len()..])
                }
                _ => {
                    return (
                        axum::http::StatusCode::NOT_FOUND,
                        [("content-type", "text/plain")],
                        Vec::new(),
                    );
                }
            };
            let kind = if file.extension().is_some_and(|e| e == "html") {
                "text/html; charset=utf-8"
            } else {
                "text/javascript; charset=utf-8"
            };
            match std::fs::read(&file) {
                Ok(bytes) => (axum::http::StatusCode::OK, [("content-type", kind)], bytes),
                Err(_) => (
                    axum::http::StatusCode::NOT_FOUND,
                    [("content-type", "text/plain")],
                    Vec::new(),
                ),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{address}")
}

/// Opens the page in Chromium; what the page and the browser reported.
async fn open(url: String, screenshot: &str) -> Value {
    let (chromium, _) = setup().clone();
    let shot = root().join("target").join(screenshot);
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(root().join("packages/browser/result.mjs"))
            .arg(&url)
            .arg("--screenshot")
            .arg(&shot)
            .env("CHROMIUM", chromium)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "result.mjs failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("result.mjs prints JSON")
}

/// The backend for a page on `origin`: 2 s access tokens, no leeway, so the page sees one die.
fn config(origin: &str, cookies: bool) -> Config {
    Config {
        cors_origins: vec![origin.to_string()],
        access_token_ttl: Duration::from_secs(2),
        token_leeway: Duration::ZERO,
        refresh_cookie: cookies.then_some(CookieMode {
            double_submit: true,
            ..CookieMode::default()
        }),
        ..Config::default()
    }
}

async fn run_mode(mode: &str) -> Value {
    let (_, dist) = setup().clone();
    let origin = serve_page(dist).await;
    let running = reference_server::start(config(&origin, mode == "cookie"))
        .await
        .unwrap();
    let url = format!("{origin}/?api={}&mode={mode}", running.api_url);
    let seen = open(url, &format!("api-fetch-{mode}.png")).await;
    running.stop().await;
    seen
}

fn assert_full_run(seen: &Value) {
    let result = &seen["result"];
    assert_eq!(result["ok"], true, "{seen:#}");
    assert_eq!(result["listedCreated"], true, "{seen:#}");
    assert_eq!(
        result["totalHeader"], "1",
        "X-Total-Count is not readable: {seen:#}"
    );
    assert_eq!(result["readAfterExpiry"], true, "{seen:#}");
    assert_eq!(
        result["refreshes"], 1,
        "not exactly one transparent refresh: {seen:#}"
    );
    assert_eq!(result["typedError"]["status"], 404, "{seen:#}");
    assert_eq!(result["typedError"]["code"], "not_found", "{seen:#}");
    assert_eq!(result["storageStatus"], 204, "{seen:#}");
    assert_eq!(result["uploadStatus"], "stored", "{seen:#}");
    assert_eq!(result["signedOut"], 0, "{seen:#}");
    // Chromium logs every 4xx it receives: the one 401 of the expired token (which the
    // refresh answered) and the 404 the typed-error step asks for are expected. The embedded
    // store answers the upload's POST (204, stored) while Chromium still reports the request
    // aborted; that is the store's and left as it is. Anything else is an error of the page.
    let unexpected: Vec<&str> = seen["console"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|m| {
            let refused = m.contains("status of 401") || m.contains("status of 404");
            let aborted_upload =
                m.starts_with("request failed: ") && m.ends_with("/uploads net::ERR_ABORTED");
            !refused && !aborted_upload
        })
        .collect();
    assert!(unexpected.is_empty(), "the browser logged errors: {seen:#}");
    let statuses = seen["console"].to_string();
    assert_eq!(statuses.matches("status of 401").count(), 1, "{seen:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_signs_in_refreshes_and_uploads_in_body_mode() {
    let seen = run_mode("body").await;
    assert_full_run(&seen);
    assert_eq!(seen["result"]["refreshTokenInBody"], true, "{seen:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_signs_in_refreshes_and_uploads_in_cookie_mode() {
    let seen = run_mode("cookie").await;
    assert_full_run(&seen);
    let result = &seen["result"];
    assert_eq!(result["refreshTokenInBody"], false, "{seen:#}");
    assert_eq!(
        result["refreshCookieVisible"], false,
        "script can read the refresh cookie: {seen:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_page_from_a_refused_origin_fails_with_a_cors_error() {
    let (_, dist) = setup().clone();
    let allowed = serve_page(dist.clone()).await;
    let refused = serve_page(dist).await;
    let running = reference_server::start(config(&allowed, false))
        .await
        .unwrap();
    let url = format!(
        "{refused}/?api={}&mode=body&email=refused@example.com",
        running.api_url
    );
    let seen = open(url, "api-fetch-refused.png").await;
    running.stop().await;
    let result = &seen["result"];
    assert_eq!(result["ok"], false, "{seen:#}");
    assert_eq!(result["error"]["name"], "TypeError", "{seen:#}");
    let console = seen["console"].to_string();
    assert!(
        console.contains("CORS"),
        "no CORS error in the browser: {seen:#}"
    );
}
