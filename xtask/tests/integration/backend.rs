//! `verify` starts the reference backend on free ports, runs the conformance suite against it,
//! and stops it.

use std::process::Stdio;

#[test]
fn the_backend_starts_on_free_ports_and_stops_when_dropped() {
    let backend =
        xtask::backend::start(&crate::root(), Stdio::null()).expect("the reference backend starts");
    let api = backend.api_url.clone();
    assert!(api.starts_with("http://127.0.0.1:"), "{api}");
    assert!(
        backend.storage_url.starts_with("http://127.0.0.1:"),
        "{}",
        backend.storage_url
    );
    let health = reqwest::blocking::get(format!("{api}/healthz")).expect("the backend answers");
    assert_eq!(health.status(), 200);
    drop(backend);
    let after = reqwest::blocking::Client::new()
        .get(format!("{api}/healthz"))
        .timeout(std::time::Duration::from_secs(2))
        .send();
    assert!(
        after.is_err(),
        "the backend still answers after it was stopped"
    );
}

#[test]
fn conformance_against_a_dead_backend_fails_and_names_it() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let output = crate::xtask(&[
        "conformance",
        "--base-url",
        &format!("http://{address}"),
        "--tags",
        "@errors",
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("could not connect"), "{stdout}");
}

/// A backend that answers every request with a 404 problem and records the request lines.
fn recording_backend() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            log.lock().unwrap().push(line.trim().to_string());
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let body = r#"{"type":"about:blank","title":"Not Found","status":404}"#;
            let _ = write!(
                reader.get_mut(),
                "HTTP/1.1 404 Not Found\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen)
}

#[test]
fn a_profile_runs_against_its_own_backend_not_the_reference_one() {
    let (url, seen) = recording_backend();
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("staging.toml");
    let spec = crate::root().join("openapi/api.yaml");
    std::fs::write(
        &profile,
        format!(
            "base_url = \"{url}\"\nspec = \"{}\"\nrequest_timeout_secs = 3\n[errors]\nenvelope = \"problem\"\nrequest_id = false\n",
            spec.display().to_string().replace('\\', "/")
        ),
    )
    .unwrap();
    let output = crate::xtask(&[
        "conformance",
        "--profile",
        profile.to_str().unwrap(),
        "--tags",
        "@errors and not @login",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let seen = seen.lock().unwrap().clone();
    assert!(
        // The unknown route, under the prefix most of the spec's paths share (`/api/v1`).
        seen.iter()
            .any(|l| l.starts_with("GET /api/v1/accord-conformance-")),
        "the profile's backend got no request; it got {seen:?}\n{stdout}"
    );
    // The staging backend answers 404 everywhere: the 405 and 401 cases fail there, which
    // proves the run judged this backend and not the reference one (which passes them).
    assert_eq!(output.status.code(), Some(1), "{stdout}");
}
