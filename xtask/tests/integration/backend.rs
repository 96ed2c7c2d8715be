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
