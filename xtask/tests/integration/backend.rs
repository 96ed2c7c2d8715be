//! `verify` starts the reference backend on free ports, checks it, and stops it.

use std::process::Stdio;

#[test]
fn the_backend_starts_on_free_ports_passes_the_smoke_checks_and_stops_when_dropped() {
    let backend = xtask::backend::start(&crate::root(), Stdio::null()).expect("the reference backend starts");
    let api = backend.api_url.clone();
    assert!(api.starts_with("http://127.0.0.1:"), "{api}");
    assert!(backend.storage_url.starts_with("http://127.0.0.1:"), "{}", backend.storage_url);
    let passed = xtask::smoke::run(&api).expect("the smoke checks pass");
    assert_eq!(passed, ["health", "jwks", "auth", "upload"]);
    drop(backend);
    let after = reqwest::blocking::Client::new()
        .get(format!("{api}/healthz"))
        .timeout(std::time::Duration::from_secs(2))
        .send();
    assert!(after.is_err(), "the backend still answers after it was stopped");
}

#[test]
fn smoke_checks_fail_against_something_that_is_not_the_backend() {
    // A port nothing listens on: the first check fails with a located message, no panic.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let error = xtask::smoke::run(&format!("http://{address}")).unwrap_err();
    assert!(format!("{error:#}").contains("/healthz"), "{error:#}");
}
