//! `cargo bench -p accord-conformance`: the suite's wall time and request count against the
//! reference backend, and the harness's time per request beside a bare reqwest loop on the
//! same endpoint. Prints its figures; asserts nothing about them.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accord_conformance::contract::Contract;
use accord_conformance::http::{Http, Request};

const ROUNDS: usize = 1000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let running = reference_server::start(reference_server::Config::default())
            .await
            .expect("the reference backend starts");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let profile = root.join("fixtures/profiles/reference.toml");

        // The whole suite, as `cargo xtask conformance` runs it.
        let url = running.api_url.clone();
        let started = Instant::now();
        let output = tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_accord-conformance"))
                .arg("--profile")
                .arg(profile)
                .arg("--base-url")
                .arg(url)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let wall = started.elapsed();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let summary = stdout
            .lines()
            .find(|l| l.starts_with("conformance:"))
            .unwrap_or("conformance: (no summary)");
        println!(
            "suite against the reference backend: {:.2} s wall, exit {:?}",
            wall.as_secs_f64(),
            output.status.code()
        );
        println!("  {summary}");

        // Time per request: the harness (spec check, recording) against bare reqwest.
        let spec = accord_spec::Spec::load(root.join("openapi/api.yaml")).unwrap();
        let http = Http::new(
            &running.api_url,
            Arc::new(Contract::new(spec)),
            Duration::from_secs(10),
        )
        .unwrap();
        for _ in 0..50 {
            http.send(Request::new("GET", "/healthz")).await.unwrap();
        }
        let started = Instant::now();
        for _ in 0..ROUNDS {
            let e = http.send(Request::new("GET", "/healthz")).await.unwrap();
            assert!(e.violations.is_empty());
        }
        let harness = started.elapsed() / ROUNDS as u32;

        let bare = reqwest::Client::new();
        let target = format!("{}/healthz", running.api_url);
        for _ in 0..50 {
            bare.get(&target)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
        }
        let started = Instant::now();
        for _ in 0..ROUNDS {
            bare.get(&target)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
        }
        let plain = started.elapsed() / ROUNDS as u32;
        println!("per request, GET /healthz, {ROUNDS} sequential:");
        println!(
            "  accord-conformance Http::send (checked against the spec): {:>7.1} µs",
            harness.as_secs_f64() * 1e6
        );
        println!(
            "  bare reqwest loop:                                        {:>7.1} µs",
            plain.as_secs_f64() * 1e6
        );
        running.stop().await;
    });
}
